"""The flat vocab: exact round trip, a chained hash that catches stale and corrupt files, and a
cache that lives only where the user says and is optional."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import textwrap

import pytest

import llm_cost_core as lc
from llm_cost_core.engine import flatvocab
from llm_cost_core.engine.flatvocab import FlatRanks, FlatVocabError, build
from llm_cost_core.engine.vocab import TiktokenFile, dump_tiktoken, parse_tiktoken

SAMPLE_RANKS = {bytes([b]): b for b in range(256)} | {b"ab": 256, b"abc": 257, b" the": 300}
SAMPLE = dump_tiktoken(SAMPLE_RANKS)
SAMPLE_SHA = hashlib.sha256(SAMPLE).hexdigest()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache directory; HOME and XDG point elsewhere so stray writes would show."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LLM_COST_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def sample_spec(tmp_path, data=SAMPLE, sha=SAMPLE_SHA):
    path = tmp_path / "sample.tiktoken.gz"
    path.write_bytes(gzip.compress(data))
    return lc.EncodingSpec(
        name="sample",
        pattern=r"\S+|\s+",
        special_tokens={"<|end|>": 301},
        n_vocab=302,
        load_ranks=TiktokenFile(path, sha),
        vocab_sha256=sha,
    )


def files_under(path):
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def test_flat_form_answers_like_the_dict():
    flat = FlatRanks(build(SAMPLE_RANKS, SAMPLE_SHA), SAMPLE_SHA)
    assert len(flat) == len(SAMPLE_RANKS)
    assert list(flat) == sorted(SAMPLE_RANKS, key=SAMPLE_RANKS.__getitem__)
    assert flat.to_dict() == SAMPLE_RANKS
    for token, rank in SAMPLE_RANKS.items():
        assert flat.get(token) == flat[token] == rank
    for missing in [b"", b"ba", b"abcd", b" th", b"\x00\x00"]:
        assert flat.get(missing) is None
        assert missing not in flat
        with pytest.raises(KeyError):
            flat[missing]


def test_installed_vocabs_round_trip_through_the_flat_form(encoding):
    source = encoding.spec.load_ranks
    if not isinstance(source, TiktokenFile):
        pytest.skip("not a .tiktoken vocab")
    ranks = parse_tiktoken(source.read_bytes())
    flat = FlatRanks(build(ranks, source.sha256), source.sha256)
    assert flat.to_dict() == ranks
    assert all(flat.get(token) == rank for token, rank in ranks.items())
    assert flat.get(b"\xff\xfe not a token \x00") is None


def test_ranks_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="share a rank"):
        build({b"a": 0, b"b": 0}, SAMPLE_SHA)
    with pytest.raises(ValueError, match="do not fit"):
        build({b"": 0}, SAMPLE_SHA)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d[:-1], "truncated"),
        (lambda d: d + b"\x00", "trailing"),
        (lambda d: d[:10], "truncated"),
        (lambda d: b"NOTFLAT!" + d[8:], "not a flat vocab"),
        (lambda d: d[:-5] + bytes([d[-5] ^ 1]) + d[-4:], "corrupt"),
        (lambda d: d[:100] + bytes([d[100] ^ 0x80]) + d[101:], "corrupt"),
    ],
)
def test_damaged_flat_forms_are_refused(damage, message):
    data = build(SAMPLE_RANKS, SAMPLE_SHA)
    with pytest.raises(FlatVocabError, match=message):
        FlatRanks(damage(data), SAMPLE_SHA)


def test_a_form_built_from_another_source_is_stale():
    data = build(SAMPLE_RANKS, "1" * 64)
    with pytest.raises(FlatVocabError, match="stale"):
        FlatRanks(data, SAMPLE_SHA)


def test_first_use_writes_the_cache_and_later_uses_read_only_it(tmp_path, cache, monkeypatch):
    spec = sample_spec(tmp_path)
    first = flatvocab.load_ranks(spec)
    assert dict(first) == SAMPLE_RANKS
    assert files_under(cache) == [f"vocab/{SAMPLE_SHA}.v1.flatvocab"]
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists()

    def refuse(*_):
        raise AssertionError("the source was read although the cache is valid")

    monkeypatch.setattr(TiktokenFile, "read_bytes", refuse)
    monkeypatch.setattr(TiktokenFile, "__call__", refuse)
    again = flatvocab.load_ranks(spec)
    assert isinstance(again, FlatRanks)
    assert again.to_dict() == SAMPLE_RANKS


@pytest.mark.parametrize("how", ["corrupt", "truncated", "stale", "empty"])
def test_a_bad_cache_file_is_rebuilt_from_the_source(tmp_path, cache, how):
    spec = sample_spec(tmp_path)
    path = flatvocab.cache_path(SAMPLE_SHA)
    path.parent.mkdir(parents=True)
    good = build(SAMPLE_RANKS, SAMPLE_SHA)
    bad = {
        "corrupt": good[:-1] + bytes([good[-1] ^ 1]),
        "truncated": good[: len(good) // 2],
        "stale": build({**SAMPLE_RANKS, b"ab": 299}, "2" * 64),
        "empty": b"",
    }[how]
    path.write_bytes(bad)
    assert dict(flatvocab.load_ranks(spec)) == SAMPLE_RANKS
    assert path.read_bytes() == good
    assert files_under(cache) == [f"vocab/{SAMPLE_SHA}.v1.flatvocab"]  # no temporary left


def test_a_bad_source_is_still_refused_when_rebuilding(tmp_path, cache):
    spec = sample_spec(tmp_path, data=SAMPLE.replace(b" 257", b" 258"))
    with pytest.raises(lc.VocabError, match="corrupt or not the pinned file"):
        flatvocab.load_ranks(spec)
    assert files_under(cache) == []


def test_no_writable_cache_falls_back_to_memory(tmp_path, monkeypatch):
    spec = sample_spec(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LLM_COST_CACHE_DIR", str(blocker / "cache"))
    assert dict(flatvocab.load_ranks(spec)) == SAMPLE_RANKS
    monkeypatch.setenv("LLM_COST_CACHE_DIR", "")  # empty: no cache at all
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert flatvocab.cache_dir() is None
    assert dict(flatvocab.load_ranks(spec)) == SAMPLE_RANKS
    assert files_under(tmp_path) == ["a-file", "sample.tiktoken.gz"]


def test_cache_directory_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LLM_COST_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert flatvocab.cache_dir() == tmp_path / "home" / ".cache" / "llm-cost"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: absolute only
    assert flatvocab.cache_dir() == tmp_path / "home" / ".cache" / "llm-cost"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert flatvocab.cache_dir() == tmp_path / "xdg" / "llm-cost"
    monkeypatch.setenv("LLM_COST_CACHE_DIR", str(tmp_path / "mine"))
    assert flatvocab.cache_dir() == tmp_path / "mine"


def test_other_loaders_are_called_as_they_are_and_not_cached(tmp_path, cache):
    calls = []

    def load():
        calls.append(1)
        return SAMPLE_RANKS

    spec = lc.EncodingSpec(
        name="plain",
        pattern=r"\S+",
        special_tokens={},
        n_vocab=301,
        load_ranks=load,
        vocab_sha256=SAMPLE_SHA,
    )
    assert flatvocab.load_ranks(spec) is SAMPLE_RANKS
    assert calls == [1]
    assert not cache.exists()


def test_encoding_counts_without_building_the_decoder(encoding):
    fresh = type(encoding)(encoding.spec, encoding._make_scanner, encoding._make_bpe)
    assert fresh.count("hello world") == len(fresh.encode("hello world")) == 2
    assert fresh._decoder is None
    assert fresh.decode(fresh.encode("hello world")) == "hello world"
    assert fresh._decoder is not None


def test_warm_cache_process_reads_neither_source_nor_builds_a_dict(tmp_path):
    """A fresh process with a warm cache: ids are right, the .tiktoken is never read and the
    rank dict is never built for a short input."""
    code = textwrap.dedent(
        """
        import llm_cost_core as lc
        from llm_cost_core.engine import flatvocab, vocab
        names = lc.list_encodings()
        for name in names:  # warm the cache
            lc.get_encoding(name).count("warm")
        """
    )
    env = {"LLM_COST_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    check = textwrap.dedent(
        """
        import llm_cost_core as lc
        from llm_cost_core.engine import flatvocab, vocab
        def refuse(*_):
            raise SystemExit("the source vocab was read")
        vocab.TiktokenFile.__call__ = refuse
        vocab.TiktokenFile.read_bytes = refuse
        flatvocab.FlatRanks.to_dict = refuse
        for name in lc.list_encodings():
            enc = lc.get_encoding(name)
            print(name, enc.encode("hello world"), enc.count("hello world"))
        """
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    for name in lc.list_encodings():
        enc = lc.get_encoding(name)
        assert f"{name} {enc.encode('hello world')} 2" in done.stdout


def test_help_opens_no_flat_vocab(tmp_path):
    code = textwrap.dedent(
        """
        from llm_cost_core.engine import flatvocab
        def refuse(*_):
            raise SystemExit("a vocab was loaded")
        flatvocab.load_ranks = refuse
        flatvocab.FlatRanks.__init__ = refuse
        from llm_cost_core.cli.app import main
        assert main(["--help"]) == 0
        assert main(["encodings"]) == 0
        print("ok")
        """
    )
    env = {"LLM_COST_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout
    assert not (tmp_path / "cache").exists()
