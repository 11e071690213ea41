"""Plugins installed without pip: a module and its .dist-info in a folder put on sys.path.

`importlib.metadata` finds such a distribution and its `llm_cost` entry point exactly as it finds
one pip installed, so loading, selection by distribution name and `llm-cost plugins` see a real
distribution name and version; a subprocess sees it through PYTHONPATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoint, distributions
from pathlib import Path
from typing import Any


def write_plugin(
    site: Path,
    distribution: str,
    module: str,
    source: str,
    *,
    version: str = "1.0",
    entry_point: str | None = None,
) -> Path:
    """`module.py` and `DIST-VERSION.dist-info` (METADATA, entry_points.txt) in `site`."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{distribution.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[llm_cost]\n{entry_point or module} = {module}\n", encoding="utf-8"
    )
    return site


def plugin_site(tmp_path: Path, monkeypatch: Any, prefix: str) -> Iterator[Path]:
    """For a fixture: a folder for fake plugin distributions, on sys.path here and for
    subprocesses (`env_with`), with the plugin-selection variables unset; afterwards the
    modules named `prefix...` are forgotten and the registry is built afresh."""
    from llm_cost_core.host.loading import DISABLE_ENV, LOAD_ENV, STRICT_ENV
    from llm_cost_core.host.registry import reset_registry

    where = tmp_path / "site"
    where.mkdir()
    monkeypatch.syspath_prepend(str(where))
    for name in (LOAD_ENV, DISABLE_ENV, STRICT_ENV):
        monkeypatch.delenv(name, raising=False)
    before = set(sys.modules)
    yield where
    for module in set(sys.modules) - before:
        if module.startswith(prefix):
            del sys.modules[module]
    reset_registry()


def entry_points_in(site: Path) -> list[EntryPoint]:
    """The `llm_cost` entry points of the distributions in `site` (with `.dist` set)."""
    return [
        ep
        for dist in distributions(path=[str(site)])
        for ep in dist.entry_points
        if ep.group == "llm_cost"
    ]


def env_with(site: Path, **extra: str) -> dict[str, str]:
    """The environment of a subprocess that also sees the plugins in `site`."""
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def run_llm_cost(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `llm-cost` console script (beside this interpreter), in a fresh process."""
    beside = Path(sys.executable).with_name("llm-cost")
    command = str(beside) if beside.exists() else shutil.which("llm-cost") or "llm-cost"
    return subprocess.run([command, *args], capture_output=True, text=True, env=env)


def installed_scaffold(tmp_path: Path, name: str = "demo-tok") -> tuple[Path, dict[str, str]]:
    """Scaffold `name` and make it importable with its entry point, as `pip install -e` would;
    the folder, and the environment a subprocess needs to see it."""
    from llm_cost_core.cli.commands.new_plugin import scaffold, values

    root = tmp_path / f"llm-cost-{name}"
    scaffold(name, root)
    mapping = values(name)
    info = root / f"{mapping['package']}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {mapping['distribution']}\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[llm_cost]\n{mapping['entry_point']} = {mapping['package']}\n"
    )
    return root, {"PYTHONPATH": str(root)}


def run_pytest(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """pytest, verbose, in a fresh process in `root` (so `root` is its rootdir)."""
    path = os.pathsep.join(p for p in (env.get("PYTHONPATH"), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, **env, "PYTHONPATH": path},
    )


TOY = """
import llm_cost_core as lc

LOADS = []  # one entry per vocab load, so tests can see that loading is lazy and done once

def load_ranks():
    LOADS.append(1)
    return {{bytes([b]): b for b in range(256)}}

SPEC = lc.EncodingSpec(
    name={name!r}, aliases={aliases!r}, pattern=r"\\S+|\\s+", special_tokens={{"<|end|>": 256}},
    n_vocab=257, load_ranks=load_ranks, vocab_sha256="0" * 64,
)

@lc.hookimpl
def register_encodings(register):
    register(SPEC)

@lc.hookimpl
def register_models(register):
    register({name!r} + "-model", {name!r})
    register({name!r} + "-", {name!r}, prefix=True)
"""
"""A plugin of one byte-level encoding (one token per byte) and two model names."""


def toy(name: str, aliases: tuple[str, ...] = ()) -> str:
    return TOY.format(name=name, aliases=tuple(aliases))
