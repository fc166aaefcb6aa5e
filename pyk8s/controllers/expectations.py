"""Expectations: what a controller has asked for and not yet seen in its informer.

A ReplicaSet that creates 3 pods will see them arrive through its pod informer a little
later. If it reconciled again before then, its cache would still show too few pods and it
would create 3 more. So before writing, a controller records "I expect 3 creations" (or
these pod uids to go); the informer handlers count them off as the events arrive; and
`satisfied(key)` stays false, so no new creations or deletions happen for that key, until
every expected event has been seen. An expectation older than five minutes is treated as
satisfied, so a lost event can only delay a controller, never wedge it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyk8s.client.clock import Clock

EXPECTATIONS_TIMEOUT = 300.0


@dataclass
class _Expected:
    adds: int = 0
    deletes: set[str] = field(default_factory=set)
    since: float = 0.0


class Expectations:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._by_key: dict[str, _Expected] = {}

    def satisfied(self, key: str) -> bool:
        expected = self._by_key.get(key)
        if expected is None:
            return True
        if expected.adds <= 0 and not expected.deletes:
            return True
        return self.clock.monotonic() - expected.since > EXPECTATIONS_TIMEOUT

    def expect_creations(self, key: str, count: int) -> None:
        self._by_key[key] = _Expected(adds=count, since=self.clock.monotonic())

    def expect_deletions(self, key: str, uids: set[str]) -> None:
        self._by_key[key] = _Expected(deletes=set(uids), since=self.clock.monotonic())

    def creation_observed(self, key: str) -> None:
        """An expected object appeared (or its creation failed and will never appear)."""
        expected = self._by_key.get(key)
        if expected is not None:
            expected.adds -= 1

    def deletion_observed(self, key: str, uid: str) -> None:
        expected = self._by_key.get(key)
        if expected is not None:
            expected.deletes.discard(uid)

    def forget(self, key: str) -> None:
        self._by_key.pop(key, None)
