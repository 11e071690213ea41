"""The shared parity runner: every registered encoding, id for id, against what it must equal.

For each encoding it runs, in order:

1. the static corpus: core's Evil Corpus (the cases whose `encoding` is one of the spec's names)
   plus the plugin's own corpus (`EncodingSpec.corpus`), each case's ids as the reference wrote
   them. Needs nothing but the encoding itself.
2. live tiktoken, when the spec names a `reference` and tiktoken is importable: the same corpus
   texts again, and hypothesis-generated text (a seeded `@given` run driven from here, so pytest
   is not needed; the example count comes from `LLM_COST_PARITY_EXAMPLES`).

Every check compares `encode_ordinary(text)` with the expected ids and `count(text)` with their
number: `count` has its own code path (cached segments, `BPEEngine.count`), and it is what
`llm-cost` prints. An encoding that nothing checked (no corpus case, no live stage) fails: a
pass must mean something was compared.

`llm-cost parity`, tox's parity environment and the tests all call `run()`. Nothing here knows
any one encoding: the corpus says which encoding each case is for.
"""

from __future__ import annotations

import collections
import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from llm_cost_core.errors import LLMCostError

if TYPE_CHECKING:
    from importlib.abc import Traversable

    from llm_cost_core.engine.encoding import Encoding
    from llm_cost_core.host.registry import EncodingEntry, Registry

    CorpusSource = Traversable | Path

EXAMPLES_ENV = "LLM_COST_PARITY_EXAMPLES"
DEFAULT_EXAMPLES = 200
DEFAULT_SEED = 20261128
SHOWN = 5
"""Mismatches kept (and printed) per encoding and stage; the rest are only counted."""
CORPUS_NAME = "evil_corpus_v2.jsonl"

STATIC, LIVE, GENERATED = "corpus", "tiktoken", "generated"


class CorpusError(LLMCostError):
    """A corpus file is missing, unreadable, or has a line that is not a case."""


# -- the corpus ---------------------------------------------------------------------------------


@attrs.frozen
class Case:
    """One corpus line: `text` must encode to `ids` with `encoding`."""

    encoding: str
    category: str
    text: str
    ids: tuple[int, ...]
    source: str
    """`file:line`, to find the case again."""


def default_corpus() -> CorpusSource:
    """Core's Evil Corpus: package data in an installed wheel, `testdata/` in a source checkout."""
    packaged = files("llm_cost_core") / "data" / CORPUS_NAME
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "testdata" / CORPUS_NAME


def read_corpus(source: CorpusSource) -> list[Case]:
    """Every case in a JSONL corpus file (gzip when its name ends in `.gz`).

    Each line is an object with `encoding`, `category`, `text` and `ids`; other keys (the
    generator writes `tiktoken_version`) are ignored. Blank lines are skipped.
    """
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise CorpusError(f"cannot read corpus {source}: {exc.strerror or exc}") from None
    if source.name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise CorpusError(f"cannot read corpus {source}: not valid gzip: {exc}") from None
    cases = []
    label = source.name
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            case = Case(
                encoding=_field(item, "encoding", str),
                category=_field(item, "category", str),
                text=_field(item, "text", str),
                ids=tuple(_field(item, "ids", list)),
                source=f"{label}:{number}",
            )
        except (ValueError, TypeError) as exc:
            raise CorpusError(f"corpus {source}, line {number}: {exc}") from None
        if not all(type(token) is int for token in case.ids):
            raise CorpusError(f"corpus {source}, line {number}: ids must be integers")
        cases.append(case)
    return cases


def _field(item: Any, key: str, kind: type) -> Any:
    if not isinstance(item, dict):
        raise TypeError("not a JSON object")
    if not isinstance(item.get(key), kind):
        raise TypeError(f"{key!r} must be a {'string' if kind is str else 'list'}")
    return item[key]


# -- results ------------------------------------------------------------------------------------


