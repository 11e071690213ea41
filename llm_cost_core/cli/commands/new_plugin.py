"""`llm-cost new-plugin NAME`: scaffold a plugin distribution whose own test suite passes.

The files come from `llm_cost_core/templates/plugin/` (package data of the core wheel): a
`.tmpl` file has `{{key}}` placeholders filled in and loses its suffix, a folder named PACKAGE
becomes the package, anything else is copied byte for byte. The template's vocab is a toy (256
bytes and 256 merges, see tools/make_plugin_template.py) with a corpus written by tiktoken's
engine, so the scaffold is a working plugin from the first `pytest`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from importlib.abc import Traversable

TEMPLATE = files("llm_cost_core") / "templates" / "plugin"
PATTERN = r"""'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s"""
"""The template's pre-tokenizer: GPT-2's, as tiktoken's r50k_base writes it."""
SPECIAL_TOKEN = "<|endoftext|>"
NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def values(name: str) -> dict[str, str]:
    """What the placeholders stand for, for the encoding `name`."""
    from llm_cost_core._version import __version__

    major, minor = (int(part) for part in __version__.split(".")[:2])
    vocab = (TEMPLATE / "PACKAGE" / "vocab.tiktoken").read_bytes()
    package = "llm_cost_" + name.replace("-", "_")
    return {
        "name": name,
        "distribution": f"llm-cost-{name}",
        "package": package,
        "entry_point": name.replace("-", "_"),
        "core_range": f">={major}.{minor},<{major}.{minor + 1}",
        "pattern": PATTERN,
        "special_token": SPECIAL_TOKEN,
        "special_id": str(len(vocab.splitlines())),
        "n_vocab": str(len(vocab.splitlines()) + 1),
        "vocab_sha256": hashlib.sha256(vocab).hexdigest(),
    }


def fill(text: str, mapping: dict[str, str]) -> str:
    """`{{key}}` replaced by `mapping[key]`; an unknown key is a bug in the template."""
    return PLACEHOLDER.sub(lambda match: mapping[match.group(1)], text)


def scaffold(name: str, target: Path) -> list[Path]:
    """Write the plugin for encoding `name` into `target` (which must not exist); the files.

    The files are written into a new folder beside `target`, renamed to `target` once complete,
    so a failure (a full disk) leaves no partial plugin behind."""
    mapping = values(name)
    written: list[Path] = []

    def copy(source: Traversable, destination: Path) -> None:
        for item in sorted(source.iterdir(), key=lambda item: item.name):
            if item.name == "__pycache__":
                continue
            out_name = mapping["package"] if item.name == "PACKAGE" else item.name
            if item.is_dir():
                (destination / out_name).mkdir()
                copy(item, destination / out_name)
            elif item.name.endswith(".tmpl"):
                out = destination / out_name.removesuffix(".tmpl")
                out.write_text(fill(item.read_text(encoding="utf-8"), mapping), encoding="utf-8")
                written.append(out)
            else:
                out = destination / out_name
                out.write_bytes(item.read_bytes())
                written.append(out)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    staging.mkdir()
    try:
        copy(TEMPLATE, staging)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / path.relative_to(staging) for path in written]


@click.command(name="new-plugin")
@click.argument("name")
@click.option(
    "-d",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="Where to create the llm-cost-NAME folder.",
)
def command(name: str, directory: Path) -> None:
    """Create llm-cost-NAME/, a plugin distribution for the encoding NAME, ready to install and
    test.

    NAME is lower case letters and digits, words joined by hyphens (mytok, acme-v2). The plugin
    ships a toy vocab and a parity corpus, maps the model NAME-demo, prices it, and its test
    suite runs llm-cost's parity checks (llm_cost_core.testing). The guide "Writing a plugin"
    says what to change next.
    """
    if not NAME.fullmatch(name):
        raise click.UsageError(
            f"{name!r} is not a plugin name: use lower case letters and digits, words joined by "
            "hyphens (e.g. mytok, acme-v2)"
        )
    from importlib.metadata import PackageNotFoundError, distribution

    from llm_cost_core.errors import UnknownEncodingError
    from llm_cost_core.host.registry import registry

    try:
        taken = registry().lookup(name)
    except UnknownEncodingError:
        pass
    except Exception:  # a contested name is taken too
        raise click.UsageError(f"encoding name {name!r} is already taken; choose another") from None
    else:
        raise click.UsageError(
            f"{taken.plugin.label} already provides encoding {name!r}; choose another name"
        )
    try:
        installed = distribution(f"llm-cost-{name}")
    except PackageNotFoundError:
        pass
    else:  # llm-cost-core above all: its scaffold would replace core itself
        raise click.UsageError(
            f"a distribution llm-cost-{name} {installed.version} is installed; choose another name"
        )
    target = directory / f"llm-cost-{name}"
    try:
        if target.exists():
            raise click.ClickException(f"{target} already exists; remove it or choose another name")
        written = scaffold(name, target)
    except OSError as exc:  # a name too long for the file system, a full disk, no permission
        raise click.ClickException(f"cannot create {target}: {exc.strerror or exc}") from None
    package = values(name)["package"]
    click.echo(f"created {target}/: {len(written)} files, package {package}, encoding {name}")
    click.echo("next:")
    click.echo(f"  cd {target}")
    click.echo("  pip install -e '.[test]'")
    click.echo("  pytest")
    click.echo(f"  llm-cost -e {name} --text 'hello world'")
