"""Property tests: for any text, every encoding agrees with tiktoken and with itself.

The example count comes from the hypothesis profile: small in the normal suite, large in
`tox -e fuzz` (HYPOTHESIS_PROFILE=fuzz, see conftest.py).
"""

from __future__ import annotations

import pytest
from conftest import cached_reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import llm_cost_core as lc
from llm_cost_core.cli.app import main
from llm_cost_core.models.resolve import default_encoding

# Every code point, lone surrogates included, weighted towards the characters that matter to
# the patterns: whitespace, apostrophes, digits, letters, marks and emoji pieces.
INTERESTING = " \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000'’0123٣a'sZé\u0301ह😀\u200d\ufe0f/<|>"
ANY_CHAR = st.characters(codec=None, exclude_categories=())
TEXT = st.text(st.one_of(ANY_CHAR, st.sampled_from(INTERESTING)), max_size=80)


def specials_text(encoding: lc.Encoding) -> st.SearchStrategy[str]:
    """Text with special-token strings (and broken ones) spliced in."""
    pieces = sorted(encoding.special_tokens_set)
    broken = [p[:-1] for p in pieces] + [p[1:] for p in pieces]
    return st.lists(st.one_of(TEXT, st.sampled_from(pieces + broken)), max_size=6).map("".join)


@given(text=TEXT)
def test_matches_tiktoken_and_itself(encoding_name, text):
    enc, ref = lc.get_encoding(encoding_name), cached_reference(encoding_name)
    ids = enc.encode_ordinary(text)
    if ref is not None:
        assert ids == ref.encode_ordinary(text)
    assert enc.count(text) == len(ids)
    assert enc.encode_ordinary(text) == ids  # deterministic, caches included


@given(text=st.text(st.characters(codec="utf-8"), max_size=80))
def test_decode_inverts_encode_for_valid_text(encoding_name, text):
    enc = lc.get_encoding(encoding_name)
    assert enc.decode(enc.encode_ordinary(text)) == text


@given(data=st.data())
def test_special_tokens_behave_as_tiktoken(encoding_name, data):
    enc, ref = lc.get_encoding(encoding_name), cached_reference(encoding_name)
    if ref is None:
        pytest.skip("no reference")
    text = data.draw(specials_text(enc))
    allowed = data.draw(st.sampled_from(["all", set(), set(sorted(enc.special_tokens_set)[:1])]))
    for kwargs in (
        {"allowed_special": allowed},
        {"allowed_special": allowed, "disallowed_special": ()},
    ):
        try:
            expected = ref.encode(text, **kwargs)
        except ValueError as exc:
            with pytest.raises(ValueError) as ours:
                enc.encode(text, **kwargs)
            assert str(ours.value) == str(exc)
        else:
            assert enc.encode(text, **kwargs) == expected


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # capsys is read each time
@given(data=st.binary(max_size=300))
def test_any_bytes_as_a_file_count_without_a_traceback(tmp_path_factory, capsys, data):
    if not lc.list_encodings():
        pytest.skip("no encoding installed")
    path = tmp_path_factory.mktemp("bytes") / "input.bin"
    path.write_bytes(data)
    code = main([str(path)])
    out, err = capsys.readouterr()
    assert code == 0
    text = data.decode("utf-8", "replace")
    assert out == f"{default_encoding().count(text)}\n"
    assert "Traceback" not in err
    assert ("invalid UTF-8" in err) == (text.encode() != data)
