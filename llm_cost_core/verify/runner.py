"""The shared parity runner: every registered encoding, id for id, against what it must equal.

For each encoding it runs, in order:

1. `CORPUS_IDS`: core's Evil Corpus (the cases whose `encoding` is one of the spec's names) plus
   the plugin's own corpus (`EncodingSpec.corpus`), each case's ids as the reference wrote
   them. Needs nothing but the encoding itself.
2. When the spec names a live reference (`reference`) and tiktoken is importable:
   `CORPUS_LIVE`, the same corpus texts against it, then `GENERATED_LIVE`, hypothesis-generated
   texts (generated.py; the example count comes from `LLM_COST_PARITY_EXAMPLES`).

Every check compares `encode_ordinary(text)` with the expected ids and `count(text)` with their
number: `count` has its own code path (cached segments, `BPEEngine.count`), and it is what
`llm-cost` prints. An encoding that nothing checked (no corpus case, no live stage) fails: a
pass must mean something was compared.

`llm-cost parity`, tox's parity environment and the tests all call `run()`. Nothing here knows
any one encoding: the corpus says which encoding each case is for.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from llm_cost_core.engine.spec import reference_name
from llm_cost_core.errors import LLMCostError
from llm_cost_core.verify.corpus import Case, default_corpus, read_corpus
from llm_cost_core.verify.generated import check_generated
from llm_cost_core.verify.results import (
    CORPUS_IDS,
    CORPUS_LIVE,
    EncodingReport,
    count_or_error,
    describe_mismatch,
    differs,
    ids_or_error,
    one_line,
)

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding
    from llm_cost_core.host.registry import EncodingEntry, Registry
    from llm_cost_core.verify.corpus import CorpusSource

EXAMPLES_ENV = "LLM_COST_PARITY_EXAMPLES"
DEFAULT_EXAMPLES = 200
DEFAULT_SEED = 20261128


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
        spec.name, entry.plugin.distribution, entry.plugin.version, reference_name(spec), seed=seed
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
        report.error = one_line(exc)
        return report
    report.categories = dict(collections.Counter(case.category for case in mine))
    actual = [ids_or_error(encoding, case.text) for case in mine]
    counts = [count_or_error(encoding, case.text) for case in mine]
    report.checks[CORPUS_IDS] = len(mine)
    for case, got, counted in zip(mine, actual, counts, strict=True):
        if differs(list(case.ids), got, counted):
            report.record(
                describe_mismatch(
                    CORPUS_IDS,
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
    """The corpus texts, then generated ones, against the live reference (when there is one)."""
    reference = _reference(encoding, report)
    if reference is None:
        return
    report.checks[CORPUS_LIVE] = len(mine)
    for case, got, counted in zip(mine, actual, counts, strict=True):
        expected = reference.encode_ordinary(case.text)
        if differs(expected, got, counted):
            report.record(
                describe_mismatch(
                    CORPUS_LIVE,
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
        check_generated(encoding, reference, report, examples, seed, [case.text for case in mine])
    else:
        report.notes.append("generated texts skipped: 0 examples asked for")


def _reference(encoding: Encoding, report: EncodingReport) -> Any:
    """The live reference tokenizer of the spec, or None with a note saying why not."""
    if encoding.spec.reference is None:
        report.notes.append(
            "no live reference (EncodingSpec.reference): checked against its static corpus only"
        )
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
        report.error = f"cannot build the reference {report.reference}: {one_line(exc)}"
        return None
