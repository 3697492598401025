"""Replacing spans and moving positions with them (the arithmetic under anonymisation)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from qualframe.anonymise.spans import PositionMap, invert, replace_spans

TEXT = "I met Margaret Thornton at Hollinsbridge Council on Monday."


def test_replace_and_move_positions():
    a = TEXT.index("Margaret Thornton")
    b = TEXT.index("Hollinsbridge Council")
    new, records = replace_spans(TEXT, [(b, b + 21, "[Local Authority A]"), (a, a + 17, "[Person 1]")])
    assert new == "I met [Person 1] at [Local Authority A] on Monday."
    forward = PositionMap(records)
    monday = TEXT.index("Monday")
    assert new[forward.start(monday): forward.end(monday + 6)] == "Monday"
    assert forward.span(a + 3, a + 10) == (new.index("[Person 1]"), new.index("[Person 1]") + 10), "a span inside a name covers the label"
    assert forward.span(0, 5) == (0, 5)
    whole = forward.span(0, len(TEXT))
    assert whole == (0, len(new))
    back = PositionMap(invert(records))
    assert back.span(*forward.span(monday, monday + 6)) == (monday, monday + 6)
    label_start = new.index("[Local Authority A]")
    assert back.span(label_start, label_start + 19) == (b, b + 21)


words = st.lists(st.sampled_from(["alpha", "Beta", "gamma", "Delta", "x"]), min_size=1, max_size=30)


@given(words, st.data())
def test_round_trip_of_untouched_spans(tokens, data):
    text = " ".join(tokens)
    starts = [i for i, ch in enumerate(text) if ch.isupper()]
    spans = []
    for s in starts:
        e = text.find(" ", s)
        spans.append((s, e if e != -1 else len(text), "[L]"))
    new, records = replace_spans(text, spans)
    forward, back = PositionMap(records), PositionMap(invert(records))
    lower = [(i, text.find(" ", i) if text.find(" ", i) != -1 else len(text)) for i, ch in enumerate(text)
             if ch.islower() and (i == 0 or text[i - 1] == " ")]
    for s, e in lower:
        ns, ne = forward.span(s, e)
        assert new[ns:ne] == text[s:e]
        assert back.span(ns, ne) == (s, e)
