"""The cache's assume / confirm / forget / expire cycle."""

from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.podinfo import PodInfo

from .builders import make_node, make_pod
from .harness import FakeClock

CPU = 0


def requested_cpu(cache, node):
    return int(cache.table.requested[cache.table.row_of[node], CPU])


def setup():
    clock = FakeClock()
    cache = SchedulerCache(clock, assumed_ttl=30)
    cache.add_node(make_node("n1"))
    return cache, clock


def test_assumed_pod_counts_at_once_and_forget_releases_it():
    cache, _ = setup()
    cache.assume(PodInfo.of(make_pod("p", cpu="1")), "n1")
    assert requested_cpu(cache, "n1") == 1000
    cache.forget("default/p")
    assert requested_cpu(cache, "n1") == 0


def test_informer_confirms_the_assumption():
    cache, clock = setup()
    cache.assume(PodInfo.of(make_pod("p", cpu="1")), "n1")
    cache.finish_binding("default/p")
    cache.add_pod(make_pod("p", cpu="1", node="n1"))
    assert not cache.is_assumed("default/p")
    clock.advance(60)
    assert cache.cleanup_expired() == []
    assert requested_cpu(cache, "n1") == 1000


def test_stale_unbound_view_does_not_undo_an_assumption():
    cache, _ = setup()
    cache.assume(PodInfo.of(make_pod("p", cpu="1")), "n1")
    cache.update_pod(make_pod("p", cpu="1"))
    assert requested_cpu(cache, "n1") == 1000


def test_unconfirmed_binding_expires():
    cache, clock = setup()
    cache.assume(PodInfo.of(make_pod("p", cpu="1")), "n1")
    clock.advance(100)
    assert cache.cleanup_expired() == [], "only pods whose binding finished can expire"
    cache.finish_binding("default/p")
    clock.advance(29)
    assert cache.cleanup_expired() == []
    clock.advance(1)
    assert cache.cleanup_expired() == ["default/p"]
    assert requested_cpu(cache, "n1") == 0


def test_pods_before_their_node_and_finished_pods():
    cache = SchedulerCache()
    cache.add_pod(make_pod("early", cpu="1", node="late"))
    cache.add_node(make_node("late"))
    assert requested_cpu(cache, "late") == 1000
    done = make_pod("early", cpu="1", node="late")
    done["status"]["phase"] = "Succeeded"
    cache.update_pod(done)
    assert requested_cpu(cache, "late") == 0


def test_removing_a_node_keeps_the_other_rows_right():
    cache = SchedulerCache()
    for name in ("a", "b", "c"):
        cache.add_node(make_node(name, labels={"name": name}))
    cache.add_pod(make_pod("on-c", cpu="2", node="c"))
    cache.remove_node("a")
    assert cache.table.names == ["c", "b"]
    assert requested_cpu(cache, "c") == 2000
    assert cache.table.node_label(cache.table.row_of["c"], "name") == "c"
    column = cache.table.label_column("name")
    vocab = cache.table.label_vocab["name"]
    assert column[cache.table.row_of["c"]] == vocab["c"]


def test_bindings_expire_in_the_order_they_finished_and_reassumed_pods_get_a_new_deadline():
    cache, clock = setup()
    for name in ("a", "b"):
        cache.assume(PodInfo.of(make_pod(name, cpu="1")), "n1")
        cache.finish_binding(f"default/{name}")
        clock.advance(10)
    cache.forget("default/a")  # its bind failed; then it is tried again and bound later
    cache.assume(PodInfo.of(make_pod("a", cpu="1")), "n1")
    cache.finish_binding("default/a")
    clock.advance(15)  # b finished 25 s ago, a 15 s ago
    assert cache.cleanup_expired() == []
    clock.advance(5)
    assert cache.cleanup_expired() == ["default/b"]
    clock.advance(10)
    assert cache.cleanup_expired() == ["default/a"]
    assert requested_cpu(cache, "n1") == 0


def test_by_default_a_bound_pod_stays_assumed_until_the_informer_confirms_it():
    # kube-scheduler never expires assumed pods (kubernetes#106361): a slow watch must not
    # make a bound pod's resources look free again.
    clock = FakeClock()
    cache = SchedulerCache(clock)
    cache.add_node(make_node("n1"))
    cache.assume(PodInfo.of(make_pod("p", cpu="1")), "n1")
    cache.finish_binding("default/p")
    clock.advance(3600)
    assert cache.cleanup_expired() == []
    assert cache.is_assumed("default/p") and requested_cpu(cache, "n1") == 1000
