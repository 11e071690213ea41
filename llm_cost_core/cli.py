"""The `llm-cost` command line.

Errors are one line on stderr, `llm-cost: error: ...`, with exit code 1 (runtime), 2 (usage) or
3 (budget or quota); never a traceback unless LLM_COST_DEBUG=1.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from . import __version__, progress
from ._env import flag as _flag
from ._text import printable
from .commands import _complete
from .commands import tokens as show_tokens
from .errors import InputError, LLMCostError, UnknownEncodingError, UnknownModelError
from .inputs import STDIN, TextStream, decode_utf8, out_of_memory, warn_replaced
from .progress import Progress

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from .encoding import Encoding

DEFAULT_ENCODING = "o200k"
EXIT_RUNTIME, EXIT_USAGE, EXIT_QUOTA = 1, 2, 3


class DefaultGroup(click.Group):
    """A group that runs `count` when the first argument is not a subcommand.

    So `llm-cost FILE`, `llm-cost -e cl100k < f` and `llm-cost count FILE` all count. Its help
    shows count's options too, and completion offers count's options and files with the commands.
    """

    default_command = "count"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else None
        if ctx.resilient_parsing and first is None:  # completing the first word
            return super().parse_args(ctx, args)
        if first not in self.commands and first not in (*ctx.help_option_names, "--version"):
            if first is not None and not ctx.resilient_parsing:
                self._check_not_misspelt(first)
            args.insert(0, self.default_command)
        return super().parse_args(ctx, args)

    def _check_not_misspelt(self, word: str) -> None:
        """A usage error for a word that looks like a misspelt command and names no file."""
        from .plugins import did_you_mean

        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", word) or os.path.lexists(word):
            return
        close = did_you_mean(word.lower(), self.commands, similar=0.7)
        if close:
            raise click.UsageError(f"{word!r} is neither a command nor a file; {close}")

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, "[-e ENC | -m MODEL] [FILE]...  |  COMMAND ...")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The group's options, the default command's, then the commands."""
        click.Command.format_options(self, ctx, formatter)
        default = self.commands[self.default_command]
        rows = [
            record
            for param in default.get_params(ctx)
            if isinstance(param, click.Option) and "--help" not in param.opts
            if (record := param.get_help_record(ctx)) is not None
        ]
        with formatter.section(f"Options of {self.default_command} (the default command)"):
            formatter.write_dl(rows)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with its first sentence whole (click would cut it at the width)."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=sys.maxsize)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """The commands and, as `llm-cost FILE` counts, files and count's options."""
        from click.shell_completion import CompletionItem

        default = self.commands[self.default_command]
        with default.make_context(
            self.default_command, [], parent=ctx, resilient_parsing=True
        ) as sub:
            options = default.shell_complete(sub, incomplete)
        files = [] if incomplete.startswith("-") else [CompletionItem(incomplete, type="file")]
        own = super().shell_complete(ctx, incomplete)
        seen = {item.value for item in own}
        return [*files, *own, *(item for item in options if item.value not in seen)]


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from .plugins import registry

    reg = registry()
    click.echo(f"llm-cost {__version__}")
    notes = reg.engine_notes()
    for name, info in sorted(reg.plugins.items()):
        if info.distribution != "llm-cost-core":
            engines = "; ".join(f"{enc}: {note}" for enc, note in notes.get(name, []))
            line = f"  {info.label} (plugin {name}){': ' + engines if engines else ''}"
            click.echo(printable(line))
    for info in reg.failures:
        click.echo(printable(f"  {info.label} (plugin {info.name}, {info.error})"))
    ctx.exit(0)


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version of llm-cost and of every installed plugin.",
)
def cli() -> None:
    """Count tokens exactly as tiktoken does, offline, for every installed encoding.

    With no command, counts: `llm-cost [-e ENC | -m MODEL] [FILE]...` (stdin when no FILE or -).
    """


