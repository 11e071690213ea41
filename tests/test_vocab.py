"""Vocab files are checked byte for byte before use."""

from __future__ import annotations

import gzip
import hashlib

import pytest

import llm_cost_core as lc
from llm_cost_core.engine.vocab import TiktokenFile, dump_tiktoken, parse_tiktoken

SAMPLE = b"YQ== 0\nYg== 1\nYWI= 2\n"
SAMPLE_SHA = hashlib.sha256(SAMPLE).hexdigest()


def test_reads_plain_and_gzip(tmp_path):
    (tmp_path / "v.tiktoken").write_bytes(SAMPLE)
    (tmp_path / "v.tiktoken.gz").write_bytes(gzip.compress(SAMPLE))
    for name in ("v.tiktoken", "v.tiktoken.gz"):
        assert TiktokenFile(tmp_path / name, SAMPLE_SHA)() == {b"a": 0, b"b": 1, b"ab": 2}


def test_corrupt_file_is_refused_with_a_clear_error(tmp_path):
    path = tmp_path / "v.tiktoken"
    path.write_bytes(SAMPLE.replace(b"2", b"3"))
    with pytest.raises(lc.VocabError, match="corrupt or not the pinned file.*reinstall"):
        TiktokenFile(path, SAMPLE_SHA)()


def test_missing_and_truncated_files_are_vocab_errors(tmp_path):
    with pytest.raises(lc.VocabError, match="cannot read vocab"):
        TiktokenFile(tmp_path / "none.tiktoken", SAMPLE_SHA)()
    (tmp_path / "cut.tiktoken.gz").write_bytes(gzip.compress(SAMPLE)[:-6])
    with pytest.raises(lc.VocabError, match="cannot read vocab"):
        TiktokenFile(tmp_path / "cut.tiktoken.gz", SAMPLE_SHA)()


def test_malformed_lines_are_vocab_errors():
    with pytest.raises(lc.VocabError, match="not a valid .tiktoken file"):
        parse_tiktoken(b"YQ== zero\n")


def test_dump_reproduces_the_file():
    assert dump_tiktoken(parse_tiktoken(SAMPLE)) == SAMPLE


def test_installed_vocab_round_trips_to_the_pinned_bytes(encoding):
    source = encoding.spec.load_ranks
    if not isinstance(source, TiktokenFile):
        pytest.skip("not a .tiktoken vocab")
    data = source.read_bytes()
    assert hashlib.sha256(data).hexdigest() == encoding.spec.vocab_sha256
    ranks = parse_tiktoken(data)
    assert max([*ranks.values(), *encoding.special_tokens.values()]) + 1 == encoding.n_vocab
    assert dump_tiktoken(ranks) == data


def test_spec_refuses_a_hash_that_differs_from_its_loaders(tmp_path):
    with pytest.raises(ValueError, match="differs from the hash its loader checks"):
        lc.EncodingSpec(
            name="x",
            pattern=".",
            special_tokens={},
            n_vocab=1,
            load_ranks=TiktokenFile(tmp_path / "v.tiktoken", SAMPLE_SHA),
            vocab_sha256="f" * 64,
        )


def test_spec_special_tokens_cannot_be_changed(encoding):
    with pytest.raises(TypeError):
        encoding.spec.special_tokens["<|new|>"] = 1  # type: ignore[index]
    assert isinstance(lc.Encoding, type) and isinstance(encoding, lc.Encoding)


def test_appended_lines_derive_a_vocab_pinned_by_its_own_hash(tmp_path):
    """`TiktokenFile(..., appended=...)`: the file plus those lines, checked as one."""
    import base64

    base = b"".join(base64.b64encode(bytes([b])) + b" %d\n" % b for b in range(256))
    path = tmp_path / "bytes.tiktoken"
    path.write_bytes(base)
    extra = base64.b64encode(b"ab") + b" 256\n"
    derived = TiktokenFile(path, hashlib.sha256(base + extra).hexdigest(), appended=extra)
    assert derived.read_bytes() == base + extra
    assert derived()[b"ab"] == 256 and len(derived()) == 257
    wrong = TiktokenFile(path, hashlib.sha256(base + extra).hexdigest(), appended=extra + extra)
    with pytest.raises(lc.VocabError, match="with its appended tokens"):
        wrong()
