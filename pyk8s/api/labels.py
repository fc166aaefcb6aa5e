"""Label selectors: `-l 'app=web,tier in (a,b),!legacy'` and metav1.LabelSelector.

`parse_selector` accepts exactly the grammar of apimachinery's `labels.Parse` and fails with its
messages (as a 400 BadRequest); `selector_from_label_selector` turns the structured form found
in Deployments, Services' pods, PodDisruptionBudgets ... into the same `Selector`. A Selector
is immutable, its requirements sorted by key, and `str()` gives the canonical text Kubernetes
prints (e.g. in a Scale's `status.selector`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyk8s.api import names
from pyk8s.api.errors import BadRequest
from pyk8s.api.validation import format_value

IN, NOT_IN = "in", "notin"
EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "=", "==", "!="
EXISTS, DOES_NOT_EXIST = "exists", "!"
GREATER_THAN, LESS_THAN = "gt", "lt"
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"

# Tokens of the selector language (the lexer's vocabulary).
_END, _IDENTIFIER, _ERROR = "end", "identifier", "error"
_SYMBOLS = {")", ",", "!", "==", "=", ">", "<", "!=", "(", "in", "notin"}
_SPECIAL = set("=!(),><")
_WHITESPACE = set(" \t\r\n")


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        op = self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return self.key in labels and labels[self.key] in self.values
        if op in (NOT_IN, NOT_EQUALS):
            return self.key not in labels or labels[self.key] not in self.values
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        value = labels.get(self.key)
        try:
            have, want = int(value), int(self.values[0])  # type: ignore[arg-type]
        except (TypeError, ValueError, IndexError):
            return False
        return have > want if op == GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op == EXISTS:
            return self.key
        if op == DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            return f"{self.key} {op} ({values})"
        symbol = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        return f"{self.key}{symbol}{values}"


class Selector:
    """A conjunction of requirements. `nothing=True` is the selector that matches no object."""

    __slots__ = ("nothing", "requirements")

    def __init__(self, requirements: list[Requirement] | tuple = (), *, nothing: bool = False):
        self.requirements = tuple(sorted(requirements, key=lambda r: r.key))
        self.nothing = nothing

    @property
    def empty(self) -> bool:
        """True when the selector selects everything."""
        return not self.requirements and not self.nothing

    def matches(self, labels: dict[str, str] | None) -> bool:
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The single value `key` must have, if the selector pins it (for indexing)."""
        for r in self.requirements:
            if r.key == key:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return "Selector(<nothing>)" if self.nothing else f"Selector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selector):
            return NotImplemented
        return (self.requirements, self.nothing) == (other.requirements, other.nothing)

    def __hash__(self) -> int:
        return hash((self.requirements, self.nothing))


EVERYTHING = Selector()
NOTHING = Selector(nothing=True)


def parse_selector(text: str) -> Selector:
    """Parse `labelSelector` text; BadRequest with Kubernetes' message when it is malformed."""
    try:
        return Selector(_Parser(text).parse())
    except _SelectorError as error:
        raise BadRequest(str(error)) from None


def selector_from_label_selector(ls: dict[str, Any] | None) -> Selector:
    """metav1.LabelSelector -> Selector. None selects nothing; {} selects everything."""
    if ls is None:
        return NOTHING
    try:
        requirements = [
            _new_requirement(key, EQUALS, [value], "")
            for key, value in (ls.get("matchLabels") or {}).items()
        ]
        for expression in ls.get("matchExpressions") or ():
            requirements.append(_expression_requirement(expression))
    except _SelectorError as error:
        raise BadRequest(str(error)) from None
    return Selector(requirements) if requirements else EVERYTHING


_EXPRESSION_OPERATORS = {
    "In": IN,
    "NotIn": NOT_IN,
    "Exists": EXISTS,
    "DoesNotExist": DOES_NOT_EXIST,
}


def _expression_requirement(expression: dict[str, Any]) -> Requirement:
    operator = expression.get("operator", "")
    op = _EXPRESSION_OPERATORS.get(operator)
    if op is None:
        raise _SelectorError(f"{format_value(operator)} is not a valid label selector operator")
    values = list(expression.get("values") or ())
    return _new_requirement(expression.get("key", ""), op, values, "")


class _SelectorError(ValueError):
    pass


def _new_requirement(key: str, op: str, values: list[str], path: str) -> Requirement:
    """Check a requirement as NewRequirement does; raise with its aggregated message."""
    errors = []
    prefix = f"{path}." if path else ""
    if msgs := names.is_qualified_name(key):
        errors.append(f"{prefix}key: Invalid value: {format_value(key)}: {'; '.join(msgs)}")
    where = f"{prefix}values"
    if op in (IN, NOT_IN) and not values:
        errors.append(
            f"{where}: Invalid value: {format_value(values)}: "
            "for 'in', 'notin' operators, values set can't be empty"
        )
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) and len(values) != 1:
        errors.append(
            f"{where}: Invalid value: {format_value(values)}: "
            "exact-match compatibility requires one single value"
        )
    elif op in (EXISTS, DOES_NOT_EXIST) and values:
        errors.append(
            f"{where}: Invalid value: {format_value(values)}: "
            "values set must be empty for exists and does not exist"
        )
    elif op in (GREATER_THAN, LESS_THAN):
        for i, value in enumerate(values):
            if not _is_int64(value):
                errors.append(
                    f"{where}[{i}]: Invalid value: {format_value(value)}: "
                    "for 'Gt', 'Lt' operators, the value must be an integer"
                )
    for i, value in enumerate(values):
        if msgs := names.is_valid_label_value(value):
            errors.append(
                f"{where}[{i}][{key}]: Invalid value: {format_value(value)}: {'; '.join(msgs)}"
            )
    if errors:
        unique = list(dict.fromkeys(errors))
        raise _SelectorError(unique[0] if len(unique) == 1 else f"[{', '.join(unique)}]")
    return Requirement(key, op, tuple(sorted(set(values))))


