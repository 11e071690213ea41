"""docs/reference/hooks.md documents every hook with its exact signature, and nothing else.

A hook section is a level-2 heading that is a snake_case name (`## make_bpe`); type sections use
CamelCase names under `## Types`. Each hook section must hold, in a fenced code block, the line
`def <name><signature>` as `inspect.signature` renders it (annotations are the source strings,
thanks to `from __future__ import annotations` in hookspecs.py), and must say "firstresult" exactly
when the hook is firstresult.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pluggy
import pytest

from llm_cost_core.host import hookspecs

HOOKS_MD = Path(__file__).parent.parent / "docs" / "reference" / "hooks.md"
HOOK_HEADING = re.compile(r"^## ([a-z_][a-z0-9_]*)\s*$")


def hook_specs() -> dict[str, Any]:
    """Each hook spec in hookspecs.py, by name (pluggy's HookSpec: `.function`, `.opts`)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return {
        name: caller.spec
        for name, caller in vars(pm.hook).items()
        if getattr(caller, "spec", None) is not None
    }


SPECS = hook_specs()


class _Annotation(str):
    """A string annotation that prints as written, not quoted."""

    def __repr__(self) -> str:
        return str(self)


def rendered(name: str, function: Callable[..., object]) -> str:
    """`def name(params) -> return`, as the docs must show it."""
    signature = inspect.signature(function)

    def unquote(annotation: object) -> object:
        return _Annotation(annotation) if isinstance(annotation, str) else annotation

    signature = signature.replace(
        parameters=[
            param.replace(annotation=unquote(param.annotation))
            for param in signature.parameters.values()
        ],
        return_annotation=unquote(signature.return_annotation),
    )
    return f"def {name}{signature}"


def sections(text: str) -> dict[str, list[str]]:
    """The lines under each hook heading, up to the next level-1 or level-2 heading."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and (line.startswith("# ") or line.startswith("## ")):
            match = HOOK_HEADING.match(line)
            if match:
                assert match.group(1) not in found, f"two sections for {match.group(1)}"
                current = found[match.group(1)] = []
            else:
                current = None
            continue
        if current is not None:
            current.append(line)
    return found


def code_lines(lines: list[str]) -> list[str]:
    """The lines inside fenced code blocks."""
    out, in_code = [], False
    for line in lines:
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            out.append(line)
    return out


@pytest.fixture(scope="module")
def doc() -> str:
    return HOOKS_MD.read_text(encoding="utf-8")


def test_there_are_hooks_to_check() -> None:
    assert {"register_encodings", "make_scanner", "make_bpe"} <= set(SPECS)
    marked = {
        name
        for name, value in vars(hookspecs).items()
        if inspect.isfunction(value) and hasattr(value, f"{hookspecs.PROJECT}_spec")
    }
    assert marked == set(SPECS)


def _sample(path: Path, *, strict: bool = False) -> Path | None:
    """Never called; its annotations are strings, as the hook specs' are."""


def test_rendering_shows_annotations_as_written() -> None:
    assert (
        rendered("sample", _sample)
        == "def sample(path: Path, *, strict: bool = False) -> Path | None"
    )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_documented_with_its_exact_signature(doc: str, name: str) -> None:
    found = sections(doc)
    assert name in found, f"hooks.md has no '## {name}' heading"
    expected = rendered(name, SPECS[name].function)
    assert expected in code_lines(found[name]), (
        f"hooks.md, section '## {name}', needs a code block line:\n{expected}"
    )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_call_rule_says_firstresult_exactly_when_it_is(doc: str, name: str) -> None:
    prose = "\n".join(sections(doc).get(name, []))
    assert ("firstresult" in prose) == bool(SPECS[name].opts.get("firstresult")), name


def test_every_documented_hook_exists(doc: str) -> None:
    found = sections(doc)
    assert set(found) - set(SPECS) == set(), "hooks.md documents hooks that do not exist"
    defined = {
        match.group(1)
        for line in code_lines(doc.splitlines())
        if (match := re.match(r"def ([A-Za-z_]\w*)\(", line))  # unindented: not a method
    }
    assert defined - set(SPECS) == set(), "hooks.md shows signatures of hooks that do not exist"