@attrs.define
class Mismatch:
    """One text on which the encoding and its reference disagree."""

    stage: str
    category: str
    source: str
    text: str
    expected: list[int]
    actual: list[int] | None
    """None when encoding raised; `error` says what."""
    expected_pieces: list[bytes]
    """The bytes of each expected token."""
    actual_pieces: list[bytes]
    scanner_pieces: list[str]
    """How the encoding's scanner split the text (empty if it raised)."""
    error: str | None = None
    count: int | str | None = None
    """What `Encoding.count` gave when it was not `len(expected)` (the one-line error when it
    raised); None when it agreed."""

    @property
    def first_difference(self) -> int:
        actual = self.actual or []
        pairs = zip(self.expected, actual, strict=False)
        return next(
            (i for i, (a, b) in enumerate(pairs) if a != b), min(len(self.expected), len(actual))
        )


@attrs.define
class EncodingReport:
    """What the runner found for one encoding."""

    name: str
    distribution: str
    version: str
    reference: str | None
    checks: dict[str, int] = attrs.Factory(dict)
    """Texts compared per stage (corpus, tiktoken, generated)."""
    mismatch_counts: dict[str, int] = attrs.Factory(dict)
    categories: dict[str, int] = attrs.Factory(dict)
    """Static corpus cases per category."""
    mismatches: list[Mismatch] = attrs.Factory(list)
    """The first few of each stage."""
    notes: list[str] = attrs.Factory(list)
    """Why a stage was skipped, and other things worth knowing."""
    error: str | None = None
    """Why this encoding could not be checked at all."""
    seed: int | None = None
    tiktoken_version: str | None = None
    """The tiktoken the live stages ran, when they ran."""

    @property
    def cases(self) -> int:
        return sum(self.checks.values())

    @property
    def mismatch_count(self) -> int:
        return sum(self.mismatch_counts.values())

    @property
    def ok(self) -> bool:
        return self.error is None and self.mismatch_count == 0

    def record(self, mismatch: Mismatch) -> None:
        self.mismatch_counts[mismatch.stage] = self.mismatch_counts.get(mismatch.stage, 0) + 1
        if sum(m.stage == mismatch.stage for m in self.mismatches) < SHOWN:
            self.mismatches.append(mismatch)

    def to_json(self) -> dict[str, Any]:
        out = attrs.asdict(self, recurse=False)
        out.update(cases=self.cases, mismatch_count=self.mismatch_count, ok=self.ok)
        out["mismatches"] = [
            {
                **attrs.asdict(m),
                "first_difference": m.first_difference,
                "expected_pieces": [_show(p) for p in m.expected_pieces],
                "actual_pieces": [_show(p) for p in m.actual_pieces],
            }
            for m in self.mismatches
        ]
        return out


# -- running ------------------------------------------------------------------------------------


def examples_from_env() -> int:
    """How many generated texts to check: `$LLM_COST_PARITY_EXAMPLES`, else a small default."""
    value = os.environ.get(EXAMPLES_ENV, "").strip()
    if not value:
        return DEFAULT_EXAMPLES
    try:
        count = int(value)
    except ValueError:
        raise LLMCostError(f"{EXAMPLES_ENV} must be a whole number, not {value!r}") from None
    if count < 0:
        raise LLMCostError(f"{EXAMPLES_ENV} must not be negative, not {count}")
    return count


