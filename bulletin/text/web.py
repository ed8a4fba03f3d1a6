"""Web addresses, e-mail addresses and @handles.

``read_url("www.stat.gov.kg")`` → ``"стат чекит гов чекит кей жи"``;
``read_email("info@gov.kg")`` → ``"инфо эт гов чекит кей жи"``.
"""

from __future__ import annotations

import re

from bulletin.text.data import mapping
from bulletin.text.latin import read_latin
from bulletin.text.numbers import cardinal_str

TLDS = (
    "kg|ru|kz|uz|tj|tm|cn|tr|de|uk|us|eu|su|io|me|by|ua|az|am|ge|fr|jp|kr|ai|tv|com|org|net|gov"
    "|edu|info|int|online|news|app|dev|media|asia|biz|pro|site"
)
_PARTS = re.compile(r"[A-Za-z]+|\d+")


def _part(word: str) -> str:
    table = mapping("web")
    low = word.lower()
    if low in table:
        return table[low]
    if word.isdigit():
        return cardinal_str(word)
    if len(word) == 2:
        from bulletin.text.latin import spell

        return spell(word).replace("-", " ")  # a country domain: tj → ти джей
    spoken = read_latin(word)
    if word[0].isupper() and word[1:].islower():
        return spoken  # Kabar.kg → Кабар: a name part written with a capital keeps it
    return spoken.lower()  # kabar.kg → кабар: a host name is not a proper name


def _label(label: str) -> str:
    words = [_part(p) for p in _PARTS.findall(label)]
    return " ".join(w for w in words if w)


def read_host(host: str) -> str:
    """Dotted host name: each label read, dots said as чекит, www dropped."""
    labels = [lab for lab in host.split(".") if lab]
    if labels and labels[0].lower() == "www":
        labels = labels[1:]
    spoken = [_label(lab) for lab in labels]
    return " чекит ".join(s for s in spoken if s)


def read_url(url: str) -> str:
    """A web address: scheme and www are not read; a path is read after слэш."""
    url = re.sub(r"^[A-Za-z]+://", "", url)
    host, _, path = url.partition("/")
    out = read_host(host)
    path_words = [_label(p) for p in re.split(r"[/._\-?=&#]+", path) if p]
    path_words = [p for p in path_words if p]
    if path_words:
        out += " слэш " + " ".join(path_words)
    return out


def read_tld(tld: str) -> str:
    """A domain on its own: ``read_tld(".gov.kg")`` → ``"гов чекит кей жи"`` (the first dot is not read)."""
    name = tld.lstrip(".")
    return mapping("web").get(name, name) if not name.isascii() else read_host(name)


def read_email(address: str) -> str:
    """An e-mail address: user эт host."""
    user, _, host = address.partition("@")
    user_words = [_label(p) for p in re.split(r"[._\-+]+", user) if p]
    return " ".join(w for w in user_words if w) + " эт " + read_host(host)


def read_handle(handle: str) -> str:
    """A social-media handle: @iimkg → эт ийимкг."""
    return ("эт " + _label(handle.lstrip("@"))).strip()


# a capital after a small letter (NomadGames), or a Kyrgyz word after Latin capitals (AIстартап)
_CAMEL = re.compile(r"(?<=[a-zа-яөүңё])(?=[A-ZА-ЯӨҮҢЁ])|(?<=[A-Z])(?=[а-яөүңё])")


def hashtag_words(tag: str) -> str:
    """A hashtag's words, to be read: ``hashtag_words("аба_ырайы")`` → ``"аба ырайы"``,
    ``hashtag_words("NomadGames")`` → ``"Nomad Games"``, ``hashtag_words("ITпарк")`` → ``"IT парк"``."""
    return _CAMEL.sub(" ", tag.replace("_", " ")).strip()
