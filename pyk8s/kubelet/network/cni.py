"""CNI: give a pod's network namespace an interface and an IP by running the standard plugins.

The Container Network Interface is a process protocol: the runtime runs a plugin binary with
CNI_COMMAND (ADD, CHECK or DEL), CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME and CNI_PATH in its
environment and the network configuration on stdin; the plugin answers with a JSON result (or a
JSON error and a non-zero exit). A *conflist* chains plugins: each ADD gets the previous one's
result as `prevResult`; DEL runs the chain backwards. We keep each ADD's final result on disk,
as libcni does, so DEL and CHECK get the `prevResult` the spec asks for even after a restart.

`exec_prefix` runs every plugin under a command such as `ip netns exec NODE_NS`: the e2e tests
use it so that bridges, routes and iptables rules land in a namespace the test owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_BIN_DIRS = ("/opt/cni/bin", "/usr/lib/cni")
DEFAULT_CONF_DIR = "/etc/cni/net.d"
DEFAULT_CACHE_DIR = "/var/lib/cni/pyk8s-results"
HOSTPORT_CHAINS = ("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK")
BUILTIN_NAT_CHAINS = ("PREROUTING", "OUTPUT", "POSTROUTING", "INPUT")
LOOPBACK_CONFIG = {"cniVersion": "1.0.0", "name": "cni-loopback", "type": "loopback"}


def _jumps_to_hostport(rule: list[str]) -> bool:
    return any(
        rule[i] in ("-j", "-g") and rule[i + 1] in HOSTPORT_CHAINS for i in range(len(rule) - 1)
    )


class CNIError(Exception):
    """A plugin failed; the message is the plugin's own `msg` and `details`."""


@dataclass(frozen=True)
class PortMapping:
    """A container port published on the node (a pod's `hostPort`), for the portmap plugin."""

    container_port: int
    host_port: int
    protocol: str = "tcp"
    host_ip: str = ""

    def runtime_config(self) -> dict:
        entry = {
            "hostPort": self.host_port,
            "containerPort": self.container_port,
            "protocol": self.protocol.lower(),
        }
        if self.host_ip:
            entry["hostIP"] = self.host_ip
        return entry


@dataclass(frozen=True)
class Result:
    """What ADD gave the pod: its addresses (without prefix length) and the raw result."""

    ips: tuple[str, ...]
    gateway: str | None
    raw: dict = field(repr=False)

    @classmethod
    def parse(cls, raw: dict) -> Result:
        ips, gateway = [], None
        for entry in raw.get("ips", []):
            ips.append(entry["address"].split("/")[0])
            gateway = gateway or entry.get("gateway")
        return cls(tuple(ips), gateway, raw)


def default_conflist(
    pod_cidr: str, *, name: str = "pyk8s", bridge: str = "cni0", data_dir: str | None = None
) -> dict:
    """The conflist the kubelet writes when none exists: a bridge with host-local IPs, plus portmap."""
    ipam: dict = {
        "type": "host-local",
        "ranges": [[{"subnet": pod_cidr}]],
        "routes": [{"dst": "0.0.0.0/0"}],
    }
    if data_dir:
        ipam["dataDir"] = data_dir
    return {
        "cniVersion": "1.0.0",
        "name": name,
        "plugins": [
            {
                "type": "bridge",
                "bridge": bridge,
                "isGateway": True,
                "ipMasq": True,
                "hairpinMode": True,
                "ipam": ipam,
            },
            {"type": "portmap", "capabilities": {"portMappings": True}, "snat": True},
        ],
    }


def ensure_conflist(conf_dir: str, pod_cidr: str, **options: str) -> str:
    """Write the default conflist into `conf_dir` unless some network config is already there."""
    existing = find_configs(conf_dir)
    if existing:
        return existing[0]
    os.makedirs(conf_dir, exist_ok=True)
    path = os.path.join(conf_dir, "10-pyk8s.conflist")
    with open(path, "w") as file:
        json.dump(default_conflist(pod_cidr, **options), file, indent=2)
    return path


