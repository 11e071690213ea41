"""Unicode classes pinned to tiktoken's tables, where the `regex` module's newer ones differ."""

from __future__ import annotations

import pytest

from llm_cost_core.engine import scanner, unicode_tables


def differing_code_points() -> list[int]:
    points: set[int] = set()
    for extra, missing in unicode_tables.REGEX_DIFFS.values():
        for a, b in (*extra, *missing):
            points.update(range(a, b + 1))
    return sorted(points)


DIFFERING = differing_code_points()


def test_there_is_something_to_pin_and_none_of_it_is_ascii():
    assert len(DIFFERING) > 1000  # regex's Unicode is newer than tiktoken's
    assert min(DIFFERING) > 0x7F  # so the ASCII fast path needs no pinning


@pytest.mark.parametrize("context", ["/{}A", "{}a", "A{}", "x{}y", "'{}s", " {}\n", "1{}2", "{}{}"])
def test_every_differing_code_point_matches_tiktoken(encoding, reference, context):
    text = " ".join(context.format(chr(p), chr(p)) for p in DIFFERING)
    assert encoding.encode_ordinary(text) == reference.encode_ordinary(text)


def test_known_cases(encoding, reference):
    for text in ["\U0003d000/A", "\u0295a", "A\u0295", "\U0001e4d0abc", "a\U00016ea0b"]:
        assert encoding.encode_ordinary(text) == reference.encode_ordinary(text), repr(text)


def test_diffs_are_recomputed_for_another_regex_version(monkeypatch):
    stored = {name: unicode_tables.REGEX_DIFFS[name] for name in ("L", "Ll", "N", "Zs")}
    monkeypatch.setattr(unicode_tables, "REGEX_VERSION", "another version")
    scanner._diffs.cache_clear()
    try:
        assert {name: scanner._diffs(name) for name in stored} == stored
    finally:
        scanner._diffs.cache_clear()


def test_unknown_classes_and_patterns_without_classes_are_left_alone():
    assert scanner.compile_pinned(r"\p{Greek}+|\s").pattern == r"\p{Greek}+|\s"
    assert scanner.compile_pinned(r"[a-z]+").pattern == "[a-z]+"
    pinned = scanner.compile_pinned(r"[^\r\n\p{L}]+|\p{L}")
    assert pinned.findall("\U0003d000/A") == ["\U0003d000/", "A"]
    negated = scanner.compile_pinned(r"\P{L}+")
    assert negated.findall("a\U0003d000\u0295b/") == ["\U0003d000", "/"]
