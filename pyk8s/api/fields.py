"""Field selectors: `--field-selector status.phase=Running,spec.nodeName!=`.

`parse_field_selector` accepts what apimachinery's `fields.ParseSelector` accepts: terms
separated by commas, each `field=value`, `field==value` or `field!=value`, with `\\,`, `\\=`
and `\\\\` escaping those characters inside values. Errors are BadRequest with Kubernetes'
messages. Which fields a resource supports is not decided here: the API server checks
`fields()` against the resource and answers 'field label not supported: X' itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyk8s.api.errors import BadRequest

EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "=", "==", "!="
# Order matters: "!=" and "==" must be tried before "=".
_OPERATORS = (NOT_EQUALS, DOUBLE_EQUALS, EQUALS)


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """A conjunction of (field, op, value) requirements; op is "=" or "!=" once parsed."""

    requirements: tuple[tuple[str, str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.requirements

    def matches(self, values: dict[str, str]) -> bool:
        """`values` maps each supported field to the object's value ("" when unset)."""
        for field, op, wanted in self.requirements:
            have = values.get(field, "")
            if (have == wanted) != (op == EQUALS):
                return False
        return True

    def fields(self) -> set[str]:
        return {field for field, _, _ in self.requirements}

    def single_value(self, field: str) -> str | None:
        """The value `field` must equal, when the selector pins it (for cheap lookups)."""
        for name, op, value in self.requirements:
            if name == field and op == EQUALS:
                return value
        return None

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_value(v)}" for f, op, v in self.requirements)


EVERYTHING = FieldSelector()


def parse_field_selector(text: str) -> FieldSelector:
    requirements = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        split = _split_term(term)
        if split is None:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{term}'")
        field, op, raw_value = split
        value = unescape_value(raw_value)
        requirements.append((field, NOT_EQUALS if op == NOT_EQUALS else EQUALS, value))
    return FieldSelector(tuple(requirements))


def escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(value: str) -> str:
    """Undo escape_value; an unknown escape or a bare ',' or '=' is an error, as in Go."""
    if "\\" not in value and "=" not in value and "," not in value:
        return value
    out, escaped = [], False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise BadRequest(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            raise BadRequest(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise BadRequest("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not escaped."""
    if not text:
        return []
    terms, start, escaped = [], 0, False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """field, operator, value at the first unescaped operator."""
    escaped = False
    for i, ch in enumerate(term):
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            continue
        for op in _OPERATORS:
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None
