"""Ctrl-C while `llm-cost` starts (importing click, core's modules, the plugins) is one line on
stderr and exit 130, never a traceback.

Deterministic, not timed: a `sitecustomize` on the subprocess's PYTHONPATH sends the process a
real SIGINT at the moment it first imports the module the test names, as a Ctrl-C then would.
"""

from __future__ import annotations

import sys

import pytest
from fakedist import env_with, run_llm_cost, toy, write_plugin

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT via os.kill is POSIX")

SITECUSTOMIZE = """
import os
import signal
import sys

WHERE = os.environ.get("LLM_COST_TEST_INTERRUPT_AT")


class Interrupt:
    \"\"\"Sends this process SIGINT when WHERE is first imported, then steps aside.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name == WHERE:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None


if WHERE:
    sys.meta_path.insert(0, Interrupt())
"""


def interrupted_at(module: str, site) -> object:
    """`llm-cost -e start --text 'a b'` in a fresh process (the toy plugin's encoding: the
    shipped ones may not be installed), interrupted when it first imports `module`."""
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = env_with(site, LLM_COST_TEST_INTERRUPT_AT=module)
    return run_llm_cost("-e", "start", "--text", "a b", env=env)


@pytest.mark.parametrize(
    "module",
    [
        "llm_cost_core.cli.app",  # what the console script imported first
        "click",  # cli.py's first import
        "llm_cost_core.host.registry",
        "regex",  # through the encoding engine, while the registry is built
        "llm_cost_core.cli.commands.parity",  # core's own plugin adding its commands
        "start_plugin",  # a plugin's module, loaded from its entry point
    ],
)
def test_ctrl_c_while_starting_is_one_line_and_exit_130(tmp_path, module):
    site = write_plugin(tmp_path / "site", "llm-cost-start", "start_plugin", toy("start"))
    done = interrupted_at(module, site)
    assert (done.returncode, done.stdout, done.stderr) == (
        130,
        "",
        "llm-cost: error: interrupted\n",
    )


def test_the_hook_is_needed_for_an_interruption(tmp_path):
    """Without the signal the same command succeeds: the interruption above is the hook's."""
    site = write_plugin(tmp_path / "site", "llm-cost-start", "start_plugin", toy("start"))
    done = interrupted_at("no.such.module", site)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().isdigit()


def test_ctrl_c_while_importing_the_package_itself(tmp_path):
    """`import llm_cost_core` runs before any code of the console script: it imports nothing
    but its errors module, and pluggy (imported later, by the registry) is caught."""
    done = interrupted_at("pluggy", tmp_path)
    assert (done.returncode, done.stderr) == (130, "llm-cost: error: interrupted\n")