def _is_int64(text: str) -> bool:
    try:
        return -(2**63) <= int(text, 10) < 2**63 and text.strip() == text and "_" not in text
    except ValueError:
        return False


def _lex(text: str) -> list[tuple[str, str]]:
    """Split selector text into (token, literal) pairs, ending with the end token."""
    tokens, pos, end = [], 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end:
            tokens.append((_END, ""))
            return tokens
        start = pos
        if text[pos] in _SPECIAL:
            # Longest run of symbols that still forms a known operator ("!=" over "!").
            best = ""
            while pos < end and text[pos] in _SPECIAL:
                if text[start : pos + 1] in _SYMBOLS:
                    best = text[start : pos + 1]
                elif best:
                    break
                pos += 1
            if not best:
                tokens.append((_ERROR, f"error expected: keyword found '{text[start:pos]}'"))
                continue
            pos = start + len(best)
            tokens.append((best, best))
            continue
        while pos < end and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE:
            pos += 1
        word = text[start:pos]
        tokens.append((word, word) if word in ("in", "notin") else (_IDENTIFIER, word))


class _Parser:
    """Recursive descent over the token list, following labels.Parse step for step."""

    def __init__(self, text: str) -> None:
        self.tokens = _lex(text)
        self.position = 0

    def peek(self, values: bool = True) -> tuple[str, str]:
        return self._as_value(self.tokens[self.position], values)

    def take(self, values: bool = True) -> tuple[str, str]:
        self.position += 1
        return self._as_value(self.tokens[self.position - 1], values)

    @staticmethod
    def _as_value(item: tuple[str, str], values: bool) -> tuple[str, str]:
        # Where a value is expected, "in" and "notin" are ordinary words.
        if values and item[0] in ("in", "notin"):
            return (_IDENTIFIER, item[1])
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            token, literal = self.peek()
            if token == _END:
                return requirements
            if token not in (_IDENTIFIER, "!"):
                raise _SelectorError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )
            try:
                requirements.append(self.requirement())
            except _SelectorError as error:
                raise _SelectorError(f"unable to parse requirement: {error}") from None
            token, literal = self.take()
            if token == _END:
                return requirements
            if token != ",":
                raise _SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            after, after_literal = self.peek()
            if after not in (_IDENTIFIER, "!"):
                raise _SelectorError(f"found '{after_literal}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        operator = ""
        token, key = self.take()
        if token == "!":
            operator = DOES_NOT_EXIST
            token, key = self.take()
        if token != _IDENTIFIER:
            raise _SelectorError(f"found '{key}', expected: identifier")
        if msgs := names.is_qualified_name(key):
            raise _SelectorError(f"<nil>: Invalid value: {format_value(key)}: {'; '.join(msgs)}")
        if self.peek()[0] in (_END, ","):
            return _new_requirement(key, operator or EXISTS, [], "")
        token, literal = self.take(values=False)
        ops = {"in": IN, "notin": NOT_IN, "=": EQUALS, "==": DOUBLE_EQUALS, "!=": NOT_EQUALS}
        op = ops.get(token) or {">": GREATER_THAN, "<": LESS_THAN}.get(token)
        if op is None:
            raise _SelectorError(f"found '{literal}', expected: {_BINARY_OPERATORS}")
        values = self.value_set() if op in (IN, NOT_IN) else self.exact_value()
        return _new_requirement(key, op, values, "")

    def value_set(self) -> list[str]:
        token, literal = self.take()
        if token != "(":
            raise _SelectorError(f"found '{literal}' expected: '('")
        token, literal = self.peek()
        if token == ")":
            self.take()
            return [""]
        if token not in (_IDENTIFIER, ","):
            raise _SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self.identifiers()
        if self.take()[0] != ")":
            raise _SelectorError(f"found '{literal}', expected: ')'")
        return values

    def identifiers(self) -> list[str]:
        values: list[str] = []
        while True:
            token, literal = self.take()
            if token == _IDENTIFIER:
                values.append(literal)
                following, following_literal = self.peek()
                if following == ")":
                    return values
                if following != ",":
                    raise _SelectorError(f"found '{following_literal}', expected: ',' or ')'")
            elif token == ",":
                # Empty entries ("(,a)", "(a,)", "(a,,b)") stand for the empty value.
                if not values:
                    values.append("")
                following = self.peek()[0]
                if following in (")", ","):
                    values.append("")
                if following == ")":
                    return values
            else:
                raise _SelectorError(f"found '{literal}', expected: ',', or identifier")

    def exact_value(self) -> list[str]:
        token, literal = self.peek()
        if token in (_END, ","):
            return [""]
        token, literal = self.take()
        if token != _IDENTIFIER:
            raise _SelectorError(f"found '{literal}', expected: identifier")
        return [literal]
