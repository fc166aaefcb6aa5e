"""SPDY/3.1 frames: the byte layout, and the compressed header blocks.

Kubernetes still speaks SPDY for two things: `kubectl exec/attach` when WebSockets are off,
and `kubectl port-forward` (even inside its WebSocket tunnel). The Go side is
moby/spdystream, which speaks version 3 frames; this module encodes and decodes exactly
those. It does no I/O: `FrameEncoder.encode(frame) -> bytes` and
`FrameDecoder.feed(bytes) -> [frames]`. The multiplexer is spdy_session.py.

Layout (all integers big-endian):

    control frame:  1 | version(15) | type(16) | flags(8) | length(24) | payload
    data frame:     0 | stream id(31)          | flags(8) | length(24) | payload

Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are a count of name/value pairs, each part
prefixed by its 32-bit length, several values of one name joined by NUL. Each direction of
a connection compresses all its header blocks as ONE zlib stream, primed with the fixed
dictionary below, and flushed (Z_SYNC_FLUSH) at the end of every block: a block can only be
decoded by the decompressor that saw every block before it.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

VERSION = 3
FLAG_FIN = 0x01
FLAG_UNIDIRECTIONAL = 0x02
MAX_DATA_LENGTH = (1 << 24) - 1
DEFAULT_WINDOW = 64 * 1024

SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS = 1, 2, 3, 4
PING, GOAWAY, HEADERS, WINDOW_UPDATE = 6, 7, 8, 9
SETTINGS_INITIAL_WINDOW_SIZE = 7

# RST_STREAM status codes.
PROTOCOL_ERROR, INVALID_STREAM, REFUSED_STREAM, CANCEL = 1, 2, 3, 5
INTERNAL_ERROR, FLOW_CONTROL_ERROR = 6, 7


class ProtocolError(Exception):
    """The peer sent bytes that are not SPDY/3 frames."""


# The compression dictionary of the SPDY/3 draft: common header names and values, each
# word preceded by its 32-bit length, then a run of common status lines, dates and values.
_DICTIONARY_NAMES = (
    "options head post put delete trace accept accept-charset accept-encoding "
    "accept-language accept-ranges age allow authorization cache-control connection "
    "content-base content-encoding content-language content-length content-location "
    "content-md5 content-range content-type date etag expect expires from host if-match "
    "if-modified-since if-none-match if-range if-unmodified-since last-modified location "
    "max-forwards pragma proxy-authenticate proxy-authorization range referer retry-after "
    "server te trailer transfer-encoding upgrade user-agent vary via warning "
    "www-authenticate method get status"
)
_DICTIONARY_WORDS = (
    *_DICTIONARY_NAMES.split(" "),
    *("200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin"),
)
_DICTIONARY_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417"
    "502504505203 Non-Authoritative Information204 No Content301 Moved Permanently"
    "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error"
    "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct "
    "Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,"
    "image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8"
    "charset=iso-8859-1,utf-,*,enq=0."
)
DICTIONARY = (
    b"".join(struct.pack(">I", len(word)) + word.encode() for word in _DICTIONARY_WORDS)
    + _DICTIONARY_TAIL.encode()
)

Headers = dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class DataFrame:
    stream_id: int
    data: bytes
    fin: bool = False


@dataclass(frozen=True, slots=True)
class SynStream:
    stream_id: int
    headers: Headers = field(default_factory=dict)
    associated_to: int = 0
    priority: int = 0
    fin: bool = False
    unidirectional: bool = False


@dataclass(frozen=True, slots=True)
class SynReply:
    stream_id: int
    headers: Headers = field(default_factory=dict)
    fin: bool = False


@dataclass(frozen=True, slots=True)
class RstStream:
    stream_id: int
    status: int


@dataclass(frozen=True, slots=True)
class Settings:
    # (flags, id, value) per entry.
    entries: tuple[tuple[int, int, int], ...] = ()
    clear: bool = False


@dataclass(frozen=True, slots=True)
class Ping:
    ping_id: int


@dataclass(frozen=True, slots=True)
class GoAway:
    last_good_stream_id: int
    status: int = 0


@dataclass(frozen=True, slots=True)
class HeadersFrame:
    stream_id: int
    headers: Headers = field(default_factory=dict)
    fin: bool = False


@dataclass(frozen=True, slots=True)
class WindowUpdate:
    stream_id: int
    delta: int


Frame = (
    DataFrame | SynStream | SynReply | RstStream | Settings | Ping | GoAway | HeadersFrame
    | WindowUpdate
)  # fmt: skip


def header(headers: Headers, name: str, default: str = "") -> str:
    """The first value of a header (names are lower case on the wire)."""
    values = headers.get(name.lower())
    return values[0] if values else default


def encode_header_block(headers: Headers) -> bytes:
    """A header block, uncompressed; names are lower-cased as SPDY/3 requires."""
    parts = [struct.pack(">I", len(headers))]
    for name, values in headers.items():
        raw_name = name.lower().encode()
        raw_value = "\x00".join(values).encode()
        parts += [struct.pack(">I", len(raw_name)), raw_name]
        parts += [struct.pack(">I", len(raw_value)), raw_value]
    return b"".join(parts)


def decode_header_block(block: bytes) -> Headers:
    try:
        (count,) = struct.unpack_from(">I", block)
        offset, headers = 4, {}
        for _ in range(count):
            name, offset = _length_prefixed(block, offset)
            value, offset = _length_prefixed(block, offset)
            headers.setdefault(name.decode().lower(), []).extend(value.decode().split("\x00"))
    except (struct.error, UnicodeDecodeError) as err:
        raise ProtocolError(f"bad header block: {err}") from None
    return headers


def _length_prefixed(block: bytes, offset: int) -> tuple[bytes, int]:
    (length,) = struct.unpack_from(">I", block, offset)
    end = offset + 4 + length
    if end > len(block):
        raise struct.error("header block ends inside a name or value")
    return block[offset + 4 : end], end


def _control(frame_type: int, flags: int, payload: bytes) -> bytes:
    head = struct.pack(">HHI", 0x8000 | VERSION, frame_type, (flags << 24) | len(payload))
    return head + payload


class FrameEncoder:
    """Frames to bytes, for one direction of one connection (it owns the zlib stream)."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zdict=DICTIONARY)

    def _compress(self, headers: Headers) -> bytes:
        block = encode_header_block(headers)
        return self._compressor.compress(block) + self._compressor.flush(zlib.Z_SYNC_FLUSH)

    def encode(self, frame: Frame) -> bytes:
        match frame:
            case DataFrame(stream_id, data, fin):
                if len(data) > MAX_DATA_LENGTH:
                    raise ValueError("a data frame carries at most 16 MiB - 1 bytes")
                flags = FLAG_FIN if fin else 0
                return struct.pack(">II", stream_id, (flags << 24) | len(data)) + data
            case SynStream(stream_id, headers, associated_to, priority, fin, unidirectional):
                flags = (FLAG_FIN if fin else 0) | (FLAG_UNIDIRECTIONAL if unidirectional else 0)
                fixed = struct.pack(">IIBB", stream_id, associated_to, (priority & 7) << 5, 0)
                return _control(SYN_STREAM, flags, fixed + self._compress(headers))
            case SynReply(stream_id, headers, fin):
                payload = struct.pack(">I", stream_id) + self._compress(headers)
                return _control(SYN_REPLY, FLAG_FIN if fin else 0, payload)
            case HeadersFrame(stream_id, headers, fin):
                payload = struct.pack(">I", stream_id) + self._compress(headers)
                return _control(HEADERS, FLAG_FIN if fin else 0, payload)
            case RstStream(stream_id, status):
                return _control(RST_STREAM, 0, struct.pack(">II", stream_id, status))
            case Settings(entries, clear):
                payload = struct.pack(">I", len(entries)) + b"".join(
                    struct.pack(">II", (flags << 24) | ident, value)
                    for flags, ident, value in entries
                )
                return _control(SETTINGS, 1 if clear else 0, payload)
            case Ping(ping_id):
                return _control(PING, 0, struct.pack(">I", ping_id))
            case GoAway(last_good, status):
                return _control(GOAWAY, 0, struct.pack(">II", last_good, status))
            case WindowUpdate(stream_id, delta):
                return _control(WINDOW_UPDATE, 0, struct.pack(">II", stream_id, delta))
        raise TypeError(f"not a SPDY frame: {frame!r}")


