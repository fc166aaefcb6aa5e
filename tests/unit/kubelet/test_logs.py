"""The CRI log format: what the shim writes and what `kubectl logs` reads back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pyk8s.kubelet import logs


def fixed_clock():
    ticks = iter(range(1_714_557_600_000_000_000, 2**63, 1_000_000_000))
    return lambda: next(ticks)


def test_one_line_per_line_with_stream_and_full_tag(tmp_path: Path):
    path = tmp_path / "0.log"
    writer = logs.CRILogWriter(str(path), clock_ns=fixed_clock())
    writer.write("stdout", b"hello\nwor")
    writer.write("stderr", b"oops\n")
    writer.write("stdout", b"ld\n")
    writer.close()
    assert path.read_bytes().splitlines() == [
        b"2024-05-01T10:00:00.000000000Z stdout F hello",
        b"2024-05-01T10:00:01.000000000Z stderr F oops",
        b"2024-05-01T10:00:02.000000000Z stdout F world",
    ]


def test_long_lines_are_split_into_partial_pieces_and_joined_on_read(tmp_path: Path):
    path = tmp_path / "0.log"
    writer = logs.CRILogWriter(str(path))
    long_line = b"x" * (logs.MAX_LINE_BYTES * 2 + 10)
    writer.write("stdout", long_line + b"\nlast")
    writer.close()
    tags = [line.split(b" ")[2] for line in path.read_bytes().splitlines()]
    assert tags == [b"P", b"P", b"F", b"F"]
    assert [e.text for e in logs.read_log(str(path))] == [long_line, b"last"]


def test_read_log_filters_like_kubectl_logs(tmp_path: Path):
    path = tmp_path / "0.log"
    writer = logs.CRILogWriter(str(path), clock_ns=fixed_clock())
    for n in range(5):
        writer.write("stdout" if n % 2 == 0 else "stderr", f"line {n}\n".encode())
    writer.close()
    texts = lambda found: [e.text for e in found]  # noqa: E731
    assert texts(logs.read_log(str(path), tail=2)) == [b"line 3", b"line 4"]
    assert texts(logs.read_log(str(path), tail=0)) == []
    since = logs.parse_rfc3339("2024-05-01T10:00:03Z")
    assert texts(logs.read_log(str(path), since_ns=since)) == [b"line 3", b"line 4"]
    assert texts(logs.read_log(str(path), streams=["stderr"])) == [b"line 1", b"line 3"]
    assert texts(logs.read_log(str(path), limit_bytes=14)) == [b"line 0", b"line 1"]
    entry = logs.read_log(str(path))[0]
    assert entry.render(timestamps=True) == b"2024-05-01T10:00:00.000000000Z line 0\n"
    assert logs.read_log(str(tmp_path / "missing.log")) == []


def test_rfc3339_parsing_accepts_zones_and_any_fraction():
    assert logs.parse_rfc3339("2024-05-01T12:00:00.5+02:00") == 1_714_557_600_500_000_000
    assert logs.rfc3339_nano(1_714_557_600_000_000_001) == "2024-05-01T10:00:00.000000001Z"


async def test_follow_yields_lines_as_they_are_written(tmp_path: Path):
    path = tmp_path / "0.log"
    writer = logs.CRILogWriter(str(path))
    writer.write("stdout", b"first\n")
    stream = logs.follow_log(str(path), poll_seconds=0.01)
    assert (await anext(stream)).text == b"first"
    writer.write("stdout", b"sec")
    pending = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.05)
    assert not pending.done()  # half a line is not a line
    writer.write("stdout", b"ond\n")
    assert (await asyncio.wait_for(pending, 2)).text == b"second"
    await stream.aclose()
    writer.close()
