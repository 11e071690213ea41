"""Generated texts: a hypothesis strategy built from the characters where pre-tokenizers part
ways, a seeded run of it against a live reference, and a minimiser for what it finds.

The run is driven from here (a `@given` function called directly), so neither pytest nor a
hypothesis database is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from llm_cost_core.verify.results import (
    GENERATED_LIVE,
    EncodingReport,
    count_or_error,
    describe_mismatch,
    differs,
    ids_or_error,
    one_line,
)

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

# Characters where pre-tokenizers differ: every White_Space character and the ones only Python
# calls space, CR and LF, apostrophes, contraction letters, letters of each case class, marks,
# digits of several scripts, punctuation, slash, emoji parts. Encoding-agnostic on purpose.
EDGE_CHARACTERS = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\x1c\x1d\x1e\x1f\u200b\ufeff"
    "'’ʼsStTdDmMlLvVrReEaAzZ"
    "ǅʰªß日本éÉ\u0301\u0300\u0903\u20dd"
    "0123456789٣५๑²½Ⅻ"
    '.,!?/-_<|>()[]{}"#*+=@$%&^~`\\'
    "😀👍🏽\u200d\ufe0f\ufe0e\u20e3🇫🇷"
)

FRAGMENTS = (
    "'s", "'S", "'t", "'re", "'VE", "'m", "'ll", "'D", "’s", "\r\n", "\n\r", "  ", "\t\t",
    "<|endoftext|>", "<|endofprompt|>", "<|", "|>", "😀", "👨\u200d👩\u200d👧", "1️⃣", "🏳️\u200d🌈",
    "HTTPServer", "camelCase", "don't", "123", "1234", "٣٤٥", "...", "//", "\n/", "!\n", " \n",
)  # fmt: skip


def text_strategy(corpus_texts: Sequence[str] = ()) -> Any:
    """Text built from edge characters, any code point, known fragments and pieces of corpus texts.

    Avoids `st.characters()`, whose character table hypothesis caches on disk.
    """
    from hypothesis import strategies as st

    any_code_point = st.integers(0, 0x10FFFF).filter(lambda c: not 0xD800 <= c <= 0xDFFF).map(chr)
    parts = [
        st.sampled_from(EDGE_CHARACTERS),
        any_code_point,
        st.sampled_from(FRAGMENTS),
    ]
    short = sorted({text for text in corpus_texts if len(text) <= 24})
    if short:
        parts.append(st.sampled_from(short))
    return st.lists(st.one_of(*parts), max_size=24).map("".join)


def check_generated(
    encoding: Encoding,
    reference: Any,
    report: EncodingReport,
    examples: int,
    seed: int,
    corpus_texts: list[str],
) -> None:
    """`examples` generated texts against `reference` (anything with tiktoken's
    `encode_ordinary`), counted in `report`; the first mismatch is shrunk to a minimal text and
    recorded. Notes, and does nothing, when hypothesis is not installed."""
    try:
        import hypothesis
        from hypothesis import HealthCheck, Phase, Verbosity, given, settings
        from hypothesis.errors import HypothesisException
        from hypothesis.reporting import with_reporter
    except ImportError:
        report.notes.append("hypothesis is not installed: generated text skipped")
        return
    failing: list[str] = []
    ran = 0

    @hypothesis.seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(text=text_strategy(corpus_texts))
    def check(text: str) -> None:
        nonlocal ran
        if not failing:
            ran += 1
        if wrong(text):
            failing.append(text)
            raise AssertionError("mismatch")

    def wrong(text: str) -> bool:
        return differs(
            reference.encode_ordinary(text),
            ids_or_error(encoding, text),
            count_or_error(encoding, text),
        )

    with with_reporter(lambda _message: None):
        try:
            check()
        except AssertionError:
            pass
        except HypothesisException as exc:
            report.error = f"generated text: {one_line(exc)}"
    report.checks[GENERATED_LIVE] = ran
    if failing:
        # Hypothesis replays its shrunk example last; it cannot take apart a whole corpus
        # fragment, so finish by deleting characters while the texts still differ.
        text = minimise(failing[-1], wrong)
        expected, got = reference.encode_ordinary(text), ids_or_error(encoding, text)
        report.record(
            describe_mismatch(
                GENERATED_LIVE,
                "generated",
                f"hypothesis seed {seed}",
                text,
                expected,
                got,
                encoding,
                reference,
                counted=count_or_error(encoding, text),
            )
        )


def minimise(text: str, still_fails: Callable[[str], bool]) -> str:
    """A shortest-found text that still fails: delete chunks, halving their size (ddmin-like)."""
    size = max(1, len(text) // 2)
    while True:
        start, shrunk = 0, False
        while start < len(text):
            candidate = text[:start] + text[start + size :]
            if candidate and still_fails(candidate):
                text, shrunk = candidate, True
            else:
                start += size
        if size == 1 and not shrunk:
            return text
        if not shrunk:
            size = max(1, size // 2)