def workers_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--workers N, shared by the commands that spread their work over processes; the value
    they get is N, or the number of CPUs for 0."""
    return click.option(
        "--workers",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        metavar="N",
        callback=lambda ctx, param, value: value or os.cpu_count() or 1,
        help=help_text,
    )


def dask_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--dask SCHEDULER, shared by `count` and `pipe` (see llm_cost_core.dask, imported only
    when it is given)."""
    return click.option(
        "--dask",
        "dask_address",
        metavar="SCHEDULER",
        help=f"{what}: SCHEDULER is a scheduler's address, or `local` for a cluster of this "
        "machine's cores (needs pip install 'llm-cost-core[dask]').",
    )


def encoding_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """-e/--encoding and -m/--model, shared by every command that counts."""
    func = click.option(
        "-m",
        "--model",
        metavar="MODEL",
        shell_complete=_complete.models,
        help="Count with the encoding this model uses (gpt-4o, gpt-4, ...).",
    )(func)
    return click.option(
        "-e",
        "--encoding",
        metavar="ENC",
        shell_complete=_complete.encodings,
        help=f"Encoding name or alias (default: {DEFAULT_ENCODING}, or the only one installed; "
        "env LLM_COST_ENCODING). See `llm-cost encodings`.",
    )(func)


def resolve_encoding(
    encoding: str | None, model: str | None, prices_file: str | None = None
) -> Any:
    """The Encoding the user asked for, or a one-line usage error.

    A model is resolved as every command resolves it (commands._common.resolve_model): a
    plugin's mapping, else the encoding its price names, the user's price file (`prices_file`,
    else $LLM_COST_PRICES) included; that file is read only when a model is given."""
    from .plugins import registry

    if encoding and model:
        raise click.UsageError("give either -e/--encoding or -m/--model, not both")
    reg = registry()
    if not encoding and not model:
        encoding = os.environ.get("LLM_COST_ENCODING") or None
    try:
        if model:
            from .commands._common import load_table, resolve_model

            return resolve_model(model, load_table(prices_file))[0]
        if encoding:
            return reg.get_encoding(encoding)
        installed = [entry.spec.name for entry in reg.registered()]
        if DEFAULT_ENCODING in installed or DEFAULT_ENCODING in reg.conflicts() or not installed:
            return reg.get_encoding(DEFAULT_ENCODING)
        if len(installed) == 1:
            return reg.get_encoding(installed[0])
        raise click.UsageError(
            f"{DEFAULT_ENCODING} is not installed; choose one with -e ({', '.join(installed)})"
        )
    except (UnknownEncodingError, UnknownModelError) as exc:
        raise click.UsageError(str(exc)) from None


