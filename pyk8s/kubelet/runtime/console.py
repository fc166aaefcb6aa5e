"""Passing a terminal's master side between processes, as runc's `--console-socket` does.

When runc gives a container process a new terminal and does not stay in the foreground
itself, it opens the pseudo-terminal inside the container, connects to a Unix socket the
caller named, and sends the master file descriptor over it as SCM_RIGHTS ancillary data.
Whoever holds the master then *is* the terminal's other end: what it writes, the process
reads as typed input; what the process prints, it reads; and TIOCSWINSZ on it resizes the
terminal (the kernel sends the process SIGWINCH).

These helpers are the two ends of that hand-over, plus the window-size ioctl. They use only
the standard library, since the exec helper (tty_exec.py) runs without site-packages.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import socket
import struct
import termios
import time
from collections.abc import Callable


class ConsoleError(OSError):
    """No terminal arrived: the sender failed or never connected."""


def listen(path: str) -> socket.socket:
    """A console socket at `path`, ready for runc to connect to."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    return listener


def receive_fd(connection: socket.socket) -> tuple[bytes, int]:
    """One message and the file descriptor sent with it (SCM_RIGHTS)."""
    message, fds, _, _ = socket.recv_fds(connection, 4096, 1)
    if not fds:
        raise ConsoleError(f"no file descriptor came with {message!r}")
    return message, fds[0]


def accept_master(listener: socket.socket, gave_up: Callable[[], bool], timeout: float) -> int:
    """The terminal master runc sends to `listener`; `gave_up()` says the sender has failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([listener], [], [], 0.05)
        if ready:
            connection, _ = listener.accept()
            with connection:
                return receive_fd(connection)[1]
        if gave_up():
            raise ConsoleError("runc exited without sending a terminal")
    raise ConsoleError(f"no terminal arrived within {timeout}s")


def send_fd(connection: socket.socket, message: bytes, fd: int) -> None:
    socket.send_fds(connection, [message], [fd])


def set_window_size(fd: int, width: int, height: int) -> None:
    """Resize the terminal whose master (or slave) is `fd`: rows first, as the kernel wants."""
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def window_size(fd: int) -> tuple[int, int]:
    """(width, height) of the terminal behind `fd`."""
    height, width, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return width, height


def close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
