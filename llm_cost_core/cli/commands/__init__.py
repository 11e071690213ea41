"""Every command of core's, one module each, each defining `command` (a click command).

The command line (`cli.app`) adds them in this order; plugins' commands come after and may not
replace them. `tokens` (count's --ids, --tokens, --decode, --truncate) is a helper of `count`,
not a command.
"""

COMMANDS: tuple[str, ...] = (
    "count",
    "encodings",
    "estimate",
    "models",
    "pipe",
    "report",
    "parity",
    "plugins",
    "new_plugin",
)
