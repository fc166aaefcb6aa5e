"""Whole scheduling cycles: assume, bind, retry, and the profile by schedulerName."""

import asyncio

from pyk8s.scheduler.config import Profile, SchedulerConfiguration
from pyk8s.scheduler.scheduler import feasible_nodes_to_find

from .builders import make_node, make_pod
from .harness import make_scheduler, schedule_all


async def test_the_next_pod_sees_the_previous_pods_resources_before_the_bind_lands():
    nodes = [make_node("a", cpu="1"), make_node("b", cpu="1")]
    pods = [make_pod(f"p{i}", cpu="600m") for i in range(3)]
    scheduler, recorder, _ = make_scheduler(nodes, pods)
    await schedule_all(scheduler)
    assert sorted(recorder.bound.values()) == ["a", "b"]
    assert sorted(recorder.scheduled) == sorted(recorder.bound)
    assert len(recorder.failures) == 1


async def test_unschedulable_pod_is_bound_after_a_node_is_added():
    scheduler, recorder, clock = make_scheduler(
        [make_node("small", cpu="1")], [make_pod("p", cpu="2")]
    )
    await schedule_all(scheduler)
    assert recorder.bound == {}
    scheduler.on_node(make_node("big", cpu="4"), added=True)
    clock.advance(1)
    await schedule_all(scheduler)
    assert recorder.bound == {"default/p": "big"}


async def test_failed_bind_releases_the_node_and_retries_after_backoff():
    scheduler, recorder, clock = make_scheduler([make_node("n", cpu="1")], [make_pod("p", cpu="1")])
    recorder.refuse_binds = True
    await schedule_all(scheduler)
    assert recorder.failures["default/p"][0] == "SchedulerError"
    assert scheduler.cache.placed == {}
    recorder.refuse_binds = False
    clock.advance(1)
    await schedule_all(scheduler)
    assert recorder.bound == {"default/p": "n"}


async def test_a_plugin_that_raises_fails_the_pod_and_the_loop_goes_on():
    scheduler, recorder, _ = make_scheduler(
        [make_node("n", cpu="1")], [make_pod("bad", cpu="1"), make_pod("good", cpu="1")]
    )
    framework = scheduler.frameworks["default-scheduler"]
    real_filter = framework.run_filter

    def filter_that_breaks_on_bad(state, pod, rows):
        if pod.name == "bad":
            raise ValueError("plugin bug")
        return real_filter(state, pod, rows)

    framework.run_filter = filter_that_breaks_on_bad
    loop = asyncio.create_task(scheduler.run())
    for _ in range(50):
        await asyncio.sleep(0)
    scheduler.queue.close()
    await asyncio.wait_for(loop, 5)
    await scheduler.wait_for_bindings()
    assert recorder.failures["default/bad"][:2] == ("SchedulerError", "plugin bug")
    assert recorder.bound == {"default/good": "n"}


async def test_a_pre_bind_that_raises_releases_the_node_and_retries():
    scheduler, recorder, clock = make_scheduler([make_node("n", cpu="1")], [make_pod("p", cpu="1")])
    framework = scheduler.frameworks["default-scheduler"]
    real_pre_bind = framework.run_pre_bind

    async def pre_bind_that_breaks_once(state, pod, node):
        framework.run_pre_bind = real_pre_bind
        raise ValueError("volume plugin bug")

    framework.run_pre_bind = pre_bind_that_breaks_once
    await schedule_all(scheduler)
    assert recorder.failures["default/p"][:2] == ("SchedulerError", "volume plugin bug")
    assert scheduler.cache.placed == {}
    clock.advance(1)
    await schedule_all(scheduler)
    assert recorder.bound == {"default/p": "n"}


async def test_pods_of_other_schedulers_are_left_alone():
    config = SchedulerConfiguration(profiles=[Profile(), Profile(scheduler_name="packer")])
    mine = make_pod("mine", spec={"schedulerName": "packer"})
    theirs = make_pod("theirs", spec={"schedulerName": "someone-else"})
    scheduler, recorder, _ = make_scheduler([make_node("n")], [mine, theirs], config)
    await schedule_all(scheduler)
    assert recorder.bound == {"default/mine": "n"}


async def test_least_allocated_spreads_and_most_allocated_packs():
    nodes = [make_node("a", cpu="4", memory="4Gi"), make_node("b", cpu="4", memory="4Gi")]
    running = [make_pod("r", cpu="1", memory="1Gi", node="a")]
    spread, recorder, _ = make_scheduler(nodes, [*running, make_pod("p", cpu="1", memory="1Gi")])
    await schedule_all(spread)
    assert recorder.bound == {"default/p": "b"}
    packing = Profile(
        plugin_args={"NodeResourcesFit": {"scoringStrategy": {"type": "MostAllocated"}}}
    )
    config = SchedulerConfiguration(profiles=[packing])
    packer, recorder, _ = make_scheduler(
        nodes, [*running, make_pod("p", cpu="1", memory="1Gi")], config
    )
    await schedule_all(packer)
    assert recorder.bound == {"default/p": "a"}


async def test_preferred_node_affinity_and_prefer_no_schedule_taints():
    nodes = [
        make_node("plain"),
        make_node("ssd", labels={"disk": "ssd"}),
        make_node(
            "avoid", labels={"disk": "ssd"}, taints=[{"key": "k", "effect": "PreferNoSchedule"}]
        ),
    ]
    preference = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 50,
                    "preference": {
                        "matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]
                    },
                }
            ]
        }
    }
    scheduler, recorder, _ = make_scheduler(nodes, [make_pod("p", spec={"affinity": preference})])
    await schedule_all(scheduler)
    assert recorder.bound == {"default/p": "ssd"}


async def test_anti_affinity_spreads_replicas_one_per_node():
    hostname = {
        "labelSelector": {"matchLabels": {"app": "web"}},
        "topologyKey": "kubernetes.io/hostname",
    }
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [hostname]}}
    pods = [make_pod(f"web-{i}", labels={"app": "web"}, spec={"affinity": anti}) for i in range(4)]
    scheduler, recorder, _ = make_scheduler([make_node(n) for n in "abc"], pods)
    await schedule_all(scheduler)
    assert sorted(recorder.bound.values()) == ["a", "b", "c"]
    assert len(recorder.failures) == 1


def test_percentage_of_nodes_to_score():
    assert feasible_nodes_to_find(50, 0) == 50
    assert feasible_nodes_to_find(5000, 0) == 5000 * 10 // 100
    assert feasible_nodes_to_find(1000, 0) == 420
    assert feasible_nodes_to_find(1000, 5) == 100
    assert feasible_nodes_to_find(1000, 100) == 1000