def run(
    names: Iterable[str] | None = None,
    *,
    corpus: Sequence[CorpusSource] | None = None,
    examples: int | None = None,
    seed: int = DEFAULT_SEED,
    live: bool = True,
    registry: Registry | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[EncodingReport]:
    """Check each named encoding (default: every registered one) and report, in name order.

    `corpus` replaces core's Evil Corpus (plugins' own corpora are always read); `examples`
    defaults to `examples_from_env()`; `live=False` skips tiktoken even when it is installed.
    Unknown names raise UnknownEncodingError.
    """
    if registry is None:
        from llm_cost_core.host.registry import registry as process_registry

        registry = process_registry()
    if names is None:
        entries = registry.encodings()
    else:
        found = {entry.spec.name: entry for entry in map(registry.lookup, names)}
        entries = [found[name] for name in sorted(found)]
    cases: list[Case] = []
    for source in [default_corpus()] if corpus is None else corpus:
        cases += read_corpus(source)
    if examples is None:
        examples = examples_from_env()
    reports = []
    for entry in entries:
        if progress:
            progress(f"checking {entry.spec.name}")
        reports.append(
            check_encoding(entry, registry, cases, examples=examples, seed=seed, live=live)
        )
    return reports


def check_encoding(
    entry: EncodingEntry,
    registry: Registry,
    cases: Sequence[Case],
    *,
    examples: int,
    seed: int = DEFAULT_SEED,
    live: bool = True,
) -> EncodingReport:
    """Run every stage for one registered encoding; never raises for the encoding's own faults."""
    spec = entry.spec
    report = EncodingReport(
        spec.name, entry.plugin.distribution, entry.plugin.version, spec.reference, seed=seed
    )
    mine = [case for case in cases if case.encoding in spec.names]
    try:
        if spec.corpus is not None:
            mine += [case for case in read_corpus(spec.corpus) if case.encoding in spec.names]
        encoding = registry.get_encoding(spec.name)
        _ = encoding.bpe  # load the vocab now, so a broken one is one error, not a mismatch each
    except LLMCostError as exc:  # its message says what and where (a corpus, a vocab)
        report.error = str(exc)
        return report
    except Exception as exc:
        report.error = _one_line(exc)
        return report
    report.categories = dict(collections.Counter(case.category for case in mine))
    actual = [_encode(encoding, case.text) for case in mine]
    counts = [_count(encoding, case.text) for case in mine]
    report.checks[STATIC] = len(mine)
    for case, got, counted in zip(mine, actual, counts, strict=True):
        if _differs(list(case.ids), got, counted):
            report.record(
                _mismatch(
                    STATIC,
                    case.category,
                    case.source,
                    case.text,
                    list(case.ids),
                    got,
                    encoding,
                    counted=counted,
                )
            )
    if not mine:
        report.notes.append("no corpus cases name this encoding")

    if live:
        _live(encoding, report, mine, actual, counts, examples, seed)
    if report.error is None and report.cases == 0:
        why = "; ".join(report.notes) or "no stage ran"
        report.error = f"nothing was checked ({why})"
    return report


def _live(
    encoding: Encoding,
    report: EncodingReport,
    mine: Sequence[Case],
    actual: Sequence[list[int] | str],
    counts: Sequence[int | str],
    examples: int,
    seed: int,
) -> None:
    """The corpus texts, then generated ones, against live tiktoken (when there is a reference)."""
    reference = _reference(encoding, report)
    if reference is None:
        return
    report.checks[LIVE] = len(mine)
    for case, got, counted in zip(mine, actual, counts, strict=True):
        expected = reference.encode_ordinary(case.text)
        if _differs(expected, got, counted):
            report.record(
                _mismatch(
                    LIVE,
                    case.category,
                    case.source,
                    case.text,
                    expected,
                    got,
                    encoding,
                    reference,
                    counted=counted,
                )
            )
    if examples:
        _generated(encoding, reference, report, examples, seed, [case.text for case in mine])
    else:
        report.notes.append("generated texts skipped: 0 examples asked for")


def _encode(encoding: Encoding, text: str) -> list[int] | str:
    """The ids, or the one-line error when encoding raised (a str never equals a list of ids)."""
    try:
        return encoding.encode_ordinary(text)
    except Exception as exc:
        return _one_line(exc)


def _count(encoding: Encoding, text: str) -> int | str:
    """`encoding.count(text)`, or the one-line error when it raised."""
    try:
        return encoding.count(text)
    except Exception as exc:
        return _one_line(exc)


def _differs(expected: list[int], got: list[int] | str, counted: int | str) -> bool:
    """Whether the ids, or the count, are not what the reference says."""
    return got != expected or counted != len(expected)


def _reference(encoding: Encoding, report: EncodingReport) -> Any:
    """tiktoken's Encoding for the spec's reference, or None with a note saying why not."""
    if encoding.spec.reference is None:
        report.notes.append("no tiktoken reference: checked against its static corpus only")
        return None
    try:
        from llm_cost_core.verify.reference import tiktoken_encoding
    except ImportError:
        report.notes.append(
            "tiktoken is not installed: live checks skipped (pip install 'llm-cost-core[test]')"
        )
        return None
    try:
        import tiktoken

        report.tiktoken_version = tiktoken.__version__
        return tiktoken_encoding(encoding)
    except Exception as exc:
        report.error = f"cannot build tiktoken's {encoding.spec.reference}: {_one_line(exc)}"
        return None


def _generated(
    encoding: Encoding,
    reference: Any,
    report: EncodingReport,
    examples: int,
    seed: int,
    corpus_texts: list[str],
) -> None:
    """Hypothesis-generated text, shrunk to a minimal example on the first mismatch."""
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
        if differs(text):
            failing.append(text)
            raise AssertionError("mismatch")

    def differs(text: str) -> bool:
        return _differs(
            reference.encode_ordinary(text), _encode(encoding, text), _count(encoding, text)
        )

    with with_reporter(lambda _message: None):
        try:
            check()
        except AssertionError:
            pass
        except HypothesisException as exc:
            report.error = f"generated text: {_one_line(exc)}"
    report.checks[GENERATED] = ran
    if failing:
        # Hypothesis replays its shrunk example last; it cannot take apart a whole corpus
        # fragment, so finish by deleting characters while the texts still differ.
        text = _minimize(failing[-1], differs)
        expected, got = reference.encode_ordinary(text), _encode(encoding, text)
        report.record(
            _mismatch(
                GENERATED,
                "generated",
                f"hypothesis seed {seed}",
                text,
                expected,
                got,
                encoding,
                reference,
                counted=_count(encoding, text),
            )
        )


def _minimize(text: str, differs: Callable[[str], bool]) -> str:
    """A shortest-found text that still differs: delete chunks, halving their size (ddmin-like)."""
    size = max(1, len(text) // 2)
    while True:
        start, shrunk = 0, False
        while start < len(text):
            candidate = text[:start] + text[start + size :]
            if candidate and differs(candidate):
                text, shrunk = candidate, True
            else:
                start += size
        if size == 1 and not shrunk:
            return text
        if not shrunk:
            size = max(1, size // 2)


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


def _mismatch(
    stage: str,
    category: str,
    source: str,
    text: str,
    expected: list[int],
    actual: list[int] | str,
    encoding: Encoding,
    reference: Any = None,
    *,
    counted: int | str | None = None,
) -> Mismatch:
    """The mismatch with everything needed to read it: pieces of both sides and the scanner's.

    `counted` is what `encoding.count(text)` gave; kept only when it is not `len(expected)`.
    """
    error = actual if isinstance(actual, str) else None
    try:
        scanner = list(encoding.scanner(text))
    except Exception:
        scanner = []
    return Mismatch(
        stage=stage,
        category=category,
        source=source,
        text=text,
        expected=list(expected),
        actual=None if isinstance(actual, str) else list(actual),
        expected_pieces=_token_bytes(expected, encoding, reference),
        actual_pieces=[] if isinstance(actual, str) else _token_bytes(actual, encoding, reference),
        scanner_pieces=scanner,
        error=error,
        count=None if counted is None or counted == len(expected) else counted,
    )


def _token_bytes(ids: Sequence[int], encoding: Encoding, reference: Any) -> list[bytes]:
    """Each token's bytes, from the encoding's decoder, else tiktoken's, else a placeholder."""
    out = []
    for token in ids:
        try:
            out.append(encoding.decode_single_token_bytes(token))
            continue
        except Exception:
            pass
        try:
            out.append(reference.decode_single_token_bytes(token))
        except Exception:
            out.append(f"<no token {token}>".encode())
    return out


def branches(pattern: str) -> list[str]:
    """The top-level alternatives of a regex, in order: `a|(b|c)|[|]` gives `a`, `(b|c)`, `[|]`.

    For reading a pre-tokenizer branch by branch (docs, tests, coverage of a corpus).
    """
    out, start, depth, in_set, i = [], 0, 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_set:
            in_set = char != "]"
        elif char == "[":
            in_set = True
            if pattern.startswith("^", i + 1):
                i += 1
            if pattern.startswith("]", i + 1):  # a ] first in a set is literal
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def branches_used(branches: Sequence[str], text: str, pieces: Iterable[str]) -> set[int]:
    """The 1-based numbers of the branches that made `pieces` of `text`: at each piece's start,
    the first branch that matches there (so a test or a doc example can say which branch it
    shows at work)."""
    from llm_cost_core.engine.scanner import compile_pinned

    used, start = set(), 0
    for piece in pieces:
        number = next(
            (n for n, b in enumerate(branches, 1) if compile_pinned(b).match(text, start)), None
        )
        if number is None:
            raise AssertionError(f"no branch matches {text!r} at {start}")
        used.add(number)
        start += len(piece)
    return used


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


# -- printing -----------------------------------------------------------------------------------


def _show(piece: bytes) -> str:
    """A token's bytes as a repr: the text when it is UTF-8, else the bytes literal."""
    try:
        return repr(piece.decode("utf-8"))
    except UnicodeDecodeError:
        return repr(piece)


def _window(items: Sequence[str], at: int, before: int = 3, after: int = 6) -> str:
    start, end = max(0, at - before), min(len(items), at + after)
    shown = " ".join(items[start:end])
    prefix = f"... ({start} before) " if start else ""
    suffix = f" ... ({len(items) - end} more)" if end < len(items) else ""
    return f"[{prefix}{shown}{suffix}]"


def _text_window(mismatch: Mismatch, width: int = 120) -> str:
    text = mismatch.text
    if len(repr(text)) <= width:
        return repr(text)
    at = mismatch.first_difference
    offset = len(b"".join(mismatch.expected_pieces[:at]).decode("utf-8", "ignore"))
    start = max(0, offset - 30)
    part = text[start : start + 60]
    return f"{part!r} (characters {start}-{start + len(part)} of {len(text)})"


def format_mismatch(mismatch: Mismatch) -> list[str]:
    """A readable diff of one mismatch: text, ids and pieces around the first difference."""
    at = mismatch.first_difference
    lines = [
        f"  {mismatch.stage} mismatch, {mismatch.category} ({mismatch.source})",
        f"    text      {_text_window(mismatch)}",
    ]
    expected_ids = [str(token) for token in mismatch.expected]
    lines.append(f"    expected  ids {_window(expected_ids, at)}")
    if mismatch.error is not None:
        lines.append(f"    actual    raised {mismatch.error}")
    elif mismatch.actual == mismatch.expected:
        lines.append("    actual    ids the same")
    else:
        actual_ids = [str(token) for token in mismatch.actual or []]
        lines.append(f"    actual    ids {_window(actual_ids, at)}")
        lines.append(f"    first difference at token {at}")
    if isinstance(mismatch.count, str):
        lines.append(f"    count     raised {mismatch.count}")
    elif mismatch.count is not None:
        lines.append(
            f"    count     {mismatch.count} (Encoding.count), not {len(mismatch.expected)}"
        )
    lines.append(
        f"    expected  pieces {_window([_show(p) for p in mismatch.expected_pieces], at)}"
    )
    if mismatch.error is None:
        lines.append(
            f"    actual    pieces {_window([_show(p) for p in mismatch.actual_pieces], at)}"
        )
    if mismatch.scanner_pieces:
        lines.append(
            f"    scanner   {_window([repr(p) for p in mismatch.scanner_pieces], 0, 0, 12)}"
        )
    return lines


def format_report(report: EncodingReport) -> list[str]:
    """Per encoding: where it came from, what ran, what differed."""
    reference = f", reference {report.reference}" if report.reference else ", no reference"
    if report.tiktoken_version:
        reference += f" (tiktoken {report.tiktoken_version})"
    origin = " ".join(part for part in (report.distribution, report.version) if part)
    lines = [f"{report.name}  {origin}{reference}"]
    if report.error:
        lines.append(f"  error: {report.error}")
    labels = {STATIC: "cases", LIVE: "cases", GENERATED: "examples"}
    for stage, count in report.checks.items():
        wrong = report.mismatch_counts.get(stage, 0)
        extra = ""
        if stage == STATIC and report.categories:
            extra = " (" + ", ".join(f"{c} {n}" for c, n in report.categories.items()) + ")"
        if stage == GENERATED:
            extra = f" (hypothesis, seed {report.seed})"
        lines.append(
            f"  {stage:<10}{count:>7} {labels[stage]}, {wrong} mismatch{'es' if wrong != 1 else ''}"
            f"{extra}"
        )
    lines += [f"  note: {note}" for note in report.notes]
    for mismatch in report.mismatches:
        lines += format_mismatch(mismatch)
    lines.append(f"  {'ok' if report.ok else 'FAILED'}")
    return lines
