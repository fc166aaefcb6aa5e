"""CNI invocation per the spec, against fake plugins that record what they were given."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pyk8s.kubelet.network.cni import CNI, CNIError, PortMapping, ensure_conflist, find_configs

# A plugin that records its command and config, and answers with a result naming itself.
FAKE_PLUGIN = """#!/bin/sh
config=$(cat)
echo "$CNI_COMMAND $CNI_IFNAME $config" >> "{log}"
if [ "$CNI_COMMAND" = ADD ]; then
  printf '{{"cniVersion":"1.0.0","ips":[{{"address":"10.9.0.%s/24","gateway":"10.9.0.1"}}],"by":"%s"}}' "{octet}" "$(basename $0)"
fi
"""
FAILING_PLUGIN = """#!/bin/sh
cat > /dev/null
echo '{"cniVersion":"1.0.0","code":11,"msg":"no luck","details":"try again"}'
exit 1
"""


@pytest.fixture
def cni(tmp_path: Path) -> CNI:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, octet in (("first", 5), ("second", 6), ("loopback", 0)):
        script = bin_dir / name
        script.write_text(FAKE_PLUGIN.format(log=tmp_path / "calls.log", octet=octet))
        script.chmod(0o755)
    (bin_dir / "broken").write_text(FAILING_PLUGIN)
    (bin_dir / "broken").chmod(0o755)
    conf_dir = tmp_path / "net.d"
    conf_dir.mkdir()
    plugins = [{"type": "first"}, {"type": "second", "capabilities": {"portMappings": True}}]
    (conf_dir / "10-test.conflist").write_text(
        json.dumps({"cniVersion": "1.0.0", "name": "testnet", "plugins": plugins})
    )
    return CNI(str(conf_dir), [str(bin_dir)], cache_dir=str(tmp_path / "cache"))


def calls(tmp_path: Path) -> list[tuple[str, str, dict]]:
    found = []
    for line in (tmp_path / "calls.log").read_text().splitlines():
        command, ifname, config = line.split(" ", 2)
        found.append((command, ifname, json.loads(config)))
    return found


async def test_add_chains_plugins_and_del_runs_them_backwards(cni: CNI, tmp_path: Path):
    result = await cni.add("c1", "/run/netns/x", port_mappings=[PortMapping(80, 8080)])
    assert result.ips == ("10.9.0.6",) and result.gateway == "10.9.0.1"
    (lo, _, lo_config), (_, _, first), (_, _, second) = calls(tmp_path)
    assert (lo, lo_config["type"]) == ("ADD", "loopback")
    assert first["name"] == "testnet" and first["cniVersion"] == "1.0.0"
    assert "prevResult" not in first and "runtimeConfig" not in first
    assert second["prevResult"]["by"] == "first"
    assert second["runtimeConfig"] == {
        "portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]
    }
    assert cni.cached_result("c1")["result"]["by"] == "second"

    (tmp_path / "calls.log").unlink()
    await cni.delete("c1", "/run/netns/x")
    order = [(command, config["type"]) for command, _, config in calls(tmp_path)]
    assert order == [("DEL", "second"), ("DEL", "first"), ("DEL", "loopback")]
    assert calls(tmp_path)[0][2]["prevResult"]["by"] == "second"
    assert cni.cached_result("c1") is None


async def test_a_plugin_error_carries_its_message(cni: CNI):
    conflist = json.dumps({"cniVersion": "1.0.0", "name": "bad", "plugins": [{"type": "broken"}]})
    Path(cni.conf_dir, "00-bad.conflist").write_text(conflist)
    with pytest.raises(CNIError, match="no luck: try again"):
        await cni.add("c2", "/run/netns/x")


def test_readiness_and_the_default_conflist(tmp_path: Path):
    empty = CNI(str(tmp_path / "none"), [str(tmp_path)])
    assert "no network config found" in empty.not_ready_reason()
    path = ensure_conflist(str(tmp_path / "none"), "10.244.0.0/24")
    assert json.loads(Path(path).read_text())["plugins"][0]["ipam"]["ranges"] == [
        [{"subnet": "10.244.0.0/24"}]
    ]
    assert "plugin bridge not found" in empty.not_ready_reason()
    assert ensure_conflist(str(tmp_path / "none"), "10.0.0.0/8") == path  # an existing config wins
    assert find_configs(str(tmp_path / "none")) == [path]
    assert os.path.basename(path) == "10-pyk8s.conflist"
