"""explain(): per token, what was written, what it became and which rule fired."""

from __future__ import annotations

from bulletin.text import TokenTrace, explain, normalize


def test_explain_lists_rules() -> None:
    traces = explain("2022-жылы ЕАЭБдин 30%ы $500дөн жана башка")
    assert all(isinstance(t, TokenTrace) for t in traces)
    by_written = {t.written: t for t in traces}
    assert by_written["2022-жылы"].rule == "ordinal"
    assert by_written["2022-жылы"].spoken == "Эки миң жыйырма экинчи жылы"
    assert by_written["ЕАЭБдин"].spoken == "Евразиялык экономикалык биримдиктин"
    assert by_written["ЕАЭБдин"].rule.startswith("acronym")
    assert by_written["30%ы"].rule == "percent"
    assert by_written["$500дөн"].spoken == "беш жүз доллардан"
    assert by_written["жана"].rule == "pass"


def test_explain_covers_every_word() -> None:
    text = "Маалымат 112 жана +996 312 54 79 03 телефондору аркылуу берилет."
    traces = explain(text)
    assert " ".join(t.written for t in traces).split() == text.split()
    assert " ".join(t.spoken for t in traces).split() == normalize(text).split()


def test_explain_empty() -> None:
    assert explain("") == []