class FrameDecoder:
    """Bytes to frames, for one direction of one connection; bytes may arrive in any cuts."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._decompressor = zlib.decompressobj(zdict=DICTIONARY)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames = []
        while len(self._buffer) >= 8:
            (length_word,) = struct.unpack_from(">I", self._buffer, 4)
            length = length_word & 0xFFFFFF
            if len(self._buffer) < 8 + length:
                break
            head = bytes(self._buffer[:8])
            payload = bytes(self._buffer[8 : 8 + length])
            del self._buffer[: 8 + length]
            frame = self._decode(head, length_word >> 24, payload)
            if frame is not None:
                frames.append(frame)
        return frames

    def _headers(self, compressed: bytes) -> Headers:
        try:
            block = self._decompressor.decompress(compressed)
        except zlib.error as err:
            raise ProtocolError(f"cannot decompress a header block: {err}") from None
        return decode_header_block(block)

    def _decode(self, head: bytes, flags: int, payload: bytes) -> Frame | None:
        (first,) = struct.unpack_from(">I", head)
        if not first & 0x80000000:
            return DataFrame(first & 0x7FFFFFFF, payload, bool(flags & FLAG_FIN))
        version, frame_type = (first >> 16) & 0x7FFF, first & 0xFFFF
        if version != VERSION:
            raise ProtocolError(f"SPDY version {version} is not supported")
        fin = bool(flags & FLAG_FIN)
        try:
            return self._decode_control(frame_type, flags, fin, payload)
        except struct.error as err:
            raise ProtocolError(f"short control frame of type {frame_type}: {err}") from None

    def _decode_control(self, frame_type: int, flags: int, fin: bool, payload: bytes):
        if frame_type == SYN_STREAM:
            stream_id, associated, priority, _slot = struct.unpack_from(">IIBB", payload)
            return SynStream(
                stream_id & 0x7FFFFFFF, self._headers(payload[10:]), associated & 0x7FFFFFFF,
                priority >> 5, fin, bool(flags & FLAG_UNIDIRECTIONAL),
            )  # fmt: skip
        if frame_type in (SYN_REPLY, HEADERS):
            (stream_id,) = struct.unpack_from(">I", payload)
            kind = SynReply if frame_type == SYN_REPLY else HeadersFrame
            return kind(stream_id & 0x7FFFFFFF, self._headers(payload[4:]), fin)
        if frame_type == RST_STREAM:
            stream_id, status = struct.unpack_from(">II", payload)
            return RstStream(stream_id & 0x7FFFFFFF, status)
        if frame_type == SETTINGS:
            (count,) = struct.unpack_from(">I", payload)
            entries = []
            for index in range(count):
                word, value = struct.unpack_from(">II", payload, 4 + 8 * index)
                entries.append((word >> 24, word & 0xFFFFFF, value))
            return Settings(tuple(entries), bool(flags & 1))
        if frame_type == PING:
            return Ping(struct.unpack_from(">I", payload)[0])
        if frame_type == GOAWAY:
            last_good, status = struct.unpack_from(">II", payload)
            return GoAway(last_good & 0x7FFFFFFF, status)
        if frame_type == WINDOW_UPDATE:
            stream_id, delta = struct.unpack_from(">II", payload)
            return WindowUpdate(stream_id & 0x7FFFFFFF, delta & 0x7FFFFFFF)
        return None  # unknown control frames are ignored, as the draft asks
