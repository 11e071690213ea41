"""Parity checks for a plugin's own test suite: the opt-in pytest plugin of
`llm_cost_core.testing` (``pytest_plugins = ["llm_cost_core.testing"]`` in a conftest.py).

pytest then also runs, for each encoding the plugin registers, the checks below, with node ids
like ``llm-cost-parity::corpus[mytok]``:

- ``spec``: the encoding is installed under its names, its vocab loads and passes its hash
  check, token ids are unique, and ``n_vocab`` is one more than the largest id;
- ``corpus``: the static corpus (core's Evil Corpus cases for its names, and ``spec.corpus``),
  id for id; an encoding with no live reference must have at least one case;
- ``special-tokens``: each special token alone is its id with ``allowed_special="all"``, is
  refused by default, and decodes back;
- ``round-trip``: ``decode(encode_ordinary(text)) == text`` (lone surrogates read as U+FFFD, as
  tiktoken reads them) and ``count == len(ids)`` on the corpus texts;
- ``scanner-promises``: each promise the scanner makes (``ascii_pattern``,
  ``splits_before_space``, ``splits_after_newline``) holds on generated text (promises.py);
  skipped when it makes none;
- ``reference`` (when ``spec.reference`` is set): live tiktoken on the corpus texts, generated
  texts and the special tokens;
- ``engine`` (when it is not): tiktoken's own engine run on the plugin's pattern, ranks and
  special tokens, on the same texts, so a plugin's scanner or BPE hook is checked too.

The live checks need tiktoken and hypothesis (``pip install 'llm-cost-core[test]'``); without
them they are skipped, or fail when ``LLM_COST_REQUIRE_TIKTOKEN`` is on.

Which encodings: the ``--llm-cost-encodings=a,b`` option, else the ``llm_cost_encodings`` ini
value, else every installed encoding whose distribution is the ``[project] name`` of the
``pyproject.toml`` in pytest's rootdir (the plugin being tested). Generated texts per encoding:
``llm_cost_parity_examples`` in the ini, else ``LLM_COST_PARITY_EXAMPLES``, else 200.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from llm_cost_core._env import flag
from llm_cost_core.engine.encoding import _valid_unicode
from llm_cost_core.engine.spec import reference_name
from llm_cost_core.host.loading import canonical
from llm_cost_core.host.registry import EncodingEntry, registry
from llm_cost_core.verify.corpus import Case, default_corpus, read_corpus
from llm_cost_core.verify.generated import check_generated
from llm_cost_core.verify.promises import BrokenPromise, check_scanner_promises, promises_made
from llm_cost_core.verify.report import format_report
from llm_cost_core.verify.results import (
    CORPUS_LIVE,
    EncodingReport,
    describe_mismatch,
    ids_or_error,
)
from llm_cost_core.verify.runner import DEFAULT_SEED, check_encoding, examples_from_env

COLLECTOR = "llm-cost-parity"
ENCODINGS_OPTION = "llm_cost_encodings"
EXAMPLES_OPTION = "llm_cost_parity_examples"
REQUIRE_ENV = "LLM_COST_REQUIRE_TIKTOKEN"
PROMISE_EXAMPLES = 1000
"""Generated texts per promise at least: each is quick, and a broken promise is rare to hit."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("llm-cost", "llm-cost parity checks (llm_cost_core.testing)")
    group.addoption(
        "--llm-cost-encodings",
        metavar="ENC,...",
        help="Encodings to check (default: the ini value llm_cost_encodings, else those of "
        "the distribution named in the rootdir's pyproject.toml).",
    )
    parser.addini(ENCODINGS_OPTION, "encodings the llm-cost parity checks cover", type="args")
    parser.addini(EXAMPLES_OPTION, "generated texts per encoding checked live", default="")


class ParityFailure(Exception):
    """A check found a difference; its lines are the report."""


