"""PodTopologySpread and InterPodAffinity: filtering by where matching pods already run."""

from .builders import make_node, make_pod
from .test_filter_plugins import UNRESOLVABLE, UNSCHEDULABLE, verdicts

ZONE = "topology.kubernetes.io/zone"


def zoned_nodes():
    return [
        make_node("a1", labels={ZONE: "a"}),
        make_node("a2", labels={ZONE: "a"}),
        make_node("b1", labels={ZONE: "b"}),
        make_node("nozone"),
    ]


def spread(max_skew=1, when="DoNotSchedule", key=ZONE, **more):
    return {
        "maxSkew": max_skew,
        "topologyKey": key,
        "whenUnsatisfiable": when,
        "labelSelector": {"matchLabels": {"app": "web"}},
        **more,
    }


def test_spread_rejects_the_crowded_zone_and_nodes_without_the_key():
    running = [make_pod("w1", node="a1", labels={"app": "web"})]
    pod = make_pod("p", labels={"app": "web"}, spec={"topologySpreadConstraints": [spread()]})
    assert verdicts(zoned_nodes(), pod, running) == {
        "a1": (UNSCHEDULABLE, ("node(s) didn't match pod topology spread constraints",)),
        "a2": (UNSCHEDULABLE, ("node(s) didn't match pod topology spread constraints",)),
        "nozone": (
            UNRESOLVABLE,
            ("node(s) didn't match pod topology spread constraints (missing required label)",),
        ),
    }


def test_spread_min_domains_counts_missing_domains_as_empty():
    running = [make_pod("w1", node="b1", labels={"app": "web"})]
    constraint = spread(key="kubernetes.io/hostname", minDomains=5)
    pod = make_pod("p", labels={"app": "web"}, spec={"topologySpreadConstraints": [constraint]})
    # 4 nodes < 5 domains: the minimum is 0, so b1 (1 pod + this one = skew 2) is out.
    assert set(verdicts(zoned_nodes(), pod, running)) == {"b1"}


def test_spread_ignores_other_namespaces_and_schedule_anyway():
    running = [make_pod("w1", node="a1", labels={"app": "web"}, namespace="other")]
    pod = make_pod("p", labels={"app": "web"}, spec={"topologySpreadConstraints": [spread()]})
    assert set(verdicts(zoned_nodes(), pod, running)) == {"nozone"}
    soft = make_pod("p", spec={"topologySpreadConstraints": [spread(when="ScheduleAnyway")]})
    assert verdicts(zoned_nodes(), soft, running) == {}


def term(key, labels, weight=None):
    body = {"labelSelector": {"matchLabels": labels}, "topologyKey": key}
    return {"weight": weight, "podAffinityTerm": body} if weight else body


def required(kind, *terms):
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": list(terms)}}


def test_pod_affinity_needs_a_matching_pod_in_the_domain():
    running = [make_pod("db", node="a2", labels={"app": "db"})]
    pod = make_pod("p", spec={"affinity": required("podAffinity", term(ZONE, {"app": "db"}))})
    reason = (UNRESOLVABLE, ("node(s) didn't match pod affinity rules",))
    assert verdicts(zoned_nodes(), pod, running) == {"b1": reason, "nozone": reason}


def test_first_pod_of_a_self_affine_group_may_go_anywhere_with_the_key():
    affinity = required("podAffinity", term(ZONE, {"app": "cache"}))
    pod = make_pod("p", labels={"app": "cache"}, spec={"affinity": affinity})
    assert set(verdicts(zoned_nodes(), pod)) == {"nozone"}


def test_pod_anti_affinity_both_ways():
    running = [make_pod("w1", node="a1", labels={"app": "web"})]
    hostname = "kubernetes.io/hostname"
    pod = make_pod(
        "p",
        labels={"app": "web"},
        spec={"affinity": required("podAntiAffinity", term(hostname, {"app": "web"}))},
    )
    assert verdicts(zoned_nodes(), pod, running) == {
        "a1": (UNSCHEDULABLE, ("node(s) didn't match pod anti-affinity rules",))
    }
    # An existing pod that refuses neighbours labelled app=web keeps this pod out of its zone.
    loner = make_pod(
        "loner",
        node="b1",
        spec={"affinity": required("podAntiAffinity", term(ZONE, {"app": "web"}))},
    )
    plain = make_pod("q", labels={"app": "web"})
    assert verdicts(zoned_nodes(), plain, [loner]) == {
        "b1": (UNSCHEDULABLE, ("node(s) didn't satisfy existing pods anti-affinity rules",))
    }
