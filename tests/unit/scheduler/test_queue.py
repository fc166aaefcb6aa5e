"""The scheduling queue: order, backoff, and moving unschedulable pods on cluster events."""

from pyk8s.scheduler.podinfo import PodInfo
from pyk8s.scheduler.queue import SchedulingQueue

from .builders import make_pod
from .harness import FakeClock


def queue(clock, events=None):
    return SchedulingQueue(clock, events_for_plugin=lambda name: (events or {}).get(name))


def pod(name, priority=0):
    return PodInfo.of(make_pod(name, priority=priority))


def test_priority_first_then_arrival_order():
    clock = FakeClock()
    q = queue(clock)
    for name, priority in (("low", 0), ("high", 100), ("low2", 0), ("mid", 50)):
        q.add(pod(name, priority))
        clock.advance(1)
    order = [q.pop_nowait().info.name for _ in range(4)]
    assert order == ["high", "mid", "low", "low2"]
    assert q.pop_nowait() is None


def test_backoff_sequence():
    clock = FakeClock()
    q = queue(clock)
    q.add(pod("p"))
    durations = []
    for _ in range(6):
        entry = q.pop_nowait()
        assert entry is not None
        q.add_backoff(entry)
        durations.append(q.backoff_duration(entry))
        clock.advance(durations[-1] - 0.01)
        assert q.pop_nowait() is None, "handed out before its backoff expired"
        clock.advance(0.01)
    assert durations == [1, 2, 4, 8, 10, 10]


def test_unschedulable_pod_moves_back_on_a_helpful_event_only():
    clock = FakeClock()
    q = queue(clock, {"NodeResourcesFit": frozenset({"NodeAdd", "AssignedPodDelete"})})
    q.add(pod("p"))
    entry = q.pop_nowait()
    q.add_unschedulable(entry, {"NodeResourcesFit"})
    clock.advance(5)
    assert q.move_on_event("NodeUpdate") == 0
    assert q.pending() == {"unschedulable": ["default/p"]}
    assert q.move_on_event("NodeAdd") == 1
    assert q.pop_nowait().info.name == "p"


def test_moved_back_before_backoff_expiry_waits_in_backoff():
    clock = FakeClock()
    q = queue(clock)
    q.add(pod("p"))
    q.add_unschedulable(q.pop_nowait(), {"X"})
    q.move_on_event("NodeAdd")
    assert q.pending() == {"backoff": ["default/p"]}
    clock.advance(1)
    assert q.pop_nowait().info.name == "p"


def test_event_during_the_attempt_sends_the_failure_to_backoff():
    clock = FakeClock()
    q = queue(clock, {"X": frozenset({"NodeAdd"})})
    q.add(pod("p"))
    entry = q.pop_nowait()
    q.move_on_event("NodeAdd")  # a node arrived while p was being scheduled
    q.add_unschedulable(entry, {"X"})
    assert q.pending() == {"backoff": ["default/p"]}


def test_unschedulable_pods_are_retried_after_five_minutes():
    clock = FakeClock()
    q = queue(clock, {"X": frozenset()})
    q.add(pod("p"))
    q.add_unschedulable(q.pop_nowait(), {"X"})
    clock.advance(299)
    assert q.pop_nowait() is None
    clock.advance(31)
    assert q.pop_nowait().info.name == "p"


def test_deleted_pod_is_not_handed_out():
    q = queue(FakeClock())
    q.add(pod("p"))
    q.delete("default/p")
    assert q.pop_nowait() is None