class ParityItem(pytest.Item):
    """One check of one encoding."""

    def __init__(self, *, check: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        self.check()

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ParityFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.nodeid


class ParityCollector(pytest.Collector):
    """The checks of the selected encodings."""

    def __init__(self, *, names: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.names = names

    def collect(self) -> Iterator[pytest.Item]:
        reg = registry()
        count = examples(self.config)
        for name in self.names:
            entry = reg.lookup(name)
            checks = Checks(entry, count)
            kinds = ["spec", "corpus", "special-tokens", "round-trip", "scanner-promises"]
            kinds.append("reference" if entry.spec.reference else "engine")
            for kind in kinds:
                yield ParityItem.from_parent(
                    self,
                    name=f"{kind}[{entry.spec.name}]",
                    nodeid=f"{COLLECTOR}::{kind}[{entry.spec.name}]",
                    check=getattr(checks, "check_" + kind.replace("-", "_")),
                )


@pytest.hookimpl(tryfirst=True)  # before -k, -m and --deselect look at the items
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.args and all("::" in arg for arg in config.args):
        return  # the user picked single tests by node id
    collector = ParityCollector.from_parent(
        session, name=COLLECTOR, nodeid=COLLECTOR, names=selected_encodings(config)
    )
    report = config.hook.pytest_make_collect_report(collector=collector)
    config.hook.pytest_collectreport(report=report)  # counted in "collected N items"
    items.extend(item for item in report.result if isinstance(item, pytest.Item))


def selected_encodings(config: pytest.Config) -> list[str]:
    """The encoding names to check; a usage error when none can be found."""
    option = config.getoption("--llm-cost-encodings")
    names = [n.strip() for n in (option or "").split(",") if n.strip()]
    names = names or [str(n) for n in config.getini(ENCODINGS_OPTION)]
    reg = registry()
    if names:
        for name in names:
            try:
                reg.lookup(name)
            except Exception as exc:
                raise pytest.UsageError(f"llm_cost_core.testing: {exc}") from None
        return names
    project = project_name(Path(str(config.rootpath)))
    if project is None:
        raise pytest.UsageError(
            f"llm_cost_core.testing: no pyproject.toml with a [project] name in {config.rootpath};"
            f" set {ENCODINGS_OPTION} in the pytest configuration"
        )
    mine = [
        entry.spec.name
        for entry in reg.encodings()
        if canonical(entry.plugin.distribution) == canonical(project)
    ]
    if not mine:
        raise pytest.UsageError(
            f"llm_cost_core.testing: no installed encoding comes from {project}; install it "
            f"(pip install .) or set {ENCODINGS_OPTION} in the pytest configuration"
        )
    return mine


def project_name(folder: Path) -> str | None:
    """`[project] name` of `folder/pyproject.toml`, or None."""
    try:
        text = (folder / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            name = tomllib.loads(text).get("project", {}).get("name")
        except tomllib.TOMLDecodeError:
            return None
        return name if isinstance(name, str) else None
    # Python 3.10 has no TOML parser: the one line needed, read with a regex
    section = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    found = section and re.search(r"^name\s*=\s*[\"']([^\"']+)[\"']", section.group(1), re.M)
    return found.group(1) if found else None


def examples(config: pytest.Config) -> int:
    value = str(config.getini(EXAMPLES_OPTION) or "").strip()
    if not value:
        return examples_from_env()
    try:
        return max(0, int(value))
    except ValueError:
        raise pytest.UsageError(
            f"{EXAMPLES_OPTION} must be a whole number, not {value!r}"
        ) from None


class Checks:
    """The checks of one encoding; each `check_` method is one test item."""

    def __init__(self, entry: EncodingEntry, examples: int) -> None:
        self.entry = entry
        self.spec = entry.spec
        self.examples = examples

    @functools.cached_property
    def encoding(self) -> Any:
        return registry().get_encoding(self.spec.name)

    @functools.cached_property
    def core_cases(self) -> list[Case]:
        """Core's Evil Corpus cases for this encoding (the runner adds `spec.corpus` itself)."""
        cases = read_corpus(default_corpus())
        return [case for case in cases if case.encoding in self.spec.names]

    @functools.cached_property
    def cases(self) -> list[Case]:
        """Every static case for this encoding: core's and the plugin's own."""
        own = read_corpus(self.spec.corpus) if self.spec.corpus is not None else []
        return self.core_cases + [case for case in own if case.encoding in self.spec.names]

    def check_spec(self) -> None:
        reg = registry()
        problems = []
        for name in self.spec.names:
            if reg.lookup(name).spec != self.spec:
                problems.append(f"{name!r} selects another encoding")
        ranks = self.spec.load_ranks()
        ids = set(ranks.values())
        if len(ids) != len(ranks):
            problems.append(f"{len(ranks) - len(ids)} ranks are shared by more than one token")
        clash = sorted(ids & set(self.spec.special_tokens.values()))
        if clash:
            problems.append(f"special token ids are also ranks: {clash[:5]}")
        largest = max(ids | set(self.spec.special_tokens.values()), default=-1)
        if self.spec.n_vocab != largest + 1:
            problems.append(f"n_vocab is {self.spec.n_vocab}, the largest id + 1 is {largest + 1}")
        _fail_if(problems, f"{self.spec.name}: spec")

    def check_corpus(self) -> None:
        if not self.cases and self.spec.reference is None:
            raise ParityFailure(
                f"{self.spec.name}: no corpus case names this encoding and it has no live "
                "reference, so nothing checks its ids; ship a corpus (EncodingSpec.corpus)"
            )
        if not self.cases:
            pytest.skip("no corpus case names this encoding (the reference check covers it)")
        report = check_encoding(self.entry, registry(), self.core_cases, examples=0, live=False)
        _fail_unless_ok(report)

    def check_special_tokens(self) -> None:
        enc, problems = self.encoding, []
        texts_of: dict[int, set[str]] = {}  # two texts may share an id (o200k_harmony's 200018)
        for text, token in self.spec.special_tokens.items():
            texts_of.setdefault(token, set()).add(text)
        for text, token in sorted(self.spec.special_tokens.items()):
            got = enc.encode(text, allowed_special="all")
            if got != [token]:
                problems.append(f"{text!r} encodes to {got}, not [{token}]")
            if enc.decode([token]) not in texts_of[token]:
                problems.append(f"{token} decodes to {enc.decode([token])!r}, not {text!r}")
            try:
                enc.encode(text)
                problems.append(f"{text!r} is not refused without allowed_special")
            except ValueError:
                pass
        _fail_if(problems, f"{self.spec.name}: special tokens")

    def check_round_trip(self) -> None:
        enc, problems = self.encoding, []
        for case in self.cases or [Case(self.spec.name, "sample", _SAMPLE, (), "")]:
            ids = enc.encode_ordinary(case.text)
            back = enc.decode_bytes(ids)
            if back != _valid_unicode(case.text).encode("utf-8"):  # lone surrogates: U+FFFD
                problems.append(f"{case.source}: {case.text!r} decodes back as {back!r}")
            if enc.count(case.text) != len(ids):
                problems.append(f"{case.source}: count {enc.count(case.text)} != {len(ids)} ids")
        _fail_if(problems[:10], f"{self.spec.name}: round trip ({len(problems)} texts)")

    def check_scanner_promises(self) -> None:
        _need("hypothesis")
        if not promises_made(self.encoding):
            pytest.skip("the scanner makes no promise (ascii_pattern, splits_before_space)")
        try:
            check_scanner_promises(self.encoding, examples=max(self.examples, PROMISE_EXAMPLES))
        except BrokenPromise as exc:
            raise ParityFailure(str(exc)) from None

    def check_reference(self) -> None:
        _need("tiktoken")
        _need("hypothesis")
        from llm_cost_core.verify.reference import tiktoken_encoding

        report = check_encoding(
            self.entry, registry(), self.core_cases, examples=self.examples, live=True
        )
        problems = []
        if report.error is None:
            how = f"the reference {reference_name(self.spec)}"
            if self.spec.extends_reference:
                how += " with this spec's special tokens"
            problems = self._compare_specials(tiktoken_encoding(self.encoding), how)
        _fail_unless_ok(report, problems)

    def check_engine(self) -> None:
        tiktoken = _need("tiktoken")
        _need("hypothesis")
        theirs = tiktoken.Encoding(
            name=self.spec.name,
            pat_str=self.spec.pattern,
            mergeable_ranks=dict(self.spec.load_ranks()),
            special_tokens=dict(self.spec.special_tokens),
        )
        how = "tiktoken's engine on this plugin's pattern and vocab"
        plugin = self.entry.plugin
        report = EncodingReport(
            self.spec.name, plugin.distribution, plugin.version, None, seed=DEFAULT_SEED
        )
        texts = [case.text for case in self.cases]
        report.checks[CORPUS_LIVE] = len(texts)
        for text in texts:
            expected, got = theirs.encode_ordinary(text), ids_or_error(self.encoding, text)
            if got != expected:
                report.record(
                    describe_mismatch(
                        CORPUS_LIVE, "corpus", how, text, expected, got, self.encoding, theirs
                    )
                )
        if self.examples:
            check_generated(self.encoding, theirs, report, self.examples, DEFAULT_SEED, texts)
        _fail_unless_ok(report, self._compare_specials(theirs, how))

    def _compare_specials(self, theirs: Any, how: str) -> list[str]:
        """Special tokens alone and between text, with allowed_special="all", and n_vocab."""
        texts = [*sorted(self.spec.special_tokens), _with_specials(self.spec.special_tokens)]
        problems = []
        for text in texts:
            expected = theirs.encode(text, allowed_special="all")
            got = self.encoding.encode(text, allowed_special="all")
            if got != expected:
                problems.append(f"{text!r}: {expected} from {how}, {got} here")
        if theirs.n_vocab != self.spec.n_vocab:
            problems.append(f"n_vocab {self.spec.n_vocab}, {how} has {theirs.n_vocab}")
        return problems


_SAMPLE = "Hello, world! It's 2025: naïve café, 日本語, 😀 and\r\n  spaces\t."


def _with_specials(specials: Any) -> str:
    """Every special token between ordinary text, to check where specials split the text."""
    return "a " + " b".join(sorted(specials)) + "\n c"


def _need(module: str) -> Any:
    """Import a live-check dependency, or skip (fail when LLM_COST_REQUIRE_TIKTOKEN is on)."""
    try:
        return __import__(module)
    except ImportError:
        message = f"{module} is not installed: pip install 'llm-cost-core[test]'"
        if flag(REQUIRE_ENV):
            raise ParityFailure(f"{message} ({REQUIRE_ENV} is on)") from None
        pytest.skip(message)


def _fail_if(problems: list[str], title: str) -> None:
    if problems:
        raise ParityFailure("\n".join([title, *(f"  {problem}" for problem in problems)]))


def _fail_unless_ok(report: EncodingReport, problems: Sequence[str] = ()) -> None:
    if report.ok and not problems:
        return
    lines = format_report(report) + [f"  {problem}" for problem in problems]
    raise ParityFailure("\n".join(lines))
