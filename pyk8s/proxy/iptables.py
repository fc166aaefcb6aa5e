"""The only module that runs iptables: read with iptables-save, write with iptables-restore.

A sync is at most one read and one write. The write is a single `iptables-restore --noflush`
transaction, so the kernel switches from the old rules to the new ones at once: there is
never a moment with a flushed chain or half a service. `--noflush` is what keeps every
chain that is not ours untouched; declaring one of our chains (`:KUBE-SERVICES - [0:0]`)
empties it, and the rules that follow refill it.

The read, on a full sync, is for two things a pure renderer cannot know: which of our per-service
chains are left over from services that are gone (they are emptied and deleted, `-X`, in
the same transaction), and whether our jumps from the built-in chains (PREROUTING → KUBE-
SERVICES, …) are still there; a missing one is inserted at the top, as kube-proxy does.
Because rules are rendered in iptables-save's own form (ruleset.py), "is it there?" is a
string comparison.

`Iptables(command_prefix=["ip", "netns", "exec", "test-ns"])` runs everything inside a
network namespace, which is how the tests and benchmarks stay off the host's tables.
This machine's iptables is the nf_tables one; python-iptables would write the legacy
tables, which the kernel would then evaluate alongside, so it is not used.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

from pyk8s.proxy.chains import JUMPS, is_owned_chain
from pyk8s.proxy.ruleset import TABLES, RuleSet

Tables = dict[str, dict[str, list[str]]]  # table -> chain -> rule lines ("-A CHAIN ...")


class IptablesError(Exception):
    """iptables is missing, not permitted, or refused our input."""


def parse_save(text: str) -> Tables:
    """The chains and rules of every table in iptables-save output."""
    tables: Tables = {}
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("*"):
            current = tables.setdefault(line[1:], {})
        elif line.startswith(":"):
            current.setdefault(line[1:].split(" ", 1)[0], [])
        elif line.startswith("-A "):
            current.setdefault(line.split(" ", 2)[1], []).append(line)
    return tables


def restore_input(desired: RuleSet, current: Tables) -> str:
    """The one iptables-restore input that turns `current` into `desired` for our chains."""
    lines: list[str] = []
    for table in TABLES:
        wanted = desired.table(table)
        existing = current.get(table, {})
        stale = sorted(c for c in existing if is_owned_chain(table, c) and c not in wanted.chains)
        lines.append(f"*{table}")
        lines += [f":{chain} - [0:0]" for chain in stale]  # empties them before -X
        lines += wanted.restore_lines()
        for jump in JUMPS:
            rule = f"-A {jump.from_chain} {jump.rule_spec()}"
            if jump.table == table and rule not in existing.get(jump.from_chain, []):
                lines.append(f"-I {jump.from_chain} 1 {jump.rule_spec()}")
        lines += [f"-X {chain}" for chain in stale]
        lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def changes_input(desired: RuleSet, installed: Tables) -> str | None:
    """Restore input that rewrites only the chains that differ from what we installed
    last time, and deletes the ones no longer wanted; None when nothing changed."""
    lines: list[str] = []
    for table in TABLES:
        wanted, before = desired.table(table).chains, installed.get(table, {})
        changed = [chain for chain, rules in wanted.items() if before.get(chain) != rules]
        removed = sorted(chain for chain in before if chain not in wanted)
        if changed or removed:
            lines += [f"*{table}", *(f":{chain} - [0:0]" for chain in removed)]
            lines += desired.table(table).restore_lines(only=changed)
            lines += [f"-X {chain}" for chain in removed]
            lines.append("COMMIT")
    return "\n".join(lines) + "\n" if lines else None


def cleanup_input(current: Tables) -> str | None:
    """The iptables-restore input that removes every chain of ours and every jump into
    them, and nothing else; None when there is nothing of ours left."""
    lines: list[str] = []
    for table in TABLES:
        chains = current.get(table, {})
        owned = sorted(c for c in chains if is_owned_chain(table, c))
        if not owned:
            continue
        # Rules elsewhere that jump into our chains must go first, or -X would fail.
        jumps = [
            "-D" + rule[2:]
            for chain, rules in chains.items()
            if chain not in owned
            for rule in rules
            if rule.rsplit(" -j ", 1)[-1].split(" ")[0] in owned
        ]
        lines += [f"*{table}", *(f":{c} - [0:0]" for c in owned), *jumps]
        lines += [f"-X {c}" for c in owned]
        lines.append("COMMIT")
    return "\n".join(lines) + "\n" if lines else None


class Iptables:
    """Runs iptables-save and iptables-restore, optionally inside a network namespace."""

    def __init__(
        self,
        command_prefix: Sequence[str] = (),
        save_command: str = "iptables-save",
        restore_command: str = "iptables-restore",
    ) -> None:
        self.prefix = list(command_prefix)
        self.save_command = save_command
        self.restore_command = restore_command
        self._installed: Tables | None = None  # our chains as the last sync left them

    async def _run(self, args: list[str], stdin: str | None = None) -> str:
        try:
            process = await asyncio.create_subprocess_exec(
                *self.prefix,
                *args,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError as err:
            raise IptablesError(
                f"{args[0]} not found: install iptables (the nf_tables variant)"
            ) from err
        out, err = await process.communicate(stdin.encode() if stdin is not None else None)
        if process.returncode != 0:
            raise IptablesError(_explain(args[0], err.decode(errors="replace"), stdin))
        return out.decode()

    async def save(self) -> Tables:
        return parse_save(await self._run([self.save_command]))

    async def restore(self, text: str) -> None:
        await self._run([self.restore_command, "--noflush"], stdin=text)

    async def apply(self, desired: RuleSet, *, full: bool = False) -> str:
        """Install `desired` in one transaction; returns the restore input it used.

        A full sync reads the live tables first (stale chains, missing jumps) and rewrites
        all our chains. Otherwise, after a successful sync, only the chains that differ
        from what we installed are written, as kube-proxy's partial syncs do: with tens of
        thousands of rules both iptables-save and a full restore take seconds on nf_tables,
        while one changed service is a few milliseconds.
        """
        if full or self._installed is None:
            self._installed = None
            text: str | None = restore_input(desired, await self.save())
        else:
            text = changes_input(desired, self._installed)
        if text is not None:
            try:
                await self.restore(text)
            except BaseException:
                self._installed = None  # unknown state: the next sync is a full one
                raise
        self._installed = {
            t: {c: list(r) for c, r in desired.table(t).chains.items()} for t in TABLES
        }
        return text or ""

    async def cleanup(self) -> bool:
        """Remove every chain and jump of ours; False if there was nothing to remove."""
        self._installed = None
        text = cleanup_input(await self.save())
        if text is None:
            return False
        await self.restore(text)
        return True


def _explain(command: str, stderr: str, stdin: str | None) -> str:
    message = f"{command} failed: {stderr.strip()}"
    if "Permission denied" in stderr or "must be root" in stderr:
        return message + " (the proxy needs root or CAP_NET_ADMIN)"
    failed = re.search(r"line (\d+) failed", stderr)
    if failed and stdin is not None:
        lines = stdin.splitlines()
        number = int(failed.group(1))
        if 0 < number <= len(lines):
            message += f"; line {number}: {lines[number - 1]}"
    return message
