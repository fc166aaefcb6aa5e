"""SPDY/3 frames: byte layout, round trips, and the shared header-compression stream."""

from __future__ import annotations

import struct
import zlib

import pytest

from pyk8s.streaming import spdy


def round_trip(frames: list[spdy.Frame]) -> list[spdy.Frame]:
    encoder, decoder = spdy.FrameEncoder(), spdy.FrameDecoder()
    return decoder.feed(b"".join(encoder.encode(f) for f in frames))


def test_the_dictionary_is_the_spdy3_one() -> None:
    # 1423 bytes, length-prefixed words first, the free-form tail last.
    assert len(spdy.DICTIONARY) == 1423
    assert spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert spdy.DICTIONARY.endswith(b"charset=iso-8859-1,utf-,*,enq=0.")
    # A zlib stream names its dictionary by this checksum and inflate refuses any other:
    # the header blocks of the real kubectl (tests/integration/streaming) decode with it.
    assert zlib.adler32(spdy.DICTIONARY) == 0xE3C6A7C2


def test_every_frame_type_survives_a_round_trip() -> None:
    frames: list[spdy.Frame] = [
        spdy.SynStream(1, {"streamtype": ["error"], "port": ["80"]}, priority=3),
        spdy.SynReply(1, {}),
        spdy.DataFrame(1, b"payload"),
        spdy.DataFrame(1, b"", fin=True),
        spdy.HeadersFrame(3, {"x": ["a", "b"]}, fin=True),
        spdy.RstStream(3, spdy.CANCEL),
        spdy.Settings(((0, spdy.SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20),)),
        spdy.Ping(7),
        spdy.WindowUpdate(1, 4096),
        spdy.GoAway(5, 0),
        spdy.SynStream(5, {}, fin=True, unidirectional=True),
    ]
    assert round_trip(frames) == frames


def test_data_frame_layout() -> None:
    raw = spdy.FrameEncoder().encode(spdy.DataFrame(5, b"abc", fin=True))
    assert raw == struct.pack(">II", 5, (1 << 24) | 3) + b"abc"


def test_control_frame_layout_carries_version_3() -> None:
    raw = spdy.FrameEncoder().encode(spdy.Ping(9))
    assert raw == bytes.fromhex("80030006") + struct.pack(">I", 4) + struct.pack(">I", 9)


def test_bytes_may_arrive_cut_anywhere() -> None:
    encoder, decoder = spdy.FrameEncoder(), spdy.FrameDecoder()
    frames = [spdy.SynStream(1, {"streamtype": ["data"]}), spdy.DataFrame(1, b"x" * 1000)]
    wire = b"".join(encoder.encode(f) for f in frames)
    received = []
    for offset in range(0, len(wire), 7):
        received += decoder.feed(wire[offset : offset + 7])
    assert received == frames


def test_header_blocks_share_one_compression_stream() -> None:
    encoder = spdy.FrameEncoder()
    first = encoder.encode(spdy.SynStream(1, {"streamtype": ["error"], "requestid": ["0"]}))
    second = encoder.encode(spdy.SynStream(3, {"streamtype": ["error"], "requestid": ["0"]}))
    # The second block refers back to the first, so it is smaller...
    assert len(second) < len(first)
    # ...and a decoder that missed the first cannot read it.
    with pytest.raises(spdy.ProtocolError):
        spdy.FrameDecoder().feed(second)
    decoder = spdy.FrameDecoder()
    assert [f.stream_id for f in decoder.feed(first + second)] == [1, 3]


def test_header_names_are_lower_cased_and_values_split_on_nul() -> None:
    block = spdy.encode_header_block({"StreamType": ["a", "b"]})
    assert spdy.decode_header_block(block) == {"streamtype": ["a", "b"]}
    assert spdy.header({"streamtype": ["a", "b"]}, "StreamType") == "a"


def test_a_zlib_stream_made_by_another_implementation_decodes() -> None:
    # What Go's framer does: one zlib writer primed with the dictionary, flushed per block.
    compressor = zlib.compressobj(9, zdict=spdy.DICTIONARY)
    block = spdy.encode_header_block({"streamtype": ["stdout"]})
    payload = struct.pack(">IIBB", 3, 0, 0, 0) + compressor.compress(block)
    payload += compressor.flush(zlib.Z_SYNC_FLUSH)
    raw = bytes.fromhex("80030001") + struct.pack(">I", len(payload)) + payload
    assert spdy.FrameDecoder().feed(raw) == [spdy.SynStream(3, {"streamtype": ["stdout"]})]


def test_other_versions_are_refused() -> None:
    raw = bytes.fromhex("80020006") + struct.pack(">II", 4, 1)
    with pytest.raises(spdy.ProtocolError, match="version 2"):
        spdy.FrameDecoder().feed(raw)


def test_unknown_control_frames_are_skipped() -> None:
    raw = bytes.fromhex("8003000a") + struct.pack(">I", 2) + b"zz"
    ping = spdy.FrameEncoder().encode(spdy.Ping(1))
    assert spdy.FrameDecoder().feed(raw + ping) == [spdy.Ping(1)]
