"""kubectl exec -it: the command gets a terminal of the size of kubectl's own terminal."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import struct
import subprocess
import termios
import time

import pytest

from tests.integration.streaming.conftest import POD, Cluster, stop_process

SPDY = {"KUBECTL_REMOTE_COMMAND_WEBSOCKETS": "false"}
SCRIPT = "read line; stty size; echo got:$line; exit 5"


def _read_until_exit(master: int, process: subprocess.Popen, timeout: float) -> bytes:
    output, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: kubectl has exited and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=5)
    return output


@pytest.mark.parametrize("env", [{}, SPDY], ids=["websocket", "spdy"])
async def test_exec_with_a_terminal(cluster: Cluster, env) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = cluster.popen(
        "exec", "-it", POD, "--", "sh", "-c", SCRIPT, env=env,
        stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    try:
        await asyncio.sleep(1.0)  # let kubectl connect and send its terminal size
        os.write(master, b"hello\r")
        output = await asyncio.to_thread(_read_until_exit, master, process, 20)
    finally:
        stop_process(process)
        os.close(master)
    text = output.decode(errors="replace")
    assert "30 100" in text, text
    assert "got:hello" in text, text
    assert process.returncode == 5, text
