"""The master scanner: one combined regex pass that tags and rewrites every token.

Each branch of the master pattern is one category (e-mail, web, phone, date, time,
number expression, Roman numeral, Latin word, acronym, graphic abbreviation, symbol);
the text between matches passes through untouched, so the output of one rule is never
re-read by another. ``normalize("5ке")`` → ``"бешке"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from bulletin.text import abbreviations, dates, latin, phones, roman, times, web
from bulletin.text.data import mapping, table
from bulletin.text.harmony import attach
from bulletin.text.lexicon import Lexicon
from bulletin.text.money import currency_word, scale_word
from bulletin.text.numbers import (
    cardinal_str,
    decimal,
    fraction,
    make_ordinal,
    ordinal,
)
from bulletin.text.sentences import no_split_after
from bulletin.text.symbols import read_symbol
from bulletin.text.units import FIXED, compound_keys, unit_keys, unit_parts


@dataclass(frozen=True)
class TokenTrace:
    """What one token became: the written text, the spoken text and the rule that fired."""

    written: str
    spoken: str
    rule: str


SP_CHARS = " \u00a0\u202f\u2009"
SP = f"[{SP_CHARS}]"
LO = "а-яөүңё"
UP = "А-ЯӨҮҢЁ"
LAT = "A-Za-z\u00c0-\u024f\u1e00-\u1effＡ-Ｚａ-ｚ"
A = "[аеоө]"
I = "[ыиуү]"  # noqa: E741
CASE = rf"(?:[гк]{A}|[дт]{A}(?:н|[гк]{I}|й)?|[дтн]{I}н?|ч{A})"
POSS = rf"(?:с?{I}(?:н(?:{A}|д{A}(?:[гк]{I})?|{A}н|{I}н|д{A}гы)?)?)"
PLUR = rf"(?:[лдт]{A}р)"
ADJ = rf"(?:[лдт]{I}[кг](?:{I}|т{A}р{I}?)?)"
ORD = rf"(?:{I}?н?ч{I})"
COLL = rf"(?:оо|өө)(?:н{A}н?|нд{A}(?:гы)?|{POSS}|{CASE})?(?:{CASE})?"
# approximate plural: 10догон → ондогон, 100дөгөн → жүздөгөн
APPROX = rf"(?:[лдт]{A}г{A}н)"
SUF = rf"(?:{ORD}(?:{POSS})?(?:{CASE})?|{ADJ}(?:{CASE})?|{COLL}|{APPROX}(?:{CASE})?|{PLUR}?(?:{POSS})?(?:{CASE})?)"
GROUPED = rf"\d{{1,3}}(?:{SP}\d{{3}})+(?!\d)"
INT = rf"(?:{GROUPED}|\d+)"
DEC = r"(?:[,.]\d+)"
CUR = "[$€₽₸£¥₺]"
NOT_WORD_AFTER = rf"(?![{LO}{UP}{LAT}])"
# a unit's abbreviation dot inside a sentence (15 т. өндүрүлдү): not read, not a full stop
UNIT_DOT = rf"(?:\.(?={SP}+[{LO}]|[,;:)]))?"  # a unit's dot inside a sentence: 612 т.; 5 кг.,
SUF_RE = re.compile(SUF)
_ORD_HW = re.compile(rf"{I}?н?ч{I}")
_ANNIVERSARY = re.compile(r"жылды[кг]|жылдык")
# a possessive after the hyphen marks an ordinal: алардын 1-си → биринчиси, 3-сүнө → үчүнчүсүнө
_HW_POSS = re.compile(rf"с{I}(?:н|$)")
# collective numerals: 3өө → үчөө, 2өө → экөө
_COLLECTIVE = {
    "2": "экөө",
    "3": "үчөө",
    "4": "төртөө",
    "5": "бешөө",
    "6": "алтоо",
    "7": "жетөө",
    "8": "сегизөө",
    "9": "тогузоо",
}
_DATIVE = re.compile(rf"[гк]{A}")
_MINUTE_WORD = re.compile(rf"{SP}+мүнөт")
_WITH = re.compile(rf"{SP}+менен(?![{LO}])")
_SCALE_WORDS = frozenset({"миң", "млн", "млрд", "трлн"})
_UNTIL = re.compile(rf"{SP}*чейин(?![{LO}])")
_BETWEEN = re.compile(rf"{SP}*аралы[гкө]")
_AFTER_SAAT = r"(?<=[Сс]аат[ \u00a0])"
_DOTTED_RANGE = (
    rf"(?=\d{{1,2}}\.[0-5]\d{SP}?[-–—]{SP}?\d{{1,2}}\.[0-5]\d(?![\d,.])"
    rf"(?:{SP}*(?:[)\];,\n]|$)|{SP}+(?:чейин|аралыгында)(?![{LO}])))"
)
_SENT_END = re.compile(rf"{SP}*(?:$|\n|[{UP}A-Z«\"“„—–\-])")  # not "(": 2,7 млрд долл. (+17 %)
# an all-capitals neighbour word: the acronym is part of a capitals rubric (АБА ЫРАЙЫ)
_CAPS_BEFORE = re.compile(rf"(?:^|[^{LO}{UP}])[{UP}]{{2,}}[ \u00a0]+$")
_CAPS_AFTER = re.compile(rf"[ \u00a0]+[{UP}]{{2,}}(?![{LO}])")
# a bare acronym just before this one (КР ЖК): read as a genitive when its entry says so
_PREV_ACRONYM = re.compile(rf"(?<![{LO}{UP}])([{UP}]{{2,}})[ \u00a0]+$")
# a dateline's place in capitals: ОШ, 29-ноябрь
_DATELINE_AFTER = re.compile(r"[ \u00a0]*,[ \u00a0]*\d")
_LINE_START = re.compile(r"(?:^|\n)[ \u00a0]*$")
_LINE_END = re.compile(r"[ \u00a0]*(?:\n|$)")
_BEFORE_WORD = re.compile(
    rf"{SP}+(?!(?:менен|жана|же|үчүн|боюнча|аркылуу|тарабынан|дагы|да|эле|гана|деп|эмес|"
    rf"сыяктуу|аралык)(?![{LO}]))[{UP}{LO}]"
)
_AFTER_NAME = frozenset(
    {"к.", "ш.", "көч.", "пр.", "м-н", "мкр.", "а.", "обл.", "р-ну", "р-н", "б-р", "б-ры"}
)
# names joined by жана / же (and commas) just before a place abbreviation: Ош, Жалал-Абад жана
# Баткен обл. → облустары
_NAME = rf"[{UP}][{UP}{LO}\-]*(?:{SP}[{UP}][{UP}{LO}\-]*)?"
_COORDINATED_NAMES = re.compile(rf"{_NAME}(?:,{SP}*{_NAME})*{SP}+(?:жана|же){SP}+{_NAME}$")
# a place abbreviation and a comma before a place name: an address list (Нарын обл., Ат-Башы
# р-ну, Ак-Муз а. тургундары), whose last part keeps the nominative
_PLACE_LIST = re.compile(
    r"(?:ш|обл|р-ну|р-н|а|көч|к|пр|б-р|б-ры|м-н|мкр|а/о|а/ө|а/а)\.?,[ \u00a0]*$"
)
_OPENERS = frozenset(' \u00a0\u202f\u2009\t«"“„(—–-')
_SCORE_NEXT = re.compile(rf"{SP}*эсе[пб]")
# an abbreviation after a number that does not end the sentence: 2024-ж., XVII к., 7 млн., 5-мкр.
_GOES_ON = re.compile(
    r"(?:\d-?|\d[ \u00a0]|[IVXLCХІ][ \u00a0])(?:жж?|кк?)\.$|\d[ \u00a0](?:млн|млрд|трлн)\.$|\d-мкр\.$"
)
# a plural noun after ж.б. / т.б. (up to two words on): the plural of башкалар is dropped
# (т.б. өлкөлөр → тагы башка өлкөлөр, ж.б. негизги азык-түлүк товарлары)
_NEXT_WORDS = re.compile(rf"(?:{SP}+[{LO}][{LO}\-]*(?![{LO}\-])){{1,3}}")
_PLURAL = re.compile(rf"[{LO}][{LO}\-]+[лдт][аеоө]р(?:[{LO}]*)$")
_VERB = re.compile(
    r"(?:[дт][ыиуү]|[аеоөы]т|[ыиуү]т|йт|ш[аеоө]т|[гк][аеоө]н|[ыиуү]п|м[аеоө]к|уу|үү)$"
)
_NOT_NOUN = frozenset(
    {"менен", "жана", "же", "үчүн", "боюнча", "аркылуу", "дагы", "да", "эле", "гана", "бар", "жок"}
)
_ROMAN_BEFORE = re.compile(r"(?<![\w])[IVXLCХІ]+(?:[-–][IVXLCХІ]+)?$")
# a name before к., р-н, пр.: a capitalised word or a numbered one (Биринчи май / 1-май р-ну)
_NAME_BEFORE = re.compile(rf"[{UP}]|\d+-[{LO}]")
# a place name with a number (Жал-23, Восток-5 мкр.)
_NUMBERED_NAME = re.compile(rf"[{UP}][{LO}]+(?:-[{UP}{LO}][{LO}]*)*-\d+")
# a street or house word just before a number: Ленин к., 221/2 / Асанбай м-н, 45/2 is a
# house number
_ADDRESS = re.compile(
    rf"(?:(?<![{LO}{UP}])(?:к|көч|пр|б-р|мкр|м-н|кичи\s?р-ну)\.?|көчөсү|проспектиси|бульвары"
    rf"|микрорайону|кичирайону|конушу|массиви|үй|дарек\w*)[,\s]*$"
)
# a house word just after the number: 45/2 дарегинде, 12/3 үйүндө
_ADDRESS_AFTER = re.compile(r"[\s\u00a0]*(?:дарег|үй(?!рө))")
_SUPERSCRIPT = {"²": "квадрат", "³": "куб"}
_HW_UNITS = frozenset({"км", "см", "мм", "кг", "га"})
# Unicode vulgar fractions: (numerator, denominator)
_VULGAR = {
    "½": ("1", "2"),
    "⅓": ("1", "3"),
    "⅔": ("2", "3"),
    "¼": ("1", "4"),
    "¾": ("3", "4"),
    "⅕": ("1", "5"),
    "⅖": ("2", "5"),
    "⅗": ("3", "5"),
    "⅘": ("4", "5"),
    "⅙": ("1", "6"),
    "⅛": ("1", "8"),
    "⅜": ("3", "8"),
    "⅝": ("5", "8"),
    "⅞": ("7", "8"),
}
_VULGAR_CHARS = "".join(_VULGAR)


def _units_alt() -> tuple[str, str]:
    long: list[str] = []
    short: list[str] = []
    for key in unit_keys():
        is_long = (len(key) > 1 and key not in ("га", "мм", "см")) or key == "°"
        (long if is_long else short).append(re.escape(key))
    return "|".join(long), "|".join(short)


@cache
def _master() -> str:
    long_units, short_units = _units_alt()
    graphic = "|".join(re.escape(k) for k in abbreviations.graphic_keys(capitalised=True))
    latin_keys = [k for k in mapping("latin") if not k.isalpha()]
    latin_keys.sort(key=len, reverse=True)
    latinkey = "|".join(re.escape(k) for k in latin_keys)
    compound = "|".join(re.escape(k) for k in compound_keys())
    compound_firsts = re.escape("".join(sorted({k[0] for k in compound_keys()})))
    mixed = "|".join(re.escape(k) for k in abbreviations.mixed_case_keys()) or "(?!)"
    numbered_dot = "|".join(f"(?<=-{re.escape(k)})" for k in table("numbered"))
    tail_unit = (
        rf"(?:{SP}?(?P<unit>{long_units})(?:-?(?![аеиоөуүыэ])(?P<usuf>{SUF}))?{NOT_WORD_AFTER}{UNIT_DOT}"
        rf"|{SP}(?P<sunit>{short_units})(?:(?<=\w\w)-?(?![аеиоөуүыэ])(?P<ssuf>{SUF}))?(?![{LO}{UP}{LAT}]|\.[{LO}]|-н(?![{LO}])){UNIT_DOT})"
    )
    num = (
        rf"(?P<num>(?P<join>(?<=[{LO}{UP}{LAT}])-)?"
        rf"(?:(?P<cur1>{CUR}){SP}?)?(?P<no>№{SP}?-?)?"
        rf"(?:(?<![\w.,№\-])(?P<sign>[+\-–−])(?=\d))?"
        rf"(?P<n1>{INT})(?P<d1>{DEC})?(?:/(?P<den>\d+)(?P<slashes>(?:/\d+)+)?)?"
        rf"(?:(?P<rsep>[-–—])(?:(?P<sign2>[+\-–−])(?=\d))?(?P<n2>{INT})(?P<d2>{DEC})?(?:/(?P<den2>\d+))?)?"
        rf"(?:-(?!жж?\.(?![{LO}]))(?P<hw>[{LO}{UP}]+(?:-[{LO}{UP}]+)*)(?P<hwdot>(?:{numbered_dot})\.(?![{LO}]))?"
        rf"|(?:-|{SP}?)(?P<yr>жж?)\.(?![{LO}])"
        rf"|-(?P<para>§)(?P<parasuf>[{LO}]*)"
        rf"|(?P<dangle>-)(?=,|{SP}+(?:жана|же|,){SP})"
        rf"|(?P<sup>[²³])(?![\d])"
        rf"|(?:\+(?P<mn2>\d{{1,2}}))?(?P<prime>['’′])(?![\w'’′])"  # a minute: 12', 45+2'
        rf"|(?:(?P<by>[xх×])(?P<byn>\d+)(?![\d{LAT}{LO}{UP}]))?"  # 3x3 м → үчкө үч метр
        rf"(?:{SP}(?P<scale>млн|млрд|трлн|миң)(?:\.(?={SP}(?:[{LO}]|\d)))?)?"
        rf"(?:{SP}?(?P<pct>[%‰])(?:(?:{SP}|-)(?P<psuf>(?=[{LO}]){SUF})(?![{LO}{UP}{LAT}]))?|{SP}?(?P<cur2>{CUR})|{tail_unit})?"
        rf"(?:(?:(?<=[{LO}])-)?(?P<suf>{SUF}){NOT_WORD_AFTER})?))"
    )
    branches = [
        r"(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)",
        rf"(?P<url>(?:[A-Za-z]+://|www\.)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*(?:/[^\s«»\"()]*)?"
        rf"|(?=[A-Za-z0-9\-]*\.[A-Za-z])[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:{web.TLDS})(?![A-Za-z0-9])(?:/[^\s«»\"()]*)?)",
        # a top-level domain on its own: .kg доменинде → кей жи доменинде, .com'до
        rf"(?P<tld>(?<![\w.])\.(?P<tldw>(?:{web.TLDS})(?:\.(?:{web.TLDS}))*(?![A-Za-z0-9.])|кыр(?=[{SP_CHARS}»),]))(?:['’-]?(?P<tldsuf>{SUF}){NOT_WORD_AFTER})?)",
        r"(?P<handle>@[A-Za-z0-9_]+)",
        rf"(?P<phone>\+\d{{1,3}}{SP}\(?\d{{1,5}}\)?(?:[{SP_CHARS}-]\d{{1,5}}){{1,}}(?!\d)|(?<![\d,.])0(?:{SP}\d{{2,4}}){{3,}}(?!\d)"
        rf"|(?<![\d,.\-])0\d{{3}}(?:[{SP_CHARS}-]\d{{2,3}}){{2,3}}(?![\d\-])"
        rf"|(?:(?:\+\d{{1,3}}|0){SP}?)?\(\d{{3,5}}\){SP}?\d{{1,3}}(?:[{SP_CHARS}-]\d{{2,3}}){{1,3}}(?!\d)"
        rf"|(?<![\d\-])\d{{2,3}}-\d{{2}}-\d{{2}}(?![\d\-]))",
        # date and clock branches share one cheap test: one or two digits, then . or :
        rf"(?=\d\d?[.:])(?:(?P<date>(?<![\d.])(?P<dd>\d{{1,2}})\.(?P<dm>\d{{1,2}})\.(?P<dy>\d{{4}})(?!\d)"
        rf"(?:-?жыл(?P<dsuf>[{LO}]*)|(?:-|{SP})?(?P<dyr>ж)\.(?![{LO}]))?)"
        rf"|(?P<hms>(?<![\d:])(?P<hh>\d{{1,2}}):(?P<hm>[0-5]\d):(?P<hs>[0-5]\d)(?:,(?P<hsf>\d+))?(?![\d:])"
        rf"(?:(?P<hmssuf>{SUF}){NOT_WORD_AFTER})?)"
        # a result time with hundredths and no hours: 3:49,12 → үч мүнөт кырк тогуз бүтүн …
        rf"|(?P<lap>(?<![\d:])(?P<lm>\d{{1,2}}):(?P<ls>[0-5]\d),(?P<lf>\d{{1,3}})(?![\d:,])"
        rf"(?:(?P<lapsuf>{SUF}){NOT_WORD_AFTER})?)"
        rf"|(?P<trange>(?<![\d:])(?P<a1>\d{{1,2}}):(?P<b1>\d{{2}}){SP}?[-–—]{SP}?(?P<a2>\d{{1,2}}):(?P<b2>\d{{2}})(?![\d:])(?:(?P<trsuf>{SUF}){NOT_WORD_AFTER})?)"
        rf"|(?P<time>(?<![\d:])(?P<th>\d{{1,2}}):(?P<tm>\d{{1,2}})(?![\d:])(?:(?P<tsuf>{SUF}){NOT_WORD_AFTER})?)"
        # a time written with a dot (саат 10.30да, 9.00дө, саат 9.00-18.00): after саат, on
        # the hour, or a range of two that closes a bracket, a clause or a line or stands before
        # чейин (тыныгуу 12.30–13.30), so 3.75, 2.30 млн and 1.20-1.50 м stay decimals
        rf"|(?P<dtime>(?<![\d.,:$€₽₸£¥₺])(?:{_AFTER_SAAT}|(?=\d{{1,2}}\.00(?![\d,.]))|{_DOTTED_RANGE})"
        rf"(?P<dh>\d{{1,2}})\.(?P<dmin>[0-5]\d)"
        rf"(?:{SP}?[-–—]{SP}?(?P<dh2>\d{{1,2}})\.(?P<dmin2>[0-5]\d))?(?![\d,.])"
        rf"(?:(?P<dtsuf>{SUF}){NOT_WORD_AFTER})?))",
        rf"(?P<temp>(?=[+\-–−]?\d[\d,]*(?:{SP}?°[CСF]?)?(?:\.\.\.|…))(?:(?<![\w.])(?P<ts1>[+\-–−]))?(?P<tn1>\d+(?:,\d+)?)(?:{SP}?°[CСF]?)?(?:\.\.\.|…)"
        rf"(?P<ts2>[+\-–−])?(?P<tn2>\d+(?:,\d+)?)"
        rf"(?:{SP}?(?P<tunit>°{SP}?[CСF]?)|{SP}(?P<tword>градус)(?=[{LO}]{{0,4}}(?![{LO}])))?"
        rf"(?:(?P<tempsuf>{SUF}){NOT_WORD_AFTER})?)",
    ]
    if latinkey:
        branches.append(
            rf"(?P<latinkey>(?P<lk>(?<![{LAT}0-9])(?:{latinkey})(?![{LAT}0-9]))(?:['’](?=[{LO}]))?(?P<lksuf>[{LO}]*)(?:-(?P<lkhsuf>(?=[{LO}]){SUF})(?![{LO}{UP}\-])|(?P<lkhy>-(?=[{LO}])))?)"
        )
    branches += [
        rf"(?P<alnum>(?<![{LO}{UP}{LAT}\d.,])(?:(?P<an_d>\d{{1,4}})(?P<an_l>[A-Z]{{1,2}})"
        rf"|(?P<al_l>[A-Z]{{1,2}})(?P<al_d>\d{{2,4}}))(?![{LO}{UP}{LAT}\d])"
        rf"(?:-(?P<an_w>[{LO}]+))?)",
        rf"(?P<vfrac>(?<![\d,.])(?:(?P<vw>\d+){SP}?)?(?P<vf>[{_VULGAR_CHARS}])"
        rf"(?:(?P<vsuf>{SUF}){NOT_WORD_AFTER})?)",
        num,
        rf"(?P<roman>(?<![{LO}{UP}{LAT}\d])(?P<r1>[IVXLCDMХІ]+)(?:[-–](?P<r2>[IVXLCDMХІ]+))?"
        rf"(?:-(?P<rhw>[{LO}]+))?(?![{LO}{UP}{LAT}0-9]))",
        rf"(?P<latin>(?P<lw>[{LAT}]+(?:['’&\-][{LAT}]+)*)(?:['’](?=[{LO}]))?(?P<lsuf>[{LO}]*)(?:-(?P<lhsuf>(?=[{LO}]){SUF})(?![{LO}{UP}\-])|(?P<lhy>-(?=[{LO}{UP}])))?)",
        # a joined unit with no number before it: баасы кВт·саатына → киловатт-саатына
        rf"(?P<cunit>(?=[{compound_firsts}])(?<![{LO}{UP}{LAT}\d.·\-])(?P<cu>{compound})(?P<cusuf>{SUF})(?![{LO}{UP}{LAT}\d]))",
        rf"(?P<acro>(?P<aw>(?<![{LO}{UP}])(?:{mixed}(?=[{LO}]*(?![{UP}]))|[{UP}]{{2,}}|[{UP}](?=-\d)))"
        rf"(?P<asuf>[{LO}]*)(?![{UP}]))",
        rf"(?P<graphic>(?<![{LO}{UP}{LAT}.])(?P<gk>{graphic})(?:(?<=[{LO}])(?P<gsuf>{SUF}))?(?![{LO}]))",
        # a price per piece written with a slash: сом/даана → сом даанасына
        rf"(?P<per>/(?:(?<=сом/)|(?<=доллар/)|(?<=евро/)|(?<=рубль/)|(?<=теңге/))(?P<perw>{compound}|[{LO}]+)(?![{LO}{UP}/]))",
        # any other slash between words (4G/LTE, жана/же) is read as a space
        r"(?P<slash>/(?<=\w/)(?=\w))",
        # a hashtag's words ride on its # (one branch fewer to try at every position)
        rf"(?P<sym>(?P<symch>°[CС](?![{LO}{UP}{LAT}])|[№§&@≈~±×=‰%°²³+#*^_|\\<>`™®©$€₽₸£¥₺])"
        rf"(?:(?<=#)(?P<htw>(?=[{LO}{UP}A-Za-z])[{LO}{UP}A-Za-z0-9_]+))?)",
    ]
    firsts = "".join(sorted({k[0] for k in abbreviations.graphic_keys(capitalised=True)}))
    # a joined unit that starts in lower case (кВт·саат, т·км): its first three characters
    lower_compound = sorted({re.escape(k[:3]) for k in compound_keys() if k[0].islower()})
    # every branch starts with one of these: a cheap test that skips plain words fast
    trigger = (
        rf"(?=[\d{LAT}{UP}{_VULGAR_CHARS}І№§&@≈~±×=‰%°²³+#*^_|\\<>`™®©$€₽₸£¥₺\-–−(/]"
        rf"|(?<![{LO}{UP}{LAT}.])(?:[{re.escape(firsts)}]|{'|'.join(lower_compound) or '(?!)'})"
        rf"|\.(?<![\w.]\.)(?=[a-z]|кыр[{SP_CHARS}»),]))"
    )
    return trigger + "(?:" + "|".join(branches) + ")"


@cache
def _compiled() -> re.Pattern[str]:
    return re.compile(_master())


def _scanner(lexicon: Lexicon | None) -> re.Pattern[str]:
    if not lexicon or not lexicon.entries:
        return _compiled()
    cached = lexicon.__dict__.get("_scanner")
    if cached is not None:
        return cached
    keys = sorted(lexicon.entries, key=len, reverse=True)
    alt = "|".join(re.escape(k) for k in keys)
    pattern = re.compile(
        rf"(?P<lex>(?P<lw0>(?<![{LO}{UP}{LAT}0-9])(?:{alt}))(?P<lexsuf>[{LO}]*)(?![{UP}{LAT}0-9]))|"
        + _master()
    )
    lexicon.__dict__["_scanner"] = pattern
    return pattern


class _Rewriter:
    """Callback object for ``pattern.sub``: dispatches on the branch that matched."""

    __slots__ = ("text", "lexicon", "traces")

    def __init__(self, text: str, lexicon: Lexicon | None, traces: list[TokenTrace] | None):
        self.text = text
        self.lexicon = lexicon
        self.traces = traces

    def __call__(self, m: re.Match[str]) -> str:
        kind = m.lastgroup  # every branch is wrapped in one outer named group
        try:
            spoken, rule = getattr(self, "_" + kind)(m)
        except Exception:  # never raise on odd input: read what we can
            spoken, rule = _fallback(m.group(0)), "fallback"
        if spoken and spoken[0].islower() and self._sentence_start(m.start()):
            spoken = spoken[0].upper() + spoken[1:]
        if self.traces is not None:
            self.traces.append(TokenTrace(m.group(0), spoken, rule))
        return spoken

    def _sentence_start(self, pos: int) -> bool:
        """True when only opening quotes, dashes or spaces stand between a sentence end and *pos*."""
        text = self.text
        start = pos
        while pos > 0:
            ch = text[pos - 1]
            if ch in _OPENERS:
                pos -= 1
                continue
            if ch == ".":
                if _GOES_ON.search(text, max(0, pos - 16), pos):
                    return False  # 2024-ж. 15-июнда: the date goes on
                window = text[max(0, pos - 36) : pos]
                word = window.rsplit(None, 1)
                before = window[: len(window) - len(word[-1])] if word else ""
                following = text[start : start + 40]
                gap = text[pos:start].strip(SP_CHARS)
                if gap[:1] in ("(", "—", "–", "-"):
                    following = gap[0] + " " + following  # долл. (+17 %), ш. – +14: goes on
                return not (word and no_split_after(word[-1], following, before))
            return ch in "\n!?…"
        return True

    # -- helpers -----------------------------------------------------------
    def _ends_sentence(self, end: int, word: str) -> bool:
        """True when the dot of *word* (an abbreviation ending at *end*) is also a full stop.

        As ``split_sentences`` decides it: 1987-ж. КУУну бүтүргөн goes on, 1987-ж. Андан
        кийин ends; the end of a line ends it.
        """
        text = self.text
        if not _SENT_END.match(text, end):
            return False
        following = text[end : end + 40].lstrip(SP_CHARS)
        if not following or following[0] == "\n":
            return True
        start = end - len(word)
        return not no_split_after(word, following, text[max(0, start - 24) : start])

    def _before_is_letter(self, m: re.Match[str]) -> bool:
        start = m.start()
        return start > 0 and self.text[start - 1].isalpha()

    def _after_is_letter(self, m: re.Match[str]) -> bool:
        end = m.end()
        return end < len(self.text) and self.text[end].isalpha()

    def _pad(self, m: re.Match[str], spoken: str) -> str:
        """Keep a spoken word apart from letters or digits written against it."""
        text = self.text
        start, end = m.start(), m.end()
        if spoken and start > 0 and text[start - 1].isalnum():
            spoken = " " + spoken
        if spoken and end < len(text) and text[end].isalnum():
            spoken = spoken + " "
        return spoken

    # -- branches ----------------------------------------------------------
    def _lex(self, m: re.Match[str]) -> tuple[str, str]:
        entry = self.lexicon.get(m["lw0"]) if self.lexicon else None
        suffix = m.group("lexsuf") or ""
        if entry is None:
            return m.group(0), "pass"
        return abbreviations.read_with_kind(entry.spoken, entry.kind, suffix), "lexicon"

    def _email(self, m: re.Match[str]) -> tuple[str, str]:
        return web.read_email(m.group("email")), "email"

    def _url(self, m: re.Match[str]) -> tuple[str, str]:
        return web.read_url(m.group("url")), "url"

    def _tld(self, m: re.Match[str]) -> tuple[str, str]:
        spoken = web.read_tld(m["tldw"])
        if m["tldsuf"]:
            spoken = attach(spoken, m["tldsuf"])
        return self._pad(m, spoken), "url:domain"

    def _handle(self, m: re.Match[str]) -> tuple[str, str]:
        return self._pad(m, web.read_handle(m.group("handle"))), "handle"

    def _phone(self, m: re.Match[str]) -> tuple[str, str]:
        return phones.read_phone(m.group("phone")), "phone"

    def _date(self, m: re.Match[str]) -> tuple[str, str]:
        case = None
        after = self.text[m.end() : m.end() + 40]
        if m["dyr"]:  # 12.05.2025 ж. is read once, as 12.05.2025-жылы in the case needed
            case = dates.date_case(after)
        elif not m["dsuf"] and after.lstrip(" \u00a0").startswith("№"):
            case = "дагы"  # 25.12.2019 №123 токтому → … декабрындагы … токтому
        spoken = dates.read_numeric_date(m["dd"], m["dm"], m["dy"], m["dsuf"] or "", case)
        if spoken is None:
            parts = [cardinal_str(m["dd"]), cardinal_str(m["dm"]), cardinal_str(m["dy"])]
            return " ".join(parts), "date:invalid"
        if m["dyr"] and self._ends_sentence(m.end(), m.group(0).split()[-1]):
            spoken += "."  # the abbreviation's dot is the full stop
        return spoken, "date"

    def _trange(self, m: re.Match[str]) -> tuple[str, str]:
        until = not _UNTIL.match(self.text, m.end())  # 9:00-18:00 чейин: said once
        joined = bool(_BETWEEN.match(self.text, m.end()))  # 9:00-18:00 аралыгында
        spoken = times.read_time_range(
            m["a1"], m["b1"], m["a2"], m["b2"], m["trsuf"] or "", until=until, joined=joined
        )
        return spoken, "time:range"

    def _time(self, m: re.Match[str]) -> tuple[str, str]:
        h, mi, suf = m["th"], m["tm"], m["tsuf"] or ""
        after = self.text[m.end() : m.end() + 20]
        if times.is_time(h, mi) and not _SCORE_NEXT.match(after):
            return times.read_time(h, mi, suf), "time"
        return times.read_score(h, mi, suf), "score"

    def _hms(self, m: re.Match[str]) -> tuple[str, str]:
        """A result time: 2:05:30 → эки саат беш мүнөт отуз секунд."""
        spoken = times.read_duration(m["hh"], m["hm"], m["hs"], m["hsf"] or "")
        return attach(spoken, m["hmssuf"] or ""), "duration"

    def _lap(self, m: re.Match[str]) -> tuple[str, str]:
        """A result time with a fraction: 3:49,12 → үч мүнөт кырк тогуз бүтүн жүздөн он эки секунд."""
        spoken = times.read_duration("0", m["lm"], m["ls"], m["lf"])
        return attach(spoken, m["lapsuf"] or ""), "duration"

    def _dtime(self, m: re.Match[str]) -> tuple[str, str]:
        """саат 10.30да → саат он отузда; a value that is no clock time is a decimal."""
        h, mi, suf = m["dh"], m["dmin"], m["dtsuf"] or ""
        h2, mi2 = m["dh2"], m["dmin2"]
        if h2 is not None:  # саат 9.00-18.00
            if times.is_time(h, mi) and times.is_time(h2, mi2):
                until = not _UNTIL.match(self.text, m.end())
                joined = bool(_BETWEEN.match(self.text, m.end()))
                spoken = times.read_time_range(h, mi, h2, mi2, suf, until=until, joined=joined)
                return spoken, "time:range"
            return attach(f"{decimal(h, mi)}-{decimal(h2, mi2)}", suf), "range"
        if times.is_time(h, mi):
            return times.read_time(h, mi, suf), "time"
        return attach(decimal(h, mi), suf), "decimal"

    def _temp(self, m: re.Match[str]) -> tuple[str, str]:
        def signed(sign: str | None, value: str) -> str:
            whole, _, frac = value.partition(",")
            words = decimal(whole, frac) if frac else cardinal_str(whole)
            if sign == "+":
                return "плюс " + words
            if sign:
                return "минус " + words
            return words

        first = attach(signed(m["ts1"], m["tn1"]), "дан")
        second = signed(m["ts2"], m["tn2"])
        suffix = m["tempsuf"] or ""
        if suffix and not _DATIVE.fullmatch(suffix):
            # 0…+2 градустан жогору → нөл-плюс эки градустан жогору: not a "from … to"
            unit = " градус" if m["tunit"] or m["tword"] else ""
            spoken = attach(f"{signed(m['ts1'], m['tn1'])}-{second}{unit}", suffix)
            return spoken, "temperature:range"
        if m["tunit"] or m["tword"]:  # 2...4 градус → экиден төрт градуска чейин
            second = attach(second + " градус", suffix or "га")
        else:
            second = attach(second, suffix or "га")
        if _UNTIL.match(self.text, m.end()):
            return f"{first} {second}", "temperature:range"  # чейин is written
        return f"{first} {second} чейин", "temperature:range"

    def _latinkey(self, m: re.Match[str]) -> tuple[str, str]:
        spoken = latin.lookup(m["lk"]) or latin.read_latin(m["lk"])
        suffix = m["lksuf"] or m["lkhsuf"] or ""  # Wi-Fi-га → вай-файга
        spoken = attach(spoken, suffix) if suffix else spoken
        # 5G-тармак → беш-джи тармак: _pad puts the space for the hyphen
        return self._pad(m, spoken), "latin:lexicon"

    def _num(self, m: re.Match[str]) -> tuple[str, str]:
        return _read_number(self, m)

    def _alnum(self, m: re.Match[str]) -> tuple[str, str]:
        """Letters inside an alphanumeric are letters: 3D → үч-ди, A321 → эй үч жүз жыйырма бир."""
        if m["an_d"]:
            spoken = cardinal_str(m["an_d"]) + "-" + latin.spell(m["an_l"])
        else:
            spoken = latin.spell(m["al_l"]) + " " + cardinal_str(m["al_d"])
        word = m["an_w"]
        if word and len(word) <= 4 and SUF_RE.fullmatch(word):
            spoken = attach(spoken, word)  # 4K-да → төрт-кейде
        elif word:
            spoken += " " + word  # 3D-формат → үч-ди формат
        return self._pad(m, spoken), "alphanumeric"

    def _vfrac(self, m: re.Match[str]) -> tuple[str, str]:
        numerator, denominator = _VULGAR[m["vf"]]
        spoken = fraction(numerator, denominator)
        if m["vw"]:
            spoken = f"{cardinal_str(m['vw'])} бүтүн {spoken}"
        if m["vsuf"]:
            spoken = attach(spoken, m["vsuf"])
        return self._pad(m, spoken), "fraction"

    def _roman(self, m: re.Match[str]) -> tuple[str, str]:
        r1, r2 = m["r1"], m["r2"]
        v1 = roman.roman_value(r1)
        v2 = roman.roman_value(r2) if r2 else None
        ascii_only = all(ch in "IVX" for ch in r1 + (r2 or ""))
        after = self.text[m.end() : m.end() + 40]
        context = bool(roman.CONTEXT.match(after)) or bool(m["rhw"])
        if v1 and (not r2 or v2) and (ascii_only or context):
            spoken = roman.read_roman(r1)
            if r2:
                spoken += "-" + roman.read_roman(r2)
            if m["rhw"]:
                spoken += " " + m["rhw"]
            return spoken, "roman"
        word = m.group(0)
        if any("A" <= ch <= "Z" for ch in word):
            # not a numeral (ID-картасын): Latin letters, the Kyrgyz word kept
            spoken = latin.read_latin(r1) + ("-" + latin.read_latin(r2) if r2 else "")
            hw = m["rhw"]
            if hw and len(hw) <= 4 and SUF_RE.fullmatch(hw):
                spoken = attach(spoken, hw)  # ID-ге → ай-диге
            elif hw:
                spoken += " " + hw
            return self._pad(m, spoken), "latin"
        return word, "pass"

    def _latin(self, m: re.Match[str]) -> tuple[str, str]:
        spoken = latin.read_latin(m["lw"])
        suffix = m["lsuf"] or m["lhsuf"] or ""  # TikTok-та → Тиктокто
        if suffix and spoken:
            spoken = attach(spoken, suffix)
        elif suffix:
            spoken = suffix
        if m["lhy"]:
            spoken += " "  # QR-код → кью-ар код: the voice would pause on the hyphen
        rule = "latin:lexicon" if latin.lookup(m["lw"]) is not None else "latin"
        if spoken and self.text[m.start() - 1 : m.start()].isdigit():
            spoken = " " + spoken
        if spoken and self._after_is_letter(m) and not m["lhy"]:
            spoken += " "
        if m["lhy"] and not spoken.strip():
            spoken = ""
        return spoken, rule

    def _acro(self, m: re.Match[str]) -> tuple[str, str]:
        word, suffix = m["aw"], m["asuf"] or ""
        text = self.text
        rubric = not suffix and (
            bool(_CAPS_BEFORE.search(text, max(0, m.start() - 30), m.start()))
            or bool(_CAPS_AFTER.match(text, m.end()))
            or (
                bool(_LINE_START.search(text, max(0, m.start() - 30), m.start()))
                and bool(_LINE_END.match(text, m.end()))
            )
        )
        in_brackets = (  # Шанхай кызматташтык уюму (ШКУ) / (ШКУ, SCO)
            not suffix
            and text[m.start() - 1 : m.start()] == "("
            and text[m.end() : m.end() + 1] in (")", ",")
        )
        if (
            not suffix
            and _DATELINE_AFTER.match(text, m.end())
            and _LINE_START.search(text, max(0, m.start() - 30), m.start())
            and abbreviations.entry(word) is None
        ):
            return word[0] + word[1:].lower(), "dateline"  # ОШ, 29-ноябрь → Ош, …
        before_word = bool(_BEFORE_WORD.match(text, m.end()))
        prev = _PREV_ACRONYM.search(text, max(0, m.start() - 12), m.start())
        after_genitive = prev is not None and abbreviations.genitive_before(prev.group(1))
        return abbreviations.read_acronym(
            word,
            suffix,
            rubric=rubric,
            in_brackets=in_brackets,
            before_word=before_word,
            after_genitive=after_genitive,
        )

    def _graphic(self, m: re.Match[str]) -> tuple[str, str]:
        written = m["gk"]
        gsuf = m["gsuf"] or ""
        found = abbreviations.graphic_entry(written)
        if found is None:
            return written, "pass"
        spoken, kind = found
        before = self.text[max(0, m.start() - 40) : m.start()].rstrip(" \u00a0")
        prev_word = re.search(r"(\S+)$", before)
        prev = prev_word.group(1).lstrip('(«"“„[') if prev_word else ""
        after_name = bool(prev) and prev[-1].isalpha() and bool(_NAME_BEFORE.match(prev))
        after_name = after_name or bool(_NUMBERED_NAME.fullmatch(prev))  # Жал-23 м-н
        after = self.text[m.end() : m.end() + 40]
        if written in ("к.", "кк.") and _ROMAN_BEFORE.search(before):
            # XVII к. салынган → он жетинчи кылымда салынган (not көчөсү)
            spoken = dates.context_word("кылым" if written == "к." else "кылымдар", after)
            if self._ends_sentence(m.end(), written):
                spoken += "."
            return spoken, "graphic:century"
        if (written in _AFTER_NAME or kind == "attr") and not after_name:
            return m["graphic"], "pass"  # к. is көчөсү only after a street name
        plural = None if gsuf else abbreviations.graphic_plural(written)
        if plural and _COORDINATED_NAMES.search(before):
            spoken = plural  # Жалал-Абад жана Ош обл. → облустары
        if gsuf:
            if gsuf[0] in "аеиоөуүы" and spoken[-1] in "аеиоөуүы":
                return spoken[:-1] + gsuf, "graphic"  # м-нунда → микрорайонунда
            stem = abbreviations.graphic_stem(written)
            if stem and gsuf[0] not in "аеиоөуүы":
                return attach(stem, gsuf), "graphic"  # м-ндору → микрорайондору
            return attach(spoken, gsuf), "graphic"
        if (
            (written in _AFTER_NAME or written in ("а/о", "а/ө", "а/а"))
            and after_name
            and not (prev_word and _PLACE_LIST.search(before, 0, prev_word.start()))
            and dates.possessed_follows(after)
        ):
            return _genitive(spoken), "graphic:genitive"  # Ош ш. тургундары → шаарынын
        if written == "ж." and after_name and not prev[-1].isdigit():
            spoken = "жолу"  # Бишкек–Ош ж. → Бишкек–Ош жолу: a road after its name
            if self._ends_sentence(m.end(), written):
                spoken += "."
            return spoken, "graphic:road"
        if written in ("ж.", "жж.") and not (prev and prev[-1].isdigit()):
            return written, "pass"
        if written == "кк." and not (prev and (prev[-1].isdigit() or prev[-1] in "IVXХІ")):
            return written, "pass"
        if written in ("ж.б.", "т.б.", "Ж.б.", "Т.б.") and _before_plural_noun(self.text, m.end()):
            spoken = spoken.removesuffix("лар")  # т.б. өлкөлөр → тагы башка өлкөлөр
        if written == "с." and (prev[-1:].isdigit() or prev.rstrip(".") in _SCALE_WORDS):
            spoken = "сом"  # 31,7 млрд с. → … миллиард сом
            if self._ends_sentence(m.end(), written):
                spoken += "."
            return spoken, "graphic:money"
        if written == "с.":
            return written, "pass"
        if written == "долл." and prev == "АКШ":
            spoken = "доллары"  # 4,5 млрд АКШ долл. → … акаша доллары
        if (
            kind == "end"
            and written.endswith(".")
            and _SENT_END.match(self.text, m.end())
            and not no_split_after(
                written,
                self.text[m.end() : m.end() + 40].lstrip(),
                self.text[max(0, m.start() - 24) : m.start()],
            )
        ):
            spoken += "."
        return spoken, "graphic"

    def _cunit(self, m: re.Match[str]) -> tuple[str, str]:
        spoken = unit_parts(m["cu"])[0]
        if m["cusuf"]:
            spoken = attach(spoken, m["cusuf"])
        return spoken, "unit:joined"

    def _per(self, m: re.Match[str]) -> tuple[str, str]:
        """сом/даана → сом даанасына: the word after the slash takes the possessive dative."""
        word = m["perw"]
        if word in mapping("units"):
            word = unit_parts(word)[0]  # сом/кг → сом килограммына
        return " " + attach(attach(word, "сы"), "на", possessive=True), "per"

    def _slash(self, m: re.Match[str]) -> tuple[str, str]:
        return " ", "slash"

    def _sym(self, m: re.Match[str]) -> tuple[str, str]:
        sym = m["symch"][0]  # °C with no number before it is read as °: түн, °C → түн, градус
        if m["htw"]:  # #аба_ырайы → аба ырайы, #NomadGames → Номад Геймс
            return self._pad(m, rewrite(web.hashtag_words(m["htw"]), self.lexicon)), "hashtag"
        word = _currency(self.text, m.start(), sym) if sym in "$€₽₸£¥₺" else read_symbol(sym)
        if not word:
            return "", "symbol:drop"
        return self._pad(m, word), "symbol"


_BRANCHES = (
    "lex",
    "email",
    "url",
    "tld",
    "handle",
    "phone",
    "date",
    "trange",
    "hms",
    "lap",
    "time",
    "dtime",
    "temp",
    "latinkey",
    "alnum",
    "vfrac",
    "num",
    "roman",
    "latin",
    "cunit",
    "acro",
    "graphic",
    "per",
    "slash",
    "sym",
)


# a Latin name (iOS, Android, Python) or a v just before a dotted number: a version
_VERSION_BEFORE = re.compile(r"(?:\b[A-Za-z][A-Za-z0-9+]*[ \u00a0]|(?<![A-Za-z])[vV])$")
_JAPAN = re.compile(r"Япон|Токио|иена|йена")


def _currency(text: str, pos: int, symbol: str) -> str:
    """The currency a symbol names; ¥ is the yen in a sentence about Japan, else the yuan."""
    if symbol == "¥":
        start = max(text.rfind(end, 0, pos) for end in (". ", "! ", "? ", "\n"))
        stop = min(
            (i for i in (text.find(". ", pos), text.find("\n", pos)) if i >= 0), default=len(text)
        )
        if _JAPAN.search(text, max(0, start, pos - 160), stop):
            return "иена"
    return currency_word(symbol)


def _fallback(written: str) -> str:
    """Last resort for a token a rule failed on: digits and Latin read one by one."""
    out: list[str] = []
    for ch in written:
        if ch.isdigit():
            try:
                out.append(" " + cardinal_str(str(int(ch))) + " ")
            except ValueError:
                out.append(" ")
        elif ch.isascii() and ch.isalpha() or "\u00c0" <= ch <= "\u024f":
            out.append(latin.transliterate(ch))
        elif ch in "%№$€§@&":
            out.append(" " + (read_symbol(ch) or currency_word(ch)) + " ")
        else:
            out.append(ch)
    return re.sub(" {2,}", " ", "".join(out)).strip()


_COORD = re.compile(
    rf"(?:{SP}*,{SP}*\d+(?:[-–]\d+)?-?)*(?:{SP}*,{SP}*|{SP}+(?:жана|же){SP}+)\d+(?:[-–]\d+)?"
    rf"(?:-(?P<w>[{LO}]+(?:-[{LO}]+)*)(?![{LO}{UP}\-])|{SP}?жж?\.(?![{LO}]))"
)


def _coordinated_ordinal(text: str, end: int) -> bool:
    """True when a bare number is coordinated with a later ordinal (2014, 2016 жана 2018-жылы).

    The numbers must rise (Навои көчөсү, 17, 2-кабат is not a list).
    """
    found = _COORD.match(text, end)
    if found is None:
        return False
    start = end
    while start > 0 and (text[start - 1].isdigit() or text[start - 1] in SP_CHARS):
        start -= 1
    written = re.findall(rf"\d+(?:{SP}\d{{3}})*", text[start : found.end()])
    values = [int(re.sub(r"\D", "", v)) for v in written]
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        return False
    word = found["w"]
    if word is None:
        return True  # 2018, 2021 жж.
    if _ANNIVERSARY.match(word):
        return False
    ord_match = _ORD_HW.match(word)
    if ord_match and ord_match.end() == len(word):
        return True
    return not (len(word) <= 4 and SUF_RE.fullmatch(word))


def _genitive(spoken: str) -> str:
    """A place word in the genitive: шаары → шаарынын, айыл өкмөтү → айыл өкмөтүнүн, район →
    районунун."""
    if spoken[-1] not in "аеиоөуүы":
        spoken = attach(spoken, "ы")
    return attach(spoken, "нын", possessive=True)


def _before_plural_noun(text: str, end: int) -> bool:
    """True when a plural noun follows within three words, no verb or postposition first."""
    found = _NEXT_WORDS.match(text, end)
    if found is None:
        return False
    for word in found.group(0).split():
        if _PLURAL.match(word):
            return True
        if word in _NOT_NOUN or _VERB.search(word):
            return False
    return False


def _paragraph(suffix: str) -> str:
    """параграф with the suffix written after §: ында → параграфында, на → параграфына."""
    if not suffix:
        return "параграф"
    if suffix[0] in "аеиоөуүы":
        return "параграф" + suffix
    if suffix[0] == "н":
        return "параграфы" + suffix
    return attach("параграф", suffix)


def _number_words(n: str, d: str | None, den: str | None) -> str:
    if d:
        return decimal(n, d[1:])
    if den:
        return fraction(n, den)
    return cardinal_str(n)


def _signed(sign: str | None, words: str) -> str:
    if not sign:
        return words
    return ("плюс " if sign == "+" else "минус ") + words


def _read_number(rw: _Rewriter, m: re.Match[str]) -> tuple[str, str]:
    text = rw.text
    if m["prime"]:
        return _read_minute(rw, m)
    if m["slashes"] or m["den2"]:
        return _read_numbers_joined(rw, m)
    n1, n2 = m["n1"], m["n2"]
    hw = m["hw"]
    rule = "cardinal"
    den = m["den"]
    # Ленин к., 221/2 / 45/2 дарегинде / 221/2-үйдө: a house number, not a fraction
    house = (
        bool(den)
        and not (n2 or m["d1"])
        and int(den) < int(re.sub(r"\D", "", n1))
        and bool(
            _ADDRESS.search(text, max(0, m.start() - 30), m.start())
            or _ADDRESS_AFTER.match(text, m.end())
            or (hw and _ADDRESS_AFTER.match(hw.lower()))
        )
    )
    if den and not n2 and not house and (hw or (len(n1) == 4 and len(den) == 4)):
        n2, den = den, None  # 2024/2025-окуу жылы: a year range written with a slash
    elif den and not (n2 or m["d1"]) and (m["no"] or house or int(den) == 0):
        # Ленин к., 221/2 → эки жүз жыйырма бир бөлчөк эки; №12/3 → он эки бөлчөк үч: a
        # document's number
        spoken = f"{cardinal_str(n1)} бөлчөк {cardinal_str(den)}"
        if m["suf"]:
            spoken = attach(spoken, m["suf"])
        elif hw:
            low = hw.lower()
            short_suffix = len(low) <= 4 and SUF_RE.fullmatch(low)
            spoken = attach(spoken, low) if short_suffix else f"{spoken} {low}"
        return rw._pad(m, spoken), "address"
    if (
        m["d1"]
        and m["d1"][0] == "."
        and not (n2 or den or hw or m["scale"] or m["pct"] or m["unit"] or m["sunit"])
        and _VERSION_BEFORE.search(text, max(0, m.start() - 24), m.start())
    ):
        # iOS 18.2, API v2.1: a version, read part by part (a Kyrgyz decimal has a comma)
        spoken = f"{cardinal_str(n1)} чекит {cardinal_str(m['d1'][1:])}"
        if m["suf"]:
            spoken = attach(spoken, m["suf"])
        return rw._pad(m, spoken), "version"
    w1 = _number_words(n1, m["d1"], den)
    w2 = _number_words(n2, m["d2"], None) if n2 else None
    ordinal = bool(m["no"])
    rest_word = ""
    suffix = ""
    if hw:
        low = hw.lower()
        ord_match = _ORD_HW.match(low)
        if ord_match and (ord_match.end() == len(low) or SUF_RE.fullmatch(low[ord_match.end() :])):
            ordinal = True
            suffix = low[ord_match.end() :]
        elif _HW_POSS.match(low) and SUF_RE.fullmatch(low):
            ordinal = True
            suffix = low
            rule = "ordinal:possessive"
        elif _ANNIVERSARY.match(low):
            rest_word = hw
            rule = "cardinal:anniversary"
        elif len(low) <= 4 and SUF_RE.fullmatch(low) and not hw[0].isupper():
            suffix = low
            rule = "cardinal:suffix"
        else:
            ordinal = True
            rest_word = hw
            if len(hw) > 1 and hw in _HW_UNITS:
                rest_word = unit_parts(hw)[0]  # 272-км аралыгында → ... экинчи километр
            elif low.startswith("м-н") and SUF_RE.fullmatch(low[3:]) and low != "м-н":
                rest_word = attach("микрорайон", low[3:])  # 12-м-нда → он экинчи микрорайондо
            elif (numbered := table("numbered").get(low)) and (
                m["hwdot"] or numbered[1:] != ["dot"]  # 5-б. is бөлүк, 5-б класс a letter
            ):
                # 7-мкр. / 7-м-н → жетинчи микрорайон, 205-каб. → эки жүз бешинчи кабинет
                rest_word = numbered[0]
                if rest_word == "микрорайон" and dates.possessed_follows(
                    text[m.end() : m.end() + 40]
                ):
                    rest_word = attach(rest_word, "нын")  # 5-мкр. аймагы → микрорайондун
                if m["hwdot"] and _SENT_END.match(text, m.end()):
                    rest_word += "."
    if m["yr"]:
        ordinal = True
        # the case the next word needs: 2030-ж. чейин → жылга чейин
        after = text[m.end() : m.end() + 40]
        rest_word = dates.context_word("жылдар" if m["yr"] == "жж" else "жыл", after)
        rule = "ordinal:year"
        if rw._ends_sentence(m.end(), m.group(0).split()[-1]):
            rest_word += "."  # 2024-ж. Париж Олимпиадасында: a name goes on
    if m["para"]:
        # 12-§ында → он экинчи параграфында: the suffix after § goes on параграф
        ordinal = True
        rest_word = _paragraph(m["parasuf"] or "")
        rule = "ordinal:paragraph"
    if m["dangle"] or (
        not ordinal
        and not (hw or den or m["d1"] or m["d2"] or m["suf"] or m["scale"] or m["pct"])
        and not (m["unit"] or m["sunit"] or m["cur1"] or m["cur2"] or m["no"] or m["sign"])
        and _coordinated_ordinal(text, m.end())
    ):
        # 1-, 2- жана 3-класстар / 2014, 2016 жана 2018-жылдары: the last one's ending
        ordinal = True
        if rule == "cardinal":
            rule = "ordinal:coordinated"
    if ordinal and not (m["d1"] or den):
        w1 = make_ordinal(w1)
        if w2 is not None and not m["d2"]:
            w2 = make_ordinal(w2)
        if rule == "cardinal":
            rule = "ordinal"
    # hotline: a short number before "номерине", "телефону"
    if (
        not ordinal
        and not hw
        and not n2
        and not m["sign"]
        and not den
        and not any(m[g] for g in ("d1", "scale", "pct", "cur1", "cur2", "unit", "sunit"))
        and n1.isdigit()
        and 3 <= len(n1) <= 4
        and phones.HOTLINE_NEXT.match(text, m.end())
    ):
        spoken = phones.read_hotline(n1)
        if m["suf"]:
            spoken = attach(spoken, m["suf"])
        return rw._pad(m, spoken), "phone:hotline"
    coll = m["suf"] or ""
    if coll[:2] in ("оо", "өө") and n1 in _COLLECTIVE and not (n2 or hw or m["d1"] or den):
        spoken = _COLLECTIVE[n1]
        if coll[2:]:
            spoken = attach(spoken, coll[2:])
        return rw._pad(m, _signed(m["sign"], spoken)), "collective"
    words = _signed(m["sign"], w1)
    if w2 is not None:
        words += "-" + _signed(m["sign2"], w2)
        if rule == "cardinal":
            rule = "range"
    parts = [words]
    if m["scale"]:
        parts.append(scale_word(m["scale"]))
        rule = "number:scale"
    unit = m["unit"] or m["sunit"]
    currency = m["cur1"] or m["cur2"]
    fixed = False
    if m["sup"]:
        parts.append(_SUPERSCRIPT[m["sup"]])  # 5² → беш квадрат
        rule = "power"
    if m["by"]:
        parts = [attach(parts[0], "га"), cardinal_str(m["byn"])]  # 3x3 → үчкө үч
        rule = "dimensions"
    if m["pct"]:
        parts.append("пайыз" if m["pct"] == "%" else "промилле")
        rule = "percent"
    elif unit:
        spoken_unit, before = unit_parts(unit)
        if before and (suffix or m["usuf"] or m["ssuf"] or m["suf"] or _WITH.match(text, m.end())):
            # 40-60 км/саатка → саатына кырк-алтымыш километрге; 130 км/саат менен → саатына
            # жүз отуз километр менен
            parts.insert(0, before)
            spoken_unit = spoken_unit.rsplit(" ", 1)[0]
        parts.append(spoken_unit)
        fixed = spoken_unit in FIXED
        rule = "unit"
    if currency:
        parts.append(_currency(text, m.start(), currency))
        rule = "money"
    spoken = " ".join(p for p in parts if p)
    written_suffix = suffix or m["usuf"] or m["ssuf"] or m["psuf"] or m["suf"] or ""
    if written_suffix:
        if fixed:
            if not written_suffix.startswith(("г", "к")):
                spoken = attach(spoken, written_suffix)
        else:
            spoken = attach(spoken, written_suffix)
    if rest_word:
        spoken += " " + rest_word
    if unit and unit.endswith(".") and _SENT_END.match(text, m.end()):
        spoken += "."  # 8,9 млрд долл. Экспорт… : the abbreviation's dot ends the sentence
    if m["join"]:
        spoken = "-" + spoken
    elif rw._before_is_letter(m):
        spoken = " " + spoken
    if rw._after_is_letter(m):
        spoken += " "
    return spoken, rule


def _read_minute(rw: _Rewriter, m: re.Match[str]) -> tuple[str, str]:
    """A match minute: 12' → он экинчи мүнөт, 45+2' → кырк беш плюс экинчи мүнөт; an arc
    minute after degrees is a count (42°52' → … градус элүү эки мүнөт)."""
    n1, text = m["n1"], rw.text
    if m["d1"] or m["den"] or m["n2"] or m["sign"] or m["no"] or m["cur1"]:
        return _fallback(m.group(0)), "minute:odd"
    if text[m.start() - 1 : m.start()] == "°" and not m["mn2"]:
        return f" {cardinal_str(n1)} мүнөт", "minute:arc"
    unit = "" if _MINUTE_WORD.match(text, m.end()) else " мүнөт"  # 90' мүнөттө
    if m["mn2"]:
        return f"{cardinal_str(n1)} плюс {ordinal(int(m['mn2']))}{unit}", "minute"
    return f"{ordinal(int(n1))}{unit}", "minute"


def _read_numbers_joined(rw: _Rewriter, m: re.Match[str]) -> tuple[str, str]:
    """Numbers joined by slashes that are no fraction: 69/0/3 → алтымыш тогуз, нөл, үч;
    12/05/2025 is a date; a document's number №6-24789/26 → алты-жыйырма төрт миң жети жүз
    сексен тогуз бөлчөк жыйырма алты."""
    if m["den2"]:
        first = cardinal_str(m["n1"]) + (f" бөлчөк {cardinal_str(m['den'])}" if m["den"] else "")
        spoken = f"{first}-{cardinal_str(m['n2'])} бөлчөк {cardinal_str(m['den2'])}"
        return rw._pad(m, spoken), "document-number"
    numbers = [m["n1"], m["den"], *m["slashes"].split("/")[1:]]
    if len(numbers) == 3 and len(numbers[2]) == 4:
        date = dates.read_numeric_date(*numbers)
        if date:
            return date, "date"  # 12/05/2025 → эки миң жыйырма бешинчи жылдын он экинчи майы
    return ", ".join(cardinal_str(n) for n in numbers), "numbers"


def rewrite(
    text: str, lexicon: Lexicon | None = None, traces: list[TokenTrace] | None = None
) -> str:
    """Rewrite one text (any number of lines) in a single scanner pass."""
    pattern = _scanner(lexicon)
    return pattern.sub(_Rewriter(text, lexicon, traces), text)
