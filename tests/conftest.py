"""Fixtures: every installed encoding, and tiktoken as its offline reference."""

from __future__ import annotations

import functools
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import llm_cost_core as lc

REPO = Path(__file__).resolve().parent.parent

# Tests (and the commands they run) keep their vocab cache out of the user's ~/.cache.
# "Today" for the prices' age check (llm_cost_core.prices.price_files.today): tests never depend
# on the clock. 2025-09-01 is 25 days after the built-in table's date, so nothing warns unless a
# test sets a later day.
TODAY = "2025-09-01"
os.environ.setdefault("LLM_COST_TODAY", TODAY)
if "LLM_COST_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["LLM_COST_CACHE_DIR"] = tempfile.mkdtemp(prefix="llm-cost-test-cache-")

# Tests press Ctrl-C on themselves and on the commands they start. Run as a background job (a
# script's `cmd &`), a shell hands a process SIGINT ignored, which Python keeps and every child
# inherits: give it Python's own handler, as a terminal gives its foreground job.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# HYPOTHESIS_PROFILE=fuzz (tox -e fuzz) runs many more examples; FUZZ_EXAMPLES sets how many.
settings.register_profile(
    "default", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20000")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that takes `encoding_name` once per installed encoding (none: skipped)."""
    if "encoding_name" in metafunc.fixturenames:
        metafunc.parametrize("encoding_name", lc.list_encodings())


@pytest.fixture(autouse=True, scope="session")
def default_encoding_for_bare_commands():
    """Commands run without -e use o200k, or the only encoding installed. Where neither is
    there (llm-cost-r50k alone registers four), LLM_COST_ENCODING names the first installed one,
    so that the tests of everything else still run; test_cli_model_resolution clears it."""
    installed = lc.list_encodings()
    if "o200k" not in installed and len(installed) > 1:
        os.environ.setdefault("LLM_COST_ENCODING", installed[0])
    yield


@pytest.fixture
def encoding(encoding_name: str):
    return lc.get_encoding(encoding_name)


@functools.cache
def cached_reference(name: str):
    """tiktoken's Encoding for an installed encoding, or None when its spec names none."""
    if not os.environ.get("LLM_COST_REQUIRE_TIKTOKEN"):
        pytest.importorskip("tiktoken", reason="tiktoken is not installed")
    from llm_cost_core.verify.reference import tiktoken_encoding

    return tiktoken_encoding(lc.get_encoding(name))


@pytest.fixture
def reference(encoding_name: str):
    """tiktoken's Encoding for the same name, run offline; skips when the spec names none."""
    ref = cached_reference(encoding_name)
    if ref is None:
        pytest.skip(f"{encoding_name} names no tiktoken reference")
    return ref
