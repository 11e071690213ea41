"""`llm-cost plugins`: what each plugin distribution brings, and what went wrong with it."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from llm_cost_core._text import printable
from llm_cost_core.host.loading import PluginInfo
from llm_cost_core.host.registry import Registry


def describe(reg: Registry) -> dict[str, Any]:
    """Every plugin (core's own included, loaded, failed or left out) and every name conflict.

    Collects models and prices first, so that a plugin whose register_models or
    register_prices raises shows that error too. Reads no vocab.
    """
    reg.models()
    origins = [entry.origin for entry in reg.prices().values()]
    conflicts = reg.conflicts()
    notes = reg.engine_notes()
    rows = []
    for info in reg.plugins.values():
        encodings = [
            {
                "name": entry.spec.name,
                "aliases": list(entry.spec.aliases),
                "contested": [name for name in entry.spec.names if name in conflicts],
            }
            for entry in reg.offered_encodings
            if entry.plugin == info
        ]
        models = [
            {"model": model, "encoding": encoding, "prefix": prefix}
            for who, model, encoding, prefix in reg.offered_models
            if who == info
        ]
        prices = origins.count(info.label)
        errors = [failure.error for failure in reg.failures if failure.name == info.name]
        row = _row(info, "loaded", reg.hooks(info.name), encodings, models, prices, errors)
        row["engines"] = [{"encoding": enc, "note": note} for enc, note in notes.get(info.name, [])]
        rows.append(row)
    for info in reg.failures:
        if info.name not in reg.plugins:
            rows.append(_row(info, "failed", [], [], [], 0, [info.error]))
    for info in reg.skipped:  # error: "not loaded: <the variable that left it out>"
        row = _row(info, "not loaded", [], [], [], 0, [])
        row["reason"] = (info.error or "").removeprefix("not loaded: ")
        rows.append(row)
    rows.sort(key=lambda row: (row["distribution"].lower(), row["name"]))
    return {
        "plugins": rows,
        "conflicts": [
            {"name": name, "plugins": [_ref(info) for info in owners]}
            for name, owners in conflicts.items()
        ],
    }


def _ref(info: PluginInfo) -> dict[str, str]:
    return {"name": info.name, "distribution": info.distribution, "version": info.version}


def _row(
    info: PluginInfo,
    status: str,
    hooks: list[str],
    encodings: list[dict[str, Any]],
    models: list[dict[str, Any]],
    prices: int,
    errors: list[str | None],
) -> dict[str, Any]:
    return {
        **_ref(info),
        "status": status,
        "hooks": hooks,
        "encodings": encodings,
        "models": models,
        "prices": prices,
        "errors": [error for error in errors if error],
        "reason": None,
        "engines": [],
    }


@click.command(name="plugins")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def command(as_json: bool) -> None:
    """List each installed plugin: distribution, version, the hooks it implements, the encodings
    and models it provides, and why it failed or was not loaded.

    Core's own plugin is listed like any other. LLM_COST_LOAD_PLUGINS (only these) and
    LLM_COST_DISABLE_PLUGINS (all but these) select plugins by plugin or distribution name.
    Reads no vocab.
    """
    from llm_cost_core.host.registry import registry

    out = describe(registry())
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    for number, row in enumerate(out["plugins"]):
        if number:
            click.echo()
        label = " ".join(part for part in (row["distribution"], row["version"]) if part)
        status = "" if row["status"] == "loaded" else f" [{row['status']}]"
        if row["reason"]:
            status = f" [{row['status']}: {row['reason']}]"
        click.echo(printable(f"{label} (plugin {row['name']}){status}"))
        lines = []
        if row["hooks"]:
            lines.append(("hooks", ", ".join(row["hooks"])))
        if row["encodings"]:
            lines.append(("encodings", ", ".join(_encoding(e) for e in row["encodings"])))
        if row["engines"]:
            lines.append(
                ("engines", "; ".join(f"{e['encoding']}: {e['note']}" for e in row["engines"]))
            )
        if row["models"]:
            lines.append(("models", _models(row["models"])))
        if row["prices"]:
            lines.append(("prices", f"{row['prices']} model{'s' if row['prices'] != 1 else ''}"))
        lines += [("error", error) for error in row["errors"]]
        for key, value in lines:
            wrapped = textwrap.wrap(printable(value), width=86, break_on_hyphens=False) or [""]
            click.echo(f"  {key:<10} {wrapped[0]}")
            for more in wrapped[1:]:
                click.echo(f"  {'':<10} {more}")
    if out["conflicts"]:
        click.echo()
        click.echo("conflicts (these names select no encoding; uninstall one of the plugins):")
        for conflict in out["conflicts"]:
            owners = " and ".join(
                f"{owner['distribution']} {owner['version']}".strip()
                for owner in conflict["plugins"]
            )
            click.echo(printable(f"  {conflict['name']}: {owners}"))


def _encoding(entry: dict[str, Any]) -> str:
    aliases = f" ({', '.join(entry['aliases'])})" if entry["aliases"] else ""
    contested = f" [contested: {', '.join(entry['contested'])}]" if entry["contested"] else ""
    return f"{entry['name']}{aliases}{contested}"


def _models(models: list[dict[str, Any]]) -> str:
    """`cl100k: gpt-4, gpt-4-*; o200k: ...`: names by encoding, a prefix ending in *."""
    by_encoding: dict[str, list[str]] = {}
    for entry in models:
        name = entry["model"] + ("*" if entry["prefix"] else "")
        by_encoding.setdefault(entry["encoding"], []).append(name)
    return "; ".join(f"{encoding}: {', '.join(names)}" for encoding, names in by_encoding.items())
