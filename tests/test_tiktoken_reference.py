"""A tiktoken-style encoding that tiktoken does not ship names its own live reference
(`EncodingSpec.reference=lc.TiktokenReference(...)`), and `llm-cost parity` then runs the live
and generated stages for it too, not only its static corpus."""

from __future__ import annotations

import json

import pytest
from fakedist import env_with, installed_scaffold, run_llm_cost

import llm_cost_core as lc

pytest.importorskip("tiktoken")
pytest.importorskip("hypothesis")

REFERENCE = """reference=lc.TiktokenReference(
        name="demo-upstream",
        pattern={pattern},
        load_ranks=lc.TiktokenFile(files(__name__) / "vocab.tiktoken", VOCAB_SHA256),
    ),"""


def scaffold_with_reference(tmp_path, pattern: str) -> dict[str, str]:
    root, _ = installed_scaffold(tmp_path)
    init = root / "llm_cost_demo_tok" / "__init__.py"
    source = init.read_text(encoding="utf-8")
    assert "reference=None," in source
    init.write_text(source.replace("reference=None,", REFERENCE.format(pattern=pattern)))
    return env_with(root)


def parity(env: dict[str, str]) -> tuple[int, dict]:
    done = run_llm_cost("parity", "-e", "demo-tok", "--examples", "40", "--json", env=env)
    assert done.stdout, done.stderr
    (report,) = json.loads(done.stdout)["encodings"]
    return done.returncode, report


def test_the_live_and_generated_stages_run_against_it(tmp_path):
    code, report = parity(scaffold_with_reference(tmp_path, "PATTERN"))
    assert code == 0, report
    assert report["reference"] == "demo-upstream (tiktoken engine)"
    assert report["checks"]["corpus"] == report["checks"]["tiktoken"] > 40
    assert report["checks"]["generated"] == 40
    assert report["mismatch_count"] == 0


def test_a_reference_that_splits_otherwise_fails_parity(tmp_path):
    """The reference is really used: upstream's pattern cuts differently, so the ids differ."""
    code, report = parity(scaffold_with_reference(tmp_path, r'r"\S+|\s+"'))
    assert code == 1
    assert report["mismatch_counts"]["tiktoken"] > 0
    assert "corpus" not in report["mismatch_counts"]  # its own corpus still agrees


def test_spec_refuses_extends_reference_without_a_tiktoken_name():
    upstream = lc.TiktokenReference(name="up", pattern=r"\S+", load_ranks=dict)
    with pytest.raises(ValueError, match="extends_reference needs a reference by tiktoken name"):
        lc.EncodingSpec(
            name="toy",
            pattern=r"\S+",
            special_tokens={},
            n_vocab=256,
            load_ranks=dict,
            vocab_sha256="0" * 64,
            reference=upstream,
            extends_reference=True,
        )
