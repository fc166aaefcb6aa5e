"""The Summary API's readers: /proc/net/dev parsing, CPU rates, filesystem figures."""

from __future__ import annotations

import time
from pathlib import Path

from pyk8s.kubelet import stats

NET_DEV = """Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
  eth0:    5000      40    2    0    0     0          0         0     3000      30    1    0    0     0       0          0
"""


def test_network_stats_report_eth0_and_skip_loopback(tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    dev.write_text(NET_DEV)
    found = stats.network_stats(str(dev), "now")
    assert found is not None
    assert (found["name"], found["rxBytes"], found["rxErrors"]) == ("eth0", 5000, 2)
    assert (found["txBytes"], found["txErrors"]) == (3000, 1)
    assert [i["name"] for i in found["interfaces"]] == ["eth0"]


def test_cpu_rate_appears_from_the_second_sample() -> None:
    rates = stats.CpuRates()
    first = rates.stats("pod", 1_000_000_000, "t1")
    assert first is not None and "usageNanoCores" not in first
    time.sleep(0.05)
    second = rates.stats("pod", 1_050_000_000, "t2")
    assert second is not None and second["usageCoreNanoSeconds"] == 1_050_000_000
    assert 0 < second["usageNanoCores"] <= 1_000_000_000  # 50 ms of CPU in ≥ 50 ms: ≤ 1 core


def test_fs_stats_counts_a_directory_usage(tmp_path: Path) -> None:
    (tmp_path / "data").write_bytes(b"x" * 8192)
    used = stats.directory_usage(str(tmp_path))
    found = stats.fs_stats(str(tmp_path), "now", used)
    assert found is not None and found["usedBytes"] >= 8192
    assert found["capacityBytes"] >= found["availableBytes"] > 0
    assert stats.network_stats(str(tmp_path / "missing"), "now") is None