@cli.command()
@encoding_options
@click.option("--text", "texts", multiple=True, metavar="TEXT", help="Count this text instead.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@click.option(
    "--prices",
    "prices_file",
    metavar="FILE",
    help="A JSON price table whose models -m can name too, as for `llm-cost estimate` "
    "(env LLM_COST_PRICES).",
)
@workers_option("Count each input with N processes (0: one per CPU), in parts of about 4 MB.")
@show_tokens.token_options
@progress.quiet_option
@dask_option("Count the FILEs (paths, globs, fsspec URLs) on Dask, one task per file")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=True, allow_dash=True))
def count(
    encoding: str | None,
    model: str | None,
    texts: tuple[str, ...],
    as_json: bool,
    prices_file: str | None,
    workers: int,
    ids: bool,
    tokens: bool,
    decode: bool,
    truncate: int | None,
    allow_special: bool,
    quiet: bool,
    dask_address: str | None,
    files: tuple[str, ...],
) -> None:
    """Count the tokens of FILEs (stdin when none, or -), or of --text.

    One input prints one integer; several print a table with a total, like `wc`.
    Special-token text such as <|endoftext|> is counted as ordinary text (see --allow-special).
    --ids, --tokens, --decode and --truncate show the tokens of one input instead.
    """
    if texts and files:
        raise click.UsageError("give FILEs or --text, not both")
    flags = {show_tokens.IDS: ids, show_tokens.TOKENS: tokens, show_tokens.DECODE: decode}
    mode = show_tokens.mode(flags, truncate, allow_special, as_json)
    if allow_special and workers > 1:
        raise click.UsageError("--allow-special counts in one process; leave out --workers")
    if dask_address is not None and (
        texts or mode is not None or allow_special or workers > 1 or not files
    ):
        raise click.UsageError(
            "--dask counts FILEs only: name them, and leave out --text, --workers, "
            "--allow-special and the token views"
        )
    enc = resolve_encoding(encoding, model, prices_file)
    if mode is not None:
        show_tokens.run(enc, mode, texts, files, truncate, allow_special, as_json)
        return
    counter = enc.count
    if allow_special:
        counter = functools.partial(show_tokens.count_special, enc)
    labels = [f"--text {i + 1}" for i in range(len(texts))] or list(files) or [STDIN]
    rows: list[dict[str, Any]] = []
    if texts:
        for label, text in zip(labels, map(_checked_text, texts), strict=True):
            rows.append({"input": label, "tokens": counter(text)})
    elif dask_address is not None:
        from . import dask

        found = dask.shards(files)
        labels = [shard.label for shard in found]
        for result in dask.count_dataset(found, enc.name, address=dask_address):
            if result.tokens is None:  # as _count_files says it
                if len(found) == 1:
                    raise click.ClickException(str(result.error))
                _error(str(result.error))
                continue
            warn_replaced(result.label, result.replaced_bytes)
            rows.append({"input": result.label, "tokens": result.tokens})
    else:
        show_progress = progress.wanted(quiet)
        single = len(labels) == 1
        for label, n in _count_files(enc, labels, single, workers, allow_special, show_progress):
            rows.append({"input": "<stdin>" if label == STDIN else label, "tokens": n})
    total = sum(row["tokens"] for row in rows)
    if as_json:
        out: dict[str, Any] = {"encoding": enc.name, "tokens": total}
        if len(labels) > 1:
            out["inputs"] = rows
        click.echo(json.dumps(out))
    elif len(labels) == 1:
        click.echo(total)
    else:
        width = max(len(str(total)), 1)
        for row in rows:
            click.echo(f"{row['tokens']:>{width}} {row['input']}")
        click.echo(f"{total:>{width}} total")
    if len(rows) < len(labels):
        sys.exit(EXIT_RUNTIME)


def _checked_text(text: str) -> str:
    """--text as given; bytes the shell passed that are not UTF-8 are replaced, with a warning."""
    data = text.encode("utf-8", "surrogateescape")
    checked, replaced = decode_utf8(data)
    warn_replaced("--text", replaced)
    return checked


