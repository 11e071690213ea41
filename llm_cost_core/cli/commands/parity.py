"""`llm-cost parity`: every installed encoding, id for id, against its corpus and live tiktoken."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from llm_cost_core._text import printable
from llm_cost_core.errors import LLMCostError
from llm_cost_core.verify.report import format_report
from llm_cost_core.verify.runner import DEFAULT_EXAMPLES, DEFAULT_SEED, EXAMPLES_ENV, run


def _names(values: tuple[str, ...] | list[str]) -> list[str]:
    """`-e a -e b,c` and `--require a,b` alike: names split on commas, blanks dropped."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@contextlib.contextmanager
def _hypothesis_storage() -> Iterator[None]:
    """Keep hypothesis from creating `.hypothesis/` in the user's directory, unless asked to."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="llm-cost-parity-") as where:
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = where
        try:
            yield
        finally:
            del os.environ["HYPOTHESIS_STORAGE_DIRECTORY"]


@click.command(name="parity")
@click.option(
    "-e",
    "--encoding",
    "encodings",
    multiple=True,
    metavar="ENC",
    help="Check only this encoding (repeat it, or separate names with commas). "
    "Default: every installed one.",
)
@click.option(
    "--require",
    metavar="ENC,...",
    default="",
    help="Fail unless each of these encodings is installed, e.g. --require o200k,cl100k.",
)
@click.option(
    "--corpus",
    "corpora",
    multiple=True,
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check this JSONL corpus instead of the built-in Evil Corpus (repeatable). "
    "Plugins' own corpora are checked either way.",
)
@click.option(
    "--examples",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help=f"Generated texts per encoding checked against tiktoken (env {EXAMPLES_ENV}, "
    f"default {DEFAULT_EXAMPLES}; 0 skips them).",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="Seed of the generated texts; the same seed checks the same texts.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def command(
    encodings: tuple[str, ...],
    require: str,
    corpora: tuple[Path, ...],
    examples: int | None,
    seed: int,
    as_json: bool,
) -> None:
    """Check that each installed encoding gives tiktoken's ids, id for id.

    Each encoding is checked against its static corpus (core's Evil Corpus and the plugin's
    own), then, when its spec names a tiktoken reference and tiktoken is installed, against live
    tiktoken on the same texts and on generated ones; each check compares the ids and the
    count. Mismatches are shown with the text, the expected and actual ids and the pieces of
    both. Exit status 0 only when nothing differs, something was checked for each encoding and
    every --require'd encoding is installed; 1 otherwise.
    """
    from llm_cost_core.errors import PluginConflictError, UnknownEncodingError
    from llm_cost_core.host.registry import registry

    reg = registry()
    required = _names([require])
    for name in required:
        try:
            reg.lookup(name)
        except (UnknownEncodingError, PluginConflictError) as exc:
            raise click.ClickException(f"--require {name}: {exc}") from None
    selected = _names(encodings) or None
    if selected:
        for name in selected:
            try:
                reg.lookup(name)
            except UnknownEncodingError as exc:
                raise click.UsageError(str(exc)) from None
    if not reg.encodings():
        raise click.ClickException("no encoding plugin is installed; pip install llm-cost-o200k")

    def progress(message: str) -> None:
        if sys.stderr.isatty():
            click.echo(f"llm-cost parity: {message}", err=True)

    with _hypothesis_storage():
        try:
            reports = run(
                selected,
                corpus=list(corpora) or None,
                examples=examples,
                seed=seed,
                registry=reg,
                progress=progress,
            )
        except LLMCostError as exc:
            raise click.ClickException(str(exc)) from None

    failed = [report for report in reports if not report.ok]
    if as_json:
        out = {
            "ok": not failed,
            "required": required,
            "encodings": [report.to_json() for report in reports],
        }
        click.echo(json.dumps(out, indent=2))
    else:
        for report in reports:
            for line in format_report(report):
                click.echo(printable(line))
        checks = sum(report.cases for report in reports)
        click.echo(
            f"parity: {'ok' if not failed else 'FAILED'}, {len(reports)} "
            f"encoding{'s' if len(reports) != 1 else ''}, {checks} checks"
        )
    if failed:
        raise click.ClickException(
            "parity failed: "
            + "; ".join(
                f"{r.name}: {r.error}"
                if r.error
                else f"{r.name}: {r.mismatch_count} mismatch{'es' if r.mismatch_count != 1 else ''}"
                for r in failed
            )
        )
