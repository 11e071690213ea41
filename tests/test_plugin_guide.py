"""docs/guides/writing-a-plugin.md shows every hook with its exact signature, as hooks.md does,
and the files and commands it names exist."""

from __future__ import annotations

import re
from pathlib import Path

from test_docs import SPECS, code_lines, rendered

from llm_cost_core import testing
from llm_cost_core.cli.commands import COMMANDS

GUIDE = Path(__file__).parent.parent / "docs" / "guides" / "writing-a-plugin.md"
EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "llm-cost-cl100k-im"


def test_every_hook_signature_is_exact():
    lines = code_lines(GUIDE.read_text(encoding="utf-8").splitlines())
    for name, spec in SPECS.items():
        assert rendered(name, spec.function) in lines, (
            f"the guide needs: {rendered(name, spec.function)}"
        )


def test_the_one_line_setup_and_the_checks_it_names_exist():
    text = GUIDE.read_text(encoding="utf-8")
    assert 'pytest_plugins = ["llm_cost_core.testing"]' in text
    conftest = (EXAMPLE / "tests" / "conftest.py").read_text(encoding="utf-8")
    assert 'pytest_plugins = ["llm_cost_core.testing"]' in conftest
    for check in re.findall(r"`llm-cost-parity::([a-z-]+)\[mytok\]`", text):
        assert hasattr(testing.Checks, "check_" + check.replace("-", "_")), check
    assert {"plugins", "new_plugin"} <= set(COMMANDS)
