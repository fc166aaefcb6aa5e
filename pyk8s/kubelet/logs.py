"""Container logs in the CRI format, the one `kubectl logs` reads through the kubelet.

Every container's output goes to /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log,
one line per line of output:

    2024-05-01T10:00:00.123456789Z stdout F hello

The stream is `stdout` or `stderr`; the tag is `F` for a full line or `P` for a piece of a line
longer than the buffer (the reader joins pieces back together). Timestamps are UTC with
nanoseconds, so `--since-time` and `--timestamps` work without parsing local zones.

The writer imports only the standard library: the container shim runs it in a process of its own.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

# The longest piece written as one log line; longer lines are split into P pieces.
MAX_LINE_BYTES = 16 * 1024
STREAMS = ("stdout", "stderr")


def pod_log_dir(root: str, namespace: str, name: str, uid: str) -> str:
    """The directory holding one pod's container logs, named as the kubelet names it."""
    return os.path.join(root, f"{namespace}_{name}_{uid}")


def container_log_path(pod_dir: str, container: str, restart_count: int) -> str:
    return os.path.join(pod_dir, container, f"{restart_count}.log")


def rfc3339_nano(epoch_ns: int) -> str:
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{nanos:09d}Z"


_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)


def parse_rfc3339(text: str) -> int:
    """Epoch nanoseconds of an RFC 3339 time with any number of fraction digits."""
    match = _RFC3339.match(text.strip())
    if not match:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    whole, fraction, zone = match.groups()
    stamp = datetime.fromisoformat(whole + ("+00:00" if zone.upper() == "Z" else zone))
    nanos = int((fraction or "").ljust(9, "0")[:9])
    return int(stamp.timestamp()) * 1_000_000_000 + nanos


class CRILogWriter:
    """Turns a container's raw stdout/stderr bytes into CRI log lines in one file.

    Each stream keeps its own unfinished line, so interleaved writes never mix within a line.
    """

    def __init__(self, path: str, clock_ns=time.time_ns) -> None:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - lives as long as the writer
        self._pending = {stream: b"" for stream in STREAMS}
        self._clock_ns = clock_ns

    def write(self, stream: str, data: bytes) -> None:
        buffer = self._pending[stream] + data
        out = []
        while True:
            newline = buffer.find(b"\n")
            if newline == -1 or newline > MAX_LINE_BYTES:
                if len(buffer) < MAX_LINE_BYTES:
                    break
                out.append(self._line(stream, b"P", buffer[:MAX_LINE_BYTES]))
                buffer = buffer[MAX_LINE_BYTES:]
                continue
            out.append(self._line(stream, b"F", buffer[:newline]))
            buffer = buffer[newline + 1 :]
        self._pending[stream] = buffer
        if out:
            self._file.write(b"".join(out))

    def close(self) -> None:
        """Flush unfinished lines (a last line without a newline counts as full) and close."""
        for stream in STREAMS:
            if self._pending[stream]:
                self._file.write(self._line(stream, b"F", self._pending[stream]))
                self._pending[stream] = b""
        self._file.close()

    def _line(self, stream: str, tag: bytes, text: bytes) -> bytes:
        stamp = rfc3339_nano(self._clock_ns()).encode()
        return b" ".join((stamp, stream.encode(), tag, text)) + b"\n"


@dataclass(frozen=True)
class LogEntry:
    """One line of a container's output, with pieces already joined."""

    timestamp: str
    stream: str
    text: bytes

    def render(self, timestamps: bool = False) -> bytes:
        """The line as `kubectl logs` prints it (with `--timestamps`: time first)."""
        line = self.text + b"\n"
        return self.timestamp.encode() + b" " + line if timestamps else line


def parse_line(line: bytes) -> tuple[str, str, bytes, bytes]:
    """(timestamp, stream, tag, text) of one CRI log line; ValueError when it is not one."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 3 or parts[1].decode() not in STREAMS or parts[2] not in (b"F", b"P"):
        raise ValueError(f"not a CRI log line: {line[:80]!r}")
    text = parts[3] if len(parts) == 4 else b""
    return parts[0].decode(), parts[1].decode(), parts[2], text


def entries(lines: Iterable[bytes]) -> Iterator[LogEntry]:
    """Join P pieces with the F line that ends them; skip lines that are not CRI lines."""
    pieces: dict[str, list[bytes]] = {stream: [] for stream in STREAMS}
    for raw in lines:
        try:
            stamp, stream, tag, text = parse_line(raw)
        except ValueError:
            continue
        pieces[stream].append(text)
        if tag == b"F":
            yield LogEntry(stamp, stream, b"".join(pieces[stream]))
            pieces[stream] = []


def read_log(
    path: str,
    *,
    tail: int | None = None,
    since_ns: int | None = None,
    streams: Iterable[str] = STREAMS,
    limit_bytes: int | None = None,
) -> list[LogEntry]:
    """The entries of a log file, filtered as `kubectl logs --tail/--since/--limit-bytes` ask."""
    wanted = set(streams)
    try:
        with open(path, "rb") as file:
            found = [e for e in entries(file) if e.stream in wanted]
    except FileNotFoundError:
        return []
    if since_ns is not None:
        found = [e for e in found if parse_rfc3339(e.timestamp) >= since_ns]
    if tail is not None:
        found = found[-tail:] if tail > 0 else []
    if limit_bytes is not None:
        kept, total = [], 0
        for entry in found:
            total += len(entry.text) + 1
            if total > limit_bytes:
                break
            kept.append(entry)
        found = kept
    return found


async def follow_log(
    path: str, *, start_at_end: bool = False, poll_seconds: float = 0.1
) -> AsyncIterator[LogEntry]:
    """Entries as they are written (`kubectl logs -f`); the caller stops iterating when done."""
    import asyncio  # here, not at the top: the shim imports this module and must start fast

    while not os.path.exists(path):
        await asyncio.sleep(poll_seconds)
    with open(path, "rb") as file:
        if start_at_end:
            file.seek(0, os.SEEK_END)
        partial = b""
        pieces: list[bytes] = []
        while True:
            chunk = file.readline()
            if not chunk:
                await asyncio.sleep(poll_seconds)
                continue
            partial += chunk
            if not partial.endswith(b"\n"):
                continue  # the writer is mid-line; wait for the rest
            line, partial = partial, b""
            try:
                stamp, stream, tag, text = parse_line(line)
            except ValueError:
                continue
            pieces.append(text)
            if tag == b"F":
                yield LogEntry(stamp, stream, b"".join(pieces))
                pieces = []
