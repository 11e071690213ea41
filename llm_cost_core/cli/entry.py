"""The `llm-cost` console script: imports the command line only once it can catch Ctrl-C.

The script pip writes runs `from <module> import run` outside any `try`; were that module
`cli.py`, a Ctrl-C while it imports click and the rest (the first ~100 ms) would print a
traceback. Here the imports happen inside `run()`, so start-up is interrupted like any command:
one line, exit 130. This module imports nothing else at import time.
"""

import sys

EXIT_INTERRUPTED = 130


def run() -> None:
    """Run `llm_cost_core.cli.app.run`; a Ctrl-C anywhere in it is exit 130, not a traceback."""
    try:
        from llm_cost_core.cli.app import run as cli_run

        cli_run()
    except KeyboardInterrupt:
        try:
            sys.stderr.write("llm-cost: error: interrupted\n")
            sys.stderr.flush()
        except (AttributeError, OSError, ValueError):  # stderr closed or gone
            pass
        sys.exit(EXIT_INTERRUPTED)
