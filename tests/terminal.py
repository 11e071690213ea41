"""Running a command as in a person's shell: stderr on a pseudo-terminal."""

from __future__ import annotations

import os
import subprocess
import threading
from typing import Any


def run_on_a_terminal(args: list[str], stdin: bytes, **kwargs: Any) -> subprocess.CompletedProcess:
    """Run with stderr on a pseudo-terminal, as in a person's shell; what it wrote there is
    returned as stderr (the terminal writes each line break as CRLF)."""
    controller, terminal = os.openpty()
    with subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=terminal, **kwargs
    ) as proc:
        os.close(terminal)
        seen: list[bytes] = []
        reader = threading.Thread(target=_read_all, args=(controller, seen))
        reader.start()
        stdout, _ = proc.communicate(stdin)
        reader.join()
    os.close(controller)
    return subprocess.CompletedProcess(args, proc.returncode, stdout, b"".join(seen))


def _read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the other side is closed
            return
        if not data:
            return
        into.append(data)
