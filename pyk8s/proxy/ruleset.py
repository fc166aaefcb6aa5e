"""A rendered rule set: chains and their rules, written the way iptables-save prints them.

iptables normalises every rule it is given: addresses get a prefix length (10.0.0.1 ->
10.0.0.1/32), `-s`, `-d` and `-p` move to the front, targets spell out their defaults
(`MARK --or-mark` becomes `MARK --set-xmark 0x4000/0x4000`), and iptables-save lists the
chains of a table in name order. We write rules in that normalised form from the start, so
the text we render is byte-for-byte what `iptables-save` shows afterwards. That makes three
things simple: golden tests read like the tutorials' iptables-save listings, the applier
can tell which of our jump rules already exist by comparing strings, and "is what we wanted
installed?" is a string comparison.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

TABLES = ("filter", "nat")  # the order iptables-save prints them in


def address(value: str) -> str:
    """An address or CIDR as iptables prints it (10.0.0.1 -> 10.0.0.1/32)."""
    if "/" not in value and value.count(".") == 3:
        return value + "/32"  # the common case, and 20 times faster than ipaddress
    return str(ipaddress.ip_network(value, strict=False))


def comment(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'-m comment --comment "{escaped}"'


def format_rule(
    chain: str,
    *,
    matches: Iterable[str] = (),
    jump: str | None = None,
    source: str | None = None,
    not_source: str | None = None,
    destination: str | None = None,
    not_destination: str | None = None,
    protocol: str | None = None,
) -> str:
    """One `-A` line in iptables-save order: addresses, protocol, matches in order, target.

    `jump` is the target with its options ("REJECT --reject-with icmp-port-unreachable").
    """
    parts = ["-A", chain]
    if not_source:
        parts += ["!", "-s", address(not_source)]
    if source:
        parts += ["-s", address(source)]
    if not_destination:
        parts += ["!", "-d", address(not_destination)]
    if destination:
        parts += ["-d", address(destination)]
    if protocol:
        parts += ["-p", protocol]
    parts += [m for m in matches if m]
    if jump:  # a rule without a target only counts packets (and carries its comment)
        parts += ["-j", jump]
    return " ".join(parts)


@dataclass
class Table:
    """The chains we own in one table, each with its rules in order."""

    name: str
    chains: dict[str, list[str]] = field(default_factory=dict)

    def ensure_chain(self, chain: str) -> None:
        self.chains.setdefault(chain, [])

    def add(self, chain: str, **rule: object) -> None:
        self.chains.setdefault(chain, []).append(format_rule(chain, **rule))  # type: ignore[arg-type]

    def restore_lines(self, only: Iterable[str] | None = None) -> list[str]:
        """Chain declarations, then rules, in iptables-save's order (chains by name), for
        every chain or for the chains in `only`.

        With `iptables-restore --noflush`, declaring a chain that exists empties it, so
        these lines replace those chains wholesale and leave every other chain alone.
        """
        names = sorted(self.chains if only is None else only)
        lines = [f":{name} - [0:0]" for name in names]
        for name in names:
            lines += self.chains[name]
        return lines


@dataclass
class RuleSet:
    """Everything kube-proxy wants in the filter and nat tables, rendered from one state."""

    filter: Table = field(default_factory=lambda: Table("filter"))
    nat: Table = field(default_factory=lambda: Table("nat"))

    def table(self, name: str) -> Table:
        return {"filter": self.filter, "nat": self.nat}[name]

    def restore_text(self) -> str:
        """The whole rule set as iptables-restore input (without jumps or stale chains)."""
        lines: list[str] = []
        for name in TABLES:
            lines += [f"*{name}", *self.table(name).restore_lines(), "COMMIT"]
        return "\n".join(lines) + "\n"

    def extend(self, other: RuleSet) -> None:
        """Append `other`'s chains and rules to ours (chain by chain, in order)."""
        for name in TABLES:
            chains = self.table(name).chains
            for chain, rules in other.table(name).chains.items():
                chains.setdefault(chain, []).extend(rules)

    def rule_count(self) -> int:
        return sum(len(rules) for t in TABLES for rules in self.table(t).chains.values())
