"""The plugin author's kit: llm-cost's checks, run by a plugin's own test suite.

One line in the plugin's ``tests/conftest.py`` turns on the pytest plugin::

    pytest_plugins = ["llm_cost_core.testing"]

(or ``pytest -p llm_cost_core.testing``). pytest then also runs, for each encoding the plugin
registers, the checks of `llm_cost_core.verify.pytest_plugin`, with node ids like
``llm-cost-parity::corpus[mytok]``: spec, corpus, special tokens, round trip, the scanner's
promises, and live tiktoken (``reference``) or tiktoken's engine on the plugin's own pattern and
vocab (``engine``). docs/guides/writing-a-plugin.md says what each one checks.

The same pieces, to use in tests and tools of your own:

- `evil_corpus()`: core's Evil Corpus, as `Case`s (it ships in the core wheel);
  `read_corpus(path)` reads any parity corpus file.
- `reference_encoding(encoding)`: the live reference of an installed encoding, a
  `tiktoken.Encoding` run offline on the vocab the plugin ships, or None when its spec names none.
- `check_scanner_promises(encoding)`: the promises its scanner makes (`ascii_pattern`,
  `splits_before_space`, `splits_after_newline`), each checked on generated text.
- `branches(pattern)`, `branches_used(branches, text, pieces)`: a pre-tokenizer pattern read
  branch by branch, to show which alternative made which piece.

The live checks need tiktoken and hypothesis (``pip install 'llm-cost-core[test]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_cost_core.verify.branches import branches, branches_used
from llm_cost_core.verify.corpus import Case, default_corpus, read_corpus
from llm_cost_core.verify.promises import (
    PROMISES,
    BrokenPromise,
    check_promise,
    check_scanner_promises,
    promises_made,
)
from llm_cost_core.verify.pytest_plugin import (
    Checks,
    pytest_addoption,
    pytest_collection_modifyitems,
)

if TYPE_CHECKING:
    from llm_cost_core.engine.encoding import Encoding

__all__ = [
    "PROMISES",
    "BrokenPromise",
    "Case",
    "Checks",
    "branches",
    "branches_used",
    "check_promise",
    "check_scanner_promises",
    "evil_corpus",
    "promises_made",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "read_corpus",
    "reference_encoding",
]


def evil_corpus(encoding: str | None = None) -> list[Case]:
    """Core's Evil Corpus: every case, or those for `encoding` (a name or alias as the corpus
    writes it: `o200k`, `cl100k`, `r50k`, ...). Read from the core wheel's package data
    (`llm_cost_core/data/evil_corpus_v2.jsonl`), or `testdata/` in a source checkout."""
    cases = read_corpus(default_corpus())
    return cases if encoding is None else [case for case in cases if case.encoding == encoding]


def reference_encoding(encoding: Encoding) -> Any:
    """The live parity reference of an installed encoding: tiktoken's own encoding named by
    `spec.reference` (with the spec's special tokens when `extends_reference`), run offline on
    the vocab the plugin ships and checked by tiktoken against the hash it pins; None when the
    spec names no reference. Needs tiktoken (ImportError without it).

    Use it to write a corpus for an encoding that has a reference. Never build a "reference"
    from your own spec's pattern and ranks to write your corpus: that compares llm-cost with
    itself and proves nothing (the ``engine`` check already runs tiktoken's engine on them)."""
    from llm_cost_core.verify.reference import tiktoken_encoding

    return tiktoken_encoding(encoding)
