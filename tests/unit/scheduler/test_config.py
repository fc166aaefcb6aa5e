"""KubeSchedulerConfiguration: profiles, enabled/disabled plugins, weights."""

import pytest

from pyk8s.scheduler.cache import SchedulerCache
from pyk8s.scheduler.config import ConfigError, build_framework, load_configuration
from pyk8s.scheduler.plugin import Handle

CONFIG = """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 30
podMaxBackoffSeconds: 20
leaderElection: {leaderElect: false}
profiles:
- schedulerName: default-scheduler
- schedulerName: no-scoring
  plugins:
    score:
      disabled: [{name: "*"}]
    filter:
      disabled: [{name: NodePorts}]
- schedulerName: weighted
  percentageOfNodesToScore: 100
  plugins:
    score:
      enabled: [{name: NodeResourcesFit, weight: 5}]
    multiPoint:
      disabled: [{name: InterPodAffinity}]
"""


def names(plugins):
    return [p.name for p in plugins]


def test_profiles_and_plugin_sets():
    config = load_configuration(CONFIG)
    assert config.percentage_of_nodes_to_score == 30
    assert config.pod_max_backoff_seconds == 20 and config.pod_initial_backoff_seconds == 1
    assert config.leader_elect is False
    frameworks = {
        p.scheduler_name: build_framework(p, Handle(SchedulerCache()), 30) for p in config.profiles
    }
    default = frameworks["default-scheduler"]
    assert names(default.filter_plugins)[:4] == [
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeAffinity",
    ]
    assert default.weights["TaintToleration"] == 3 and default.percentage_of_nodes_to_score == 30
    quiet = frameworks["no-scoring"]
    assert quiet.score_plugins == []
    assert "NodePorts" not in names(quiet.filter_plugins)
    weighted = frameworks["weighted"]
    assert names(weighted.score_plugins)[0] == "NodeResourcesFit"
    assert weighted.weights["NodeResourcesFit"] == 5
    assert "InterPodAffinity" not in names(weighted.filter_plugins)
    assert weighted.percentage_of_nodes_to_score == 100


def test_unknown_plugin_and_wrong_kind_are_refused():
    with pytest.raises(ConfigError, match="not registered"):
        load_configuration(
            CONFIG.replace("name: NodePorts", "name: Bogus").replace(
                "disabled: [{name: Bogus}]", "enabled: [{name: Bogus}]"
            )
        )
    with pytest.raises(ConfigError, match="KubeSchedulerConfiguration"):
        load_configuration("apiVersion: v1\nkind: ConfigMap\n")


def test_leader_election_and_client_connection_settings():
    config = load_configuration(
        "apiVersion: kubescheduler.config.k8s.io/v1\n"
        "kind: KubeSchedulerConfiguration\n"
        "leaderElection: {leaderElect: true, leaseDuration: 1m30s, renewDeadline: 10s,"
        " retryPeriod: 500ms}\n"
        "clientConnection: {qps: 5000, burst: 6000}\n"
    )
    assert (config.lease_duration_seconds, config.renew_deadline_seconds) == (90.0, 10.0)
    assert config.retry_period_seconds == 0.5
    assert (config.client_qps, config.client_burst) == (5000.0, 6000)
    defaults = load_configuration(
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
    )
    assert (defaults.lease_duration_seconds, defaults.client_qps, defaults.client_burst) == (
        15.0,
        50.0,
        100,
    )
    with pytest.raises(ConfigError):
        load_configuration(
            "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
            "leaderElection: {leaseDuration: fifteen}\n"
        )
