"""docs/reference/<encoding>_pre_tokenizer.md cannot drift from the scanners.

Each page shows the spec's pattern, then one `## Branch N: ...` section per top-level branch, in
order, whose first code block is that branch. Examples are lines `input → pieces` (Python string
literals) in ```text blocks, optionally prefixed `other_encoding: `. Every example must be what
the installed scanner does, and each branch section must hold an example with a piece that
branch produced.
"""

from __future__ import annotations

import ast
import re

import pytest
from conftest import REPO

import llm_cost_core as lc
from llm_cost_core.testing import branches, branches_used

PAGES = {
    "o200k": REPO / "docs" / "reference" / "o200k_pre_tokenizer.md",
    "cl100k": REPO / "docs" / "reference" / "cl100k_pre_tokenizer.md",
    "r50k": REPO / "docs" / "reference" / "r50k_pre_tokenizer.md",
}
EXAMPLE = re.compile(r"^(?:(?P<encoding>[a-z0-9_]+): )?(?P<text>.+?) → (?P<pieces>\[.*\])$")
BRANCH_HEADING = re.compile(r"^## Branch (\d+): \S")


def sections(page: str) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(heading, [(fence info, lines) per code block]) for the top and each `## ` section."""
    out: list[tuple[str, list[tuple[str, list[str]]]]] = [("", [])]
    block: list[str] | None = None
    for line in page.splitlines():
        if block is not None:
            if line.startswith("```"):
                block = None
            else:
                block.append(line)
        elif line.startswith("```"):
            block = []
            out[-1][1].append((line[3:].strip(), block))
        elif line.startswith("## "):
            out.append((line, []))
    return out


def examples(blocks: list[tuple[str, list[str]]], default: str) -> list[tuple[str, str, list[str]]]:
    """(encoding, text, pieces) of every example line; any other line in a text block fails."""
    found = []
    for info, lines in blocks:
        if info != "text":
            continue
        for line in lines:
            match = EXAMPLE.match(line)
            assert match, f"not an example: {line!r}"
            text = ast.literal_eval(match["text"])
            pieces = ast.literal_eval(match["pieces"])
            assert isinstance(text, str) and all(isinstance(p, str) for p in pieces), line
            found.append((match["encoding"] or default, text, pieces))
    return found


@pytest.fixture(params=sorted(PAGES))
def page(request):
    name = request.param
    if name not in lc.list_encodings():
        pytest.skip(f"{name} is not installed")
    return name, sections(PAGES[name].read_text(encoding="utf-8"))


def test_pattern_shown_is_the_specs(page):
    name, found = page
    (pattern_section,) = [blocks for heading, blocks in found if heading == "## The pattern"]
    assert pattern_section[0][1] == [lc.get_encoding(name).spec.pattern]


def test_one_section_per_branch_in_order_showing_the_branch(page):
    name, found = page
    alternatives = branches(lc.get_encoding(name).spec.pattern)
    numbered = [(heading, blocks) for heading, blocks in found if BRANCH_HEADING.match(heading)]
    assert [int(BRANCH_HEADING.match(h)[1]) for h, _ in numbered] == list(
        range(1, len(alternatives) + 1)
    )
    for (heading, blocks), branch in zip(numbered, alternatives, strict=True):
        assert blocks[0][1] == [branch], heading


def test_every_example_is_what_the_scanner_does(page):
    name, found = page
    installed = set(lc.list_encodings())
    checked, wrong = 0, []
    for _heading, blocks in found:
        for encoding, text, pieces in examples(blocks, name):
            if encoding not in installed:
                continue
            got = list(lc.get_encoding(encoding).scanner(text))
            checked += 1
            if got != pieces or "".join(pieces) != text:
                wrong.append(f"{encoding}: {text!r} → {got!r}, the page says {pieces!r}")
    assert not wrong, "\n".join(wrong)
    assert checked >= 60


def test_each_branch_section_has_an_example_of_its_branch(page):
    name, found = page
    alternatives = branches(lc.get_encoding(name).spec.pattern)
    for heading, blocks in found:
        match = BRANCH_HEADING.match(heading)
        if not match:
            continue
        produced = set()
        for encoding, text, pieces in examples(blocks, name):
            if encoding == name:
                produced |= branches_used(alternatives, text, pieces)
        assert int(match[1]) in produced, f"{heading}: no example shows this branch at work"