def _count_files(
    enc: Encoding,
    paths: list[str],
    single: bool,
    workers: int,
    allow_special: bool = False,
    show_progress: bool = False,
) -> Iterator[tuple[str, int]]:
    """Each file's tokens, read a block at a time (see `Encoding.count_stream`), with `workers`
    processes when more than one; an unreadable one among several is reported and skipped (the
    exit code then says so), a single one is the error. With `show_progress`, a big one shows
    its progress on stderr."""
    with contextlib.ExitStack() as stack:
        count_stream = enc.count_stream
        if allow_special:
            count_stream = functools.partial(show_tokens.count_special_stream, enc)
        elif workers > 1:
            from .processes import CountPool

            count_stream = stack.enter_context(CountPool(enc, workers)).count
        for path in paths:
            try:
                with (
                    TextStream(path) as stream,
                    Progress(stream.label, stream.expected_size, show_progress) as bar,
                ):
                    try:
                        n = count_stream(bar.track(stream))
                    except MemoryError:
                        raise out_of_memory(
                            f"{stream.label} (after {stream.size >> 20} MB)"
                        ) from None
            except InputError as exc:  # a vocab that cannot load is the command's error
                if single:
                    raise click.ClickException(str(exc)) from None
                _error(str(exc))
                continue
            warn_replaced(stream.label, stream.replaced_bytes)
            yield path, n


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def encodings(as_json: bool) -> None:
    """List the installed encodings: name, aliases, plugin and vocab size."""
    from .plugins import registry

    reg = registry()
    entries = reg.registered()
    if as_json:
        rows = [
            {
                "name": entry.spec.name,
                "aliases": list(entry.spec.aliases),
                "distribution": entry.plugin.distribution,
                "version": entry.plugin.version,
                "n_vocab": entry.spec.n_vocab,
                "special_tokens": len(entry.spec.special_tokens),
                "reference": entry.spec.reference,
            }
            for entry in entries
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not entries:
        raise click.ClickException(reg.no_encoding_message())
    print_table(
        ("ENCODING", "ALIASES", "PLUGIN", "N_VOCAB"),
        [
            (e.spec.name, ",".join(e.spec.aliases) or "-", e.plugin.label, str(e.spec.n_vocab))
            for e in entries
        ],
    )


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Left-aligned columns, two spaces apart, header first; control characters in a cell (a
    name from a plugin or a price file) are escaped."""
    table = [header, *[tuple(map(printable, row)) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


# -- running ---------------------------------------------------------------------------------


def _one_line_warnings(message: Any, category: Any, *_: Any, **__: Any) -> None:
    _stderr_line(f"llm-cost: warning: {message}")


def _stderr_line(text: str) -> None:
    """Write `text` as exactly one line on stderr, even if stderr itself is gone; any other
    control character (from a plugin's message, a name in a file) is escaped."""
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(printable(text.replace("\r", " ").replace("\n", " ")) + "\n")
        sys.stderr.flush()


def _add_plugin_commands() -> None:
    from .plugins import registry

    registry().add_commands(cli)


def _error(message: str) -> None:
    _stderr_line(f"llm-cost: error: {message}")


def _silence_stdout() -> None:
    """After the reader went away (`| head`), send the rest of our output nowhere."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the command and turns every failure into one line."""
    with warnings.catch_warnings():  # the one-line format is the command's, not the caller's
        warnings.showwarning = _one_line_warnings
        # What llm-cost says about the user's input is output, not subject to PYTHONWARNINGS.
        for category in (UserWarning, UnicodeWarning):
            warnings.simplefilter("always", category)
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    if sys.stdout is None or sys.stdin is None:
        _error(f"standard {'output' if sys.stdout is None else 'input'} is closed")
        return EXIT_RUNTIME
    try:
        _add_plugin_commands()
        if instruction := os.environ.get(_complete.COMPLETE_ENV):
            return _complete.run(cli, instruction)
        args = sys.argv[1:] if argv is None else list(argv)
        with cli.make_context("llm-cost", args) as ctx:
            result = cli.invoke(ctx)
        sys.stdout.flush()
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        _error(exc.format_message().rstrip(".") + hint)
        return EXIT_USAGE
    except click.ClickException as exc:
        _error(exc.format_message())
        return exc.exit_code
    except LLMCostError as exc:
        _error(str(exc))
        return EXIT_RUNTIME
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_RUNTIME
    except OSError as exc:
        if exc.filename is not None:  # about a file by name, which the output never is
            _error(f"{exc.filename}: {exc.strerror or exc}")
            return EXIT_RUNTIME
        # Inputs, vocabs and folders raise errors that name them: this is the output failing
        # (a full disk, a closed descriptor).
        _error(f"cannot write the output: {exc.strerror or exc}")
        _silence_stdout()
        return EXIT_RUNTIME
    except MemoryError:  # reading an input says which (`inputs.out_of_memory`)
        _error("out of memory; try fewer --workers, or smaller inputs")
        return EXIT_RUNTIME
    except (KeyboardInterrupt, click.Abort):
        _error("interrupted")
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_RUNTIME
    except BaseException as exc:  # also a plugin's own, let through by LLM_COST_STRICT_PLUGINS
        if _flag("LLM_COST_DEBUG"):
            traceback.print_exc()
        _error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(please report it; LLM_COST_DEBUG=1 shows the traceback)"
        )
        return EXIT_RUNTIME


def run() -> None:
    """The `llm-cost` command, run by the console script `_entry.run` (which also turns a Ctrl-C
    while this module is imported into exit 130)."""
    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()
        code = code or EXIT_RUNTIME
    sys.exit(code)
