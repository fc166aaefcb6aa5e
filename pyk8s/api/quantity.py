"""resource.Quantity: "100m" of CPU, "1Gi" of memory, parsed and printed as Kubernetes does.

A quantity is an exact decimal number plus the notation it was written in (its *format*):
decimal SI suffixes (``m``, ``k``, ``M`` ...), binary SI suffixes (``Ki``, ``Mi`` ...), or a
decimal exponent (``1e3``). Guarantees, matching apimachinery:

- parsing keeps the value exactly, except that a non-zero value is rounded away from zero to
  a whole number of nano units (``1n``) and magnitudes are capped at 2^63-1;
- `canonical()` is the text the API server stores and returns: no fractional digits, the
  largest suffix that loses nothing, in the notation the value was written in ("0.5" ->
  "500m", "1000m" -> "1", "1536Mi" stays, "1024Mi" -> "1Gi", "1e3" stays "1e3");
- arithmetic and comparisons are exact.

Values are held as an integer count of nano units, so everything is integer arithmetic.
"""

from __future__ import annotations

import functools
import math
import re

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

FORMAT_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
SUFFIX_ERROR = "unable to parse quantity's suffix"
NUMERIC_ERROR = "unable to parse numeric part of quantity"

NANO = 10**9
# Kubernetes caps every quantity at the largest int64, whatever its suffix.
MAX_MAGNITUDE = (2**63 - 1) * NANO

_DECIMAL_EXPONENTS = {
    "n": -9,
    "u": -6,
    "m": -3,
    "": 0,
    "k": 3,
    "M": 6,
    "G": 9,
    "T": 12,
    "P": 15,
    "E": 18,
}
_DECIMAL_SUFFIXES = {exp: suffix for suffix, exp in _DECIMAL_EXPONENTS.items()}
_BINARY_POWERS = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_BINARY_SUFFIXES = {power // 10: suffix for suffix, power in _BINARY_POWERS.items()}

# sign, digits with an optional fraction, then the suffix (validated separately, as Go does).
_QUANTITY = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*(?:[-+]?[0-9]+)?)")
_EXPONENT = re.compile(r"[-+]?[0-9]+")


class QuantityError(ValueError):
    """The text is not a quantity; the message is Kubernetes' own."""


@functools.total_ordering
class Quantity:
    """An exact quantity: `nanos` is the value in units of 10^-9; `format` its notation."""

    __slots__ = ("format", "nanos")

    def __init__(self, nanos: int, format: str = DECIMAL_SI) -> None:
        self.nanos = nanos
        self.format = format

    @classmethod
    def parse(cls, text: str | int | float) -> Quantity:
        if isinstance(text, bool):
            raise QuantityError(FORMAT_ERROR)
        if isinstance(text, int):
            return cls(_cap(text * NANO), DECIMAL_SI)
        if isinstance(text, float):
            if not math.isfinite(text):
                raise QuantityError(FORMAT_ERROR)
            text = repr(text)
        return _parse_text(text.strip())

    def canonical(self) -> str:
        return _canonical(self.nanos, self.format)

    __str__ = canonical

    def __repr__(self) -> str:
        return f"Quantity({self.canonical()!r})"

    def milli_value(self) -> int:
        """The value in thousandths, rounded away from zero (cpu "100m" -> 100)."""
        return _divide_away_from_zero(self.nanos, NANO // 1000)

    def value(self) -> int:
        """The value as a whole number, rounded away from zero ("1500m" -> 2)."""
        return _divide_away_from_zero(self.nanos, NANO)

    def is_zero(self) -> bool:
        return self.nanos == 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.nanos == other.nanos

    def __lt__(self, other: Quantity) -> bool:
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return hash(self.nanos)

    def __add__(self, other: Quantity) -> Quantity:
        # Like Quantity.Add: the left operand's notation wins unless it is zero.
        return Quantity(self.nanos + other.nanos, self._format_with(other))

    def __sub__(self, other: Quantity) -> Quantity:
        return Quantity(self.nanos - other.nanos, self._format_with(other))

    def __neg__(self) -> Quantity:
        return Quantity(-self.nanos, self.format)

    def _format_with(self, other: Quantity) -> str:
        return other.format if self.nanos == 0 else self.format


def canonical(text: str | int | float) -> str:
    """The canonical form of a quantity given as text or a JSON number."""
    return Quantity.parse(text).canonical()


def _parse_text(text: str) -> Quantity:
    match = _QUANTITY.fullmatch(text)
    if match is None or not text:
        raise QuantityError(FORMAT_ERROR)
    sign, whole, fraction, suffix = match.groups()
    fraction = fraction or ""
    if not whole and not fraction:
        raise QuantityError(NUMERIC_ERROR)
    base, power, format = _interpret_suffix(suffix)
    # value = digits * base**power / 10**len(fraction), counted in nano units (10**-9).
    digits = int(whole + fraction)
    numerator, denominator = digits * NANO, 10 ** len(fraction)
    if power >= 0:
        numerator *= base**power
    else:
        denominator *= base**-power
    # Non-zero amounts round up to the next nano unit: asking for a little means getting some.
    nanos = -(-numerator // denominator)
    return Quantity(_cap(-nanos if sign == "-" else nanos), format)


def _interpret_suffix(suffix: str) -> tuple[int, int, str]:
    """(base, power, format) for a suffix: "Mi" is 2**20, "m" is 10**-3, "e3" is 10**3."""
    if suffix in _DECIMAL_EXPONENTS:
        return 10, _DECIMAL_EXPONENTS[suffix], DECIMAL_SI
    if suffix in _BINARY_POWERS:
        return 2, _BINARY_POWERS[suffix], BINARY_SI
    if suffix[:1] in ("e", "E") and _EXPONENT.fullmatch(suffix[1:]):
        exponent = int(suffix[1:])
        # Beyond this the value is capped or rounded anyway; refuse absurd exponents early.
        if abs(exponent) > 100:
            raise QuantityError(SUFFIX_ERROR)
        return 10, exponent, DECIMAL_EXPONENT
    raise QuantityError(SUFFIX_ERROR)


def _cap(nanos: int) -> int:
    if nanos > MAX_MAGNITUDE:
        return MAX_MAGNITUDE
    if nanos < -MAX_MAGNITUDE:
        return -MAX_MAGNITUDE
    return nanos


def _divide_away_from_zero(nanos: int, unit: int) -> int:
    quotient = -(-abs(nanos) // unit)
    return quotient if nanos >= 0 else -quotient


def _canonical(nanos: int, format: str) -> str:
    if nanos == 0:
        return "0"
    sign = "-" if nanos < 0 else ""
    magnitude = abs(nanos)
    if format == BINARY_SI and magnitude >= 1024 * NANO and magnitude % NANO == 0:
        return sign + _binary_text(magnitude // NANO)
    # Small or fractional binary amounts print in decimal SI, to avoid rounding them.
    if format == BINARY_SI:
        format = DECIMAL_SI
    mantissa, exponent = magnitude, -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    # Suffixes step by thousands: move digits back until the exponent is a multiple of 3.
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    if format == DECIMAL_EXPONENT:
        suffix = f"e{exponent}" if exponent else ""
    else:
        suffix = _DECIMAL_SUFFIXES[exponent]
    return f"{sign}{mantissa}{suffix}"


def _binary_text(units: int) -> str:
    power = 0
    while units % 1024 == 0 and power < 6:
        units //= 1024
        power += 1
    return f"{units}{_BINARY_SUFFIXES.get(power, '')}"
