"""Core's subcommands beyond `count` and `encodings`, one module each.

Each module defines `command`, a click command; core's own plugin (`_defaults.py`) adds them
through the `register_commands` hook, exactly as a third-party plugin adds its own. `tokens`
(count's --ids, --tokens, --decode, --truncate) and the modules whose names start with `_` are
helpers, not commands.
"""

MODULES: tuple[str, ...] = (
    "estimate",
    "models",
    "pipe",
    "report",
    "parity",
    "plugins",
    "new_plugin",
)
