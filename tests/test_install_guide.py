"""docs/guides/install.md and the README say how to install and test what the checkout has."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "guides" / "install.md"


def tox_environments() -> set[str]:
    """Every environment tox.ini defines: the envlist's (braces expanded) and each section's."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    names = {section.split(":", 1)[1] for section in tox.sections() if ":" in section}
    for item in re.findall(r"[\w.-]*\{[^}]*\}[\w.-]*|[\w.-]+", tox["tox"]["envlist"]):
        if match := re.fullmatch(r"(\w*)\{([^}]*)\}(\w*)", item):
            names |= {match[1] + part + match[3] for part in match[2].split(",")}
        else:
            names.add(item)
    return names


def test_the_guide_lists_every_tox_environment():
    table = GUIDE.read_text().split("| environment | what it runs |", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"`([\w.-]+)`", table))
    pythons = {name for name in tox_environments() if re.fullmatch(r"py3\d+", name)}
    if pythons:  # one row for all of them: `py310` ... `py313`
        assert {min(pythons), max(pythons)} <= listed
    assert tox_environments() - pythons <= listed, tox_environments() - pythons - listed


def test_readme_installs_a_plugin_with_core_from_the_checkout():
    """pip takes llm-cost-core from the checkout only when `.` is in the same call."""
    readme = (ROOT / "README.md").read_text()
    for command in re.findall(r"`(pip install [^`]*\./plugins/[^`]*)`", readme):
        assert " . " in f" {command} ", command
