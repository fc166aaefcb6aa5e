"""DefaultPreemption: who is evicted, and which node is nominated."""

from .builders import make_node, make_pod
from .harness import make_scheduler, schedule_all


async def test_evicts_the_fewest_least_important_pods():
    nodes = [make_node("n1", cpu="2"), make_node("n2", cpu="2")]
    running = [
        make_pod("n1-a", cpu="1", node="n1", priority=10),
        make_pod("n1-b", cpu="1", node="n1", priority=10),
        make_pod("n2-low", cpu="1", node="n2", priority=1),
        make_pod("n2-keep", cpu="500m", node="n2", priority=1),
    ]
    urgent = make_pod("urgent", cpu="1500m", priority=100)
    scheduler, recorder, _ = make_scheduler(nodes, [*running, urgent])
    await schedule_all(scheduler)
    # n2's victims have priority 1 (n1's would have 10). On n2, after taking both pods away,
    # n2-keep (500m) can be given back (500m + 1500m = 2 cpu) but n2-low (1 cpu) cannot.
    assert sorted(recorder.evicted) == ["default/n2-low"]
    _, message, nominated = recorder.failures["default/urgent"]
    assert nominated == "n2"
    assert message == "0/2 nodes are available: 2 Insufficient cpu."


async def test_no_lower_priority_pods_means_no_victims():
    running = [make_pod("peer", cpu="2", node="n1", priority=100)]
    urgent = make_pod("urgent", cpu="1", priority=100)
    scheduler, recorder, _ = make_scheduler([make_node("n1", cpu="2")], [*running, urgent])
    await schedule_all(scheduler)
    assert recorder.evicted == []
    assert recorder.failures["default/urgent"][1].endswith(
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    )


async def test_dry_run_leaves_the_cache_as_it_was():
    running = [make_pod("low", cpu="1", node="n1", priority=0)]
    scheduler, _, _ = make_scheduler(
        [make_node("n1", cpu="1")], [*running, make_pod("hi", cpu="1", priority=5)]
    )
    await schedule_all(scheduler)
    assert set(scheduler.cache.placed) == {"default/low"}
    assert int(scheduler.cache.table.requested[0, 0]) == 1000