def find_configs(conf_dir: str) -> list[str]:
    """Network configs in the order CNI runtimes pick them: sorted by file name."""
    patterns = ("*.conflist", "*.conf", "*.json")
    return sorted(p for pattern in patterns for p in glob.glob(os.path.join(conf_dir, pattern)))


def load_conflist(path: str) -> dict:
    """A conflist; a single-plugin .conf file is wrapped into a one-element list."""
    with open(path) as file:
        config = json.load(file)
    if "plugins" not in config:
        plugin = {k: v for k, v in config.items() if k not in ("cniVersion", "name")}
        config = {
            "cniVersion": config.get("cniVersion", "0.4.0"),
            "name": config["name"],
            "plugins": [plugin],
        }
    return config


class CNI:
    def __init__(
        self,
        conf_dir: str = DEFAULT_CONF_DIR,
        bin_dirs: Sequence[str] = DEFAULT_BIN_DIRS,
        *,
        cache_dir: str = DEFAULT_CACHE_DIR,
        exec_prefix: Sequence[str] = (),
    ) -> None:
        self.conf_dir, self.bin_dirs, self.cache_dir = conf_dir, tuple(bin_dirs), cache_dir
        self.exec_prefix = tuple(exec_prefix)

    def not_ready_reason(self) -> str | None:
        """Why pods cannot get networks yet (the node's Ready condition shows it), or None."""
        configs = find_configs(self.conf_dir)
        if not configs:
            return f"cni config uninitialized: no network config found in {self.conf_dir}"
        for plugin in load_conflist(configs[0])["plugins"]:
            if self._find_plugin(plugin["type"]) is None:
                return f"cni plugin {plugin['type']} not found in {':'.join(self.bin_dirs)}"
        return None

    def network(self) -> dict:
        configs = find_configs(self.conf_dir)
        if not configs:
            raise CNIError(f"no network config found in {self.conf_dir}")
        return load_conflist(configs[0])

    async def add(
        self,
        container_id: str,
        netns: str,
        *,
        ifname: str = "eth0",
        port_mappings: Sequence[PortMapping] = (),
        args: dict | None = None,
    ) -> Result:
        """Set up the loopback device, then the network chain; returns the chain's result."""
        await self._invoke("ADD", LOOPBACK_CONFIG, container_id, netns, "lo")
        network = self.network()
        runtime_config = {"portMappings": [m.runtime_config() for m in port_mappings]}
        previous: dict | None = None
        for plugin in network["plugins"]:
            config = self._plugin_config(network, plugin, previous, runtime_config)
            previous = await self._invoke("ADD", config, container_id, netns, ifname, args)
        result = previous or {}
        self._save_result(
            container_id,
            ifname,
            {"network": network, "result": result, "portMappings": runtime_config},
        )
        return Result.parse(result)

    async def check(self, container_id: str, netns: str, *, ifname: str = "eth0") -> None:
        """Ask every plugin whether the pod's network is still as ADD left it; raises CNIError."""
        saved = self.cached_result(container_id, ifname)
        if saved is None:
            raise CNIError(f"no cached result for container {container_id}")
        network = saved["network"]
        for plugin in network["plugins"]:
            config = self._plugin_config(network, plugin, saved["result"], saved["portMappings"])
            await self._invoke("CHECK", config, container_id, netns, ifname)

    async def delete(self, container_id: str, netns: str | None, *, ifname: str = "eth0") -> None:
        """Tear the network down, last plugin first. Safe to repeat, also after a lost netns."""
        saved = self.cached_result(container_id, ifname)
        network = saved["network"] if saved else self.network()
        previous = saved["result"] if saved else None
        runtime_config = saved["portMappings"] if saved else {"portMappings": []}
        for plugin in reversed(network["plugins"]):
            config = self._plugin_config(network, plugin, previous, runtime_config)
            await self._invoke("DEL", config, container_id, netns or "", ifname)
        if netns:
            await self._invoke("DEL", LOOPBACK_CONFIG, container_id, netns, "lo")
        self._forget_result(container_id, ifname)

    @staticmethod
    def _plugin_config(
        network: dict, plugin: dict, previous: dict | None, runtime_config: dict
    ) -> dict:
        config = {"cniVersion": network["cniVersion"], "name": network["name"], **plugin}
        wanted = {
            k: v for k, v in runtime_config.items() if (plugin.get("capabilities") or {}).get(k)
        }
        if wanted:
            config["runtimeConfig"] = wanted
        if previous is not None:
            config["prevResult"] = previous
        return config

    async def remove_shared_hostport_chains(self) -> None:
        """Remove the portmap plugin's shared nat chains, which its DEL leaves behind.

        portmap creates CNI-HOSTPORT-DNAT/-MASQ/-SETMARK once, with jumps from PREROUTING,
        OUTPUT and POSTROUTING, and never deletes them. Call this once no pod publishes a port.
        """
        iptables_save = await self._run_on_node("iptables-save", "-t", "nat")
        for line in iptables_save.splitlines():
            words = shlex.split(line)
            if words[:1] == ["-A"] and words[1] in BUILTIN_NAT_CHAINS and _jumps_to_hostport(words):
                await self._run_on_node("iptables", "-t", "nat", "-D", *words[1:])
        for chain in HOSTPORT_CHAINS:
            if f":{chain} " in iptables_save:
                await self._run_on_node("iptables", "-t", "nat", "-F", chain)
                await self._run_on_node("iptables", "-t", "nat", "-X", chain)

    async def _run_on_node(self, *argv: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *self.exec_prefix, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        stdout, stderr = await process.communicate()
        if process.returncode != 0:
            raise CNIError(f"{' '.join(argv)}: {stderr.decode().strip()}")
        return stdout.decode()

    def _find_plugin(self, kind: str) -> str | None:
        for directory in self.bin_dirs:
            path = os.path.join(directory, kind)
            if os.access(path, os.X_OK):
                return path
        return None

    async def _invoke(
        self,
        command: str,
        config: dict,
        container_id: str,
        netns: str,
        ifname: str,
        args: dict | None = None,
    ) -> dict:
        binary = self._find_plugin(config["type"])
        if binary is None:
            raise CNIError(
                f"failed to find plugin {config['type']!r} in path {list(self.bin_dirs)}"
            )
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "CNI_COMMAND": command,
            "CNI_CONTAINERID": container_id,
            "CNI_NETNS": netns,
            "CNI_IFNAME": ifname,
            "CNI_PATH": ":".join(self.bin_dirs),
        }
        if args:
            # IgnoreUnknown: plugins that do not read the pod's identity must not refuse it.
            env["CNI_ARGS"] = ";".join(
                f"{k}={v}" for k, v in {"IgnoreUnknown": "1", **args}.items()
            )
        process = await asyncio.create_subprocess_exec(
            *self.exec_prefix, binary, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        stdout, stderr = await process.communicate(json.dumps(config).encode())
        if process.returncode != 0:
            try:
                error = json.loads(stdout)
                message = f"{error.get('msg', '')}: {error.get('details', '')}".strip(": ")
            except ValueError:
                message = (stdout + stderr).decode(errors="replace").strip()
            raise CNIError(f"plugin type={config['type']!r} failed ({command}): {message}")
        return json.loads(stdout) if stdout.strip() else {}

    def _result_path(self, container_id: str, ifname: str) -> str:
        return os.path.join(self.cache_dir, f"{container_id}-{ifname}.json")

    def _save_result(self, container_id: str, ifname: str, saved: dict) -> None:
        os.makedirs(self.cache_dir, exist_ok=True)
        with open(self._result_path(container_id, ifname), "w") as file:
            json.dump(saved, file)

    def cached_result(self, container_id: str, ifname: str = "eth0") -> dict | None:
        """What the last ADD saved: {"network", "result", "portMappings"}; None if torn down."""
        try:
            with open(self._result_path(container_id, ifname)) as file:
                return json.load(file)
        except FileNotFoundError:
            return None

    def _forget_result(self, container_id: str, ifname: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._result_path(container_id, ifname))
