"""The `llm-cost` command line.

Errors are one line on stderr, `llm-cost: error: ...`, with exit code 1 (runtime), 2 (usage) or
3 (budget or quota); never a traceback unless LLM_COST_DEBUG=1.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import traceback
import warnings
from typing import TYPE_CHECKING

import click

from llm_cost_core._env import flag as _flag
from llm_cost_core._text import printable
from llm_cost_core._version import __version__
from llm_cost_core.cli import commands, complete
from llm_cost_core.cli.commands import COMMANDS
from llm_cost_core.cli.output import (
    EXIT_RUNTIME,
    EXIT_USAGE,
    error_line,
    silence_stdout,
    warning_line,
)
from llm_cost_core.errors import LLMCostError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem


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
        from llm_cost_core._text import did_you_mean

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
    from llm_cost_core.host.registry import registry

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


def _add_commands() -> None:
    """Core's commands, then every plugin's (which may not replace core's)."""
    from llm_cost_core.host.registry import registry

    for name in COMMANDS:
        cli.add_command(importlib.import_module(f"{commands.__name__}.{name}").command)
    registry().add_commands(cli)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the command and turns every failure into one line."""
    with warnings.catch_warnings():  # the one-line format is the command's, not the caller's
        warnings.showwarning = warning_line
        # What llm-cost says about the user's input is output, not subject to PYTHONWARNINGS.
        for category in (UserWarning, UnicodeWarning):
            warnings.simplefilter("always", category)
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    if sys.stdout is None or sys.stdin is None:
        error_line(f"standard {'output' if sys.stdout is None else 'input'} is closed")
        return EXIT_RUNTIME
    try:
        _add_commands()
        if instruction := os.environ.get(complete.COMPLETE_ENV):
            return complete.run(cli, instruction)
        args = sys.argv[1:] if argv is None else list(argv)
        with cli.make_context("llm-cost", args) as ctx:
            result = cli.invoke(ctx)
        sys.stdout.flush()
        return result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        error_line(exc.format_message().rstrip(".") + hint)
        return EXIT_USAGE
    except click.ClickException as exc:
        error_line(exc.format_message())
        return exc.exit_code
    except LLMCostError as exc:
        error_line(str(exc))
        return EXIT_RUNTIME
    except BrokenPipeError:
        silence_stdout()
        return EXIT_RUNTIME
    except OSError as exc:
        if exc.filename is not None:  # about a file by name, which the output never is
            error_line(f"{exc.filename}: {exc.strerror or exc}")
            return EXIT_RUNTIME
        # Inputs, vocabs and folders raise errors that name them: this is the output failing
        # (a full disk, a closed descriptor).
        error_line(f"cannot write the output: {exc.strerror or exc}")
        silence_stdout()
        return EXIT_RUNTIME
    except MemoryError:  # reading an input says which (`inputs.out_of_memory`)
        error_line("out of memory; try fewer --workers, or smaller inputs")
        return EXIT_RUNTIME
    except (KeyboardInterrupt, click.Abort):
        error_line("interrupted")
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_RUNTIME
    except BaseException as exc:  # also a plugin's own, let through by LLM_COST_STRICT_PLUGINS
        if _flag("LLM_COST_DEBUG"):
            traceback.print_exc()
        error_line(
            f"internal error: {type(exc).__name__}: {exc} "
            "(please report it; LLM_COST_DEBUG=1 shows the traceback)"
        )
        return EXIT_RUNTIME


def run() -> None:
    """The `llm-cost` command, run by the console script `entry.run` (which also turns a Ctrl-C
    while this module is imported into exit 130)."""
    code = main()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        silence_stdout()
        code = code or EXIT_RUNTIME
    sys.exit(code)
