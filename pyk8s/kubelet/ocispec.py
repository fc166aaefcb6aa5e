"""The OCI runtime spec (runc's config.json) for one container of a pod.

The pod spec says what Kubernetes users mean; the OCI spec says what runc does. This module is
the translation, with the rules Kubernetes and containerd apply:

* process: `command` replaces the image's Entrypoint (and drops its Cmd), `args` replaces Cmd;
  `$(VAR)` in them expands from the container's environment, `$$` escapes a dollar;
  env is the image's, then the container's (already resolved from fieldRefs and the like);
* user: runAsUser/runAsGroup (container over pod), else the image's User, looked up in the
  image's own /etc/passwd when it is a name; supplementalGroups and fsGroup are added;
* security: containerd's default capability set, changed by `capabilities.add/drop`;
  `privileged` gets every capability, every device and no masked paths; readOnlyRootFilesystem
  and allowPrivilegeEscalation: false map to root.readonly and noNewPrivileges;
* resources: cpu requests become cpu shares, cpu limits a CFS quota over a 100 ms period,
  memory limits the memory cgroup's limit, as the kubelet computes them;
* the pod's namespaces (network, IPC, UTS) are joined by path; pid and mount are private;
* the pod's /etc/hosts, /etc/resolv.conf and /etc/hostname (network/etcfiles.py) are
  bind-mounted in, then volumes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyk8s.api.quantity import Quantity
from pyk8s.kubelet.network.etcfiles import pod_hostname

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_CAPABILITIES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)  # fmt: skip
ALL_CAPABILITIES = (
    *DEFAULT_CAPABILITIES,
    "CAP_DAC_READ_SEARCH", "CAP_LINUX_IMMUTABLE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_LEASE", "CAP_AUDIT_CONTROL", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)  # fmt: skip
MASKED_PATHS = (
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
    "/sys/firmware", "/sys/devices/virtual/powercap",
)  # fmt: skip
READONLY_PATHS = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")
CPU_PERIOD_US = 100_000
MIN_CPU_SHARES = 2
MIN_CPU_QUOTA_US = 1_000


@dataclass(frozen=True)
class HostMount:
    """A volume already prepared on the node, to bind into the container."""

    container_path: str
    host_path: str
    read_only: bool = False


@dataclass(frozen=True)
class PodSandboxPaths:
    """Where the pod's shared pieces live on the node (None: use the host's, e.g. hostNetwork)."""

    netns: str | None
    ipc: str | None
    uts: str | None
    hosts_file: str | None
    resolv_conf: str | None
    hostname_file: str | None


_VAR_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: unknown names stay as written, `$$` is a literal `$`."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _VAR_REFERENCE.sub(substitute, text)


def process_args(container: Mapping, image_config: Mapping, env: Mapping[str, str]) -> list[str]:
    """The argv to run: the pod's command/args layered over the image's Entrypoint/Cmd."""
    command, args = container.get("command"), container.get("args")
    if command:
        entrypoint = [expand(part, env) for part in command]
    else:
        entrypoint = list(image_config.get("Entrypoint") or [])
    if args is not None:
        cmd = [expand(part, env) for part in args]
    elif command:
        cmd = []  # a pod that sets command alone does not inherit the image's Cmd
    else:
        cmd = list(image_config.get("Cmd") or [])
    argv = entrypoint + cmd
    if not argv:
        raise ValueError("no command specified: neither the pod nor the image gives one")
    return argv


def merged_env(image_config: Mapping, env: Sequence[tuple[str, str]]) -> list[str]:
    """KEY=value strings: the image's variables, then the container's (later ones win)."""
    values: dict[str, str] = {}
    for item in image_config.get("Env") or []:
        key, _, value = item.partition("=")
        values[key] = value
    values.setdefault("PATH", DEFAULT_PATH)
    for key, value in env:
        values[key] = value
    return [f"{k}={v}" for k, v in values.items()]


def _lookup(rootfs: str, file: str, name: str) -> int | None:
    try:
        with open(os.path.join(rootfs, "etc", file)) as entries:
            for line in entries:
                fields = line.strip().split(":")
                if len(fields) > 2 and fields[0] == name:
                    return int(fields[2])
    except (OSError, ValueError):
        return None
    return None


def resolve_user(
    pod_security: Mapping, security: Mapping, image_config: Mapping, rootfs: str
) -> dict:
    """The OCI `user`: uid, gid and additional gids."""
    uid = security.get("runAsUser", pod_security.get("runAsUser"))
    gid = security.get("runAsGroup", pod_security.get("runAsGroup"))
    image_user, _, image_group = (image_config.get("User") or "").partition(":")
    if uid is None and image_user:
        uid = int(image_user) if image_user.isdigit() else _lookup(rootfs, "passwd", image_user)
        if uid is None:
            raise ValueError(
                f"unable to find user {image_user}: no matching entries in passwd file"
            )
    if gid is None and image_group:
        gid = int(image_group) if image_group.isdigit() else _lookup(rootfs, "group", image_group)
    if gid is None:
        gid = 0  # a uid without a group gets group 0, as runc and containerd do
    extra = [*pod_security.get("supplementalGroups", [])]
    if pod_security.get("fsGroup") is not None:
        extra.append(pod_security["fsGroup"])
    user: dict = {"uid": int(uid or 0), "gid": int(gid)}
    if extra:
        user["additionalGids"] = sorted({int(g) for g in extra})
    return user


def capabilities(security: Mapping) -> list[str]:
    if security.get("privileged"):
        return list(ALL_CAPABILITIES)
    changes = security.get("capabilities") or {}
    names = lambda key: {c if c.startswith("CAP_") else f"CAP_{c}" for c in changes.get(key) or []}  # noqa: E731
    drop, add = names("drop"), names("add")
    kept = [] if "CAP_ALL" in drop else [c for c in DEFAULT_CAPABILITIES if c not in drop]
    added = list(ALL_CAPABILITIES) if "CAP_ALL" in add else sorted(add)
    return kept + [c for c in added if c not in kept]


def cgroup_resources(resources: Mapping, pids_limit: int | None = None) -> dict:
    """The Linux cgroup settings for a container's requests and limits."""
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    cpu_request = requests.get("cpu", limits.get("cpu"))
    out: dict = {"devices": [{"allow": False, "access": "rwm"}]}
    cpu: dict = {}
    if cpu_request is not None:
        cpu["shares"] = max(
            MIN_CPU_SHARES, Quantity.parse(cpu_request).milli_value() * 1024 // 1000
        )
    else:
        cpu["shares"] = MIN_CPU_SHARES  # best effort: the smallest share, as the kubelet gives
    if limits.get("cpu") is not None:
        quota = Quantity.parse(limits["cpu"]).milli_value() * CPU_PERIOD_US // 1000
        cpu.update(quota=max(MIN_CPU_QUOTA_US, quota), period=CPU_PERIOD_US)
    out["cpu"] = cpu
    if limits.get("memory") is not None:
        out["memory"] = {"limit": Quantity.parse(limits["memory"]).value()}
    if pids_limit:
        out["pids"] = {"limit": pids_limit}
    return out


def _default_mounts(read_only_sys: bool) -> list[dict]:
    sys_options = ["nosuid", "noexec", "nodev", "ro" if read_only_sys else "rw"]
    return [
        {
            "destination": "/proc",
            "type": "proc",
            "source": "proc",
            "options": ["nosuid", "noexec", "nodev"],
        },
        {
            "destination": "/dev",
            "type": "tmpfs",
            "source": "tmpfs",
            "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
        },
        {
            "destination": "/dev/pts",
            "type": "devpts",
            "source": "devpts",
            "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        },
        {
            "destination": "/dev/shm",
            "type": "tmpfs",
            "source": "shm",
            "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
        },
        {
            "destination": "/dev/mqueue",
            "type": "mqueue",
            "source": "mqueue",
            "options": ["nosuid", "noexec", "nodev"],
        },
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": sys_options},
    ]


def _bind(destination: str, source: str, read_only: bool) -> dict:
    options = ["rbind", "rprivate", "ro" if read_only else "rw"]
    return {"destination": destination, "type": "bind", "source": source, "options": options}


def _namespaces(sandbox: PodSandboxPaths) -> list[dict]:
    namespaces: list[dict] = [{"type": "pid"}, {"type": "mount"}]
    for kind, path in (("network", sandbox.netns), ("ipc", sandbox.ipc), ("uts", sandbox.uts)):
        if path:
            namespaces.append({"type": kind, "path": path})
    return namespaces


def build_spec(
    *,
    pod: Mapping,
    container: Mapping,
    image_config: Mapping,
    rootfs: str,
    env: Sequence[tuple[str, str]],
    sandbox: PodSandboxPaths,
    mounts: Sequence[HostMount] = (),
    cgroups_path: str,
    pids_limit: int | None = None,
) -> dict:
    """The complete config.json for runc."""
    pod_spec = pod.get("spec") or {}
    pod_security = pod_spec.get("securityContext") or {}
    security = container.get("securityContext") or {}
    privileged = bool(security.get("privileged"))
    env_list = merged_env(image_config, env)
    env_map = dict(item.partition("=")[::2] for item in env_list)
    caps = capabilities(security)
    process = {
        "terminal": bool(container.get("tty")),  # the shim then takes runc's console socket
        "user": resolve_user(pod_security, security, image_config, rootfs),
        "args": process_args(container, image_config, env_map),
        "env": env_list,
        "cwd": container.get("workingDir") or image_config.get("WorkingDir") or "/",
        "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
        "noNewPrivileges": security.get("allowPrivilegeEscalation") is False,
    }
    all_mounts = _default_mounts(read_only_sys=not privileged)
    for destination, source in (
        ("/etc/hosts", sandbox.hosts_file),
        ("/etc/resolv.conf", sandbox.resolv_conf),
        ("/etc/hostname", sandbox.hostname_file),
    ):
        if source:
            all_mounts.append(_bind(destination, source, read_only=False))
    all_mounts += [_bind(m.container_path, m.host_path, m.read_only) for m in mounts]
    resources = cgroup_resources(container.get("resources") or {}, pids_limit)
    if privileged:
        resources["devices"] = [{"allow": True, "access": "rwm"}]
    linux: dict = {
        "cgroupsPath": cgroups_path,
        "resources": resources,
        "namespaces": _namespaces(sandbox),
    }
    if not privileged:
        linux.update(maskedPaths=list(MASKED_PATHS), readonlyPaths=list(READONLY_PATHS))
    spec = {
        "ociVersion": "1.0.2",
        "process": process,
        "root": {"path": rootfs, "readonly": bool(security.get("readOnlyRootFilesystem"))},
        "mounts": all_mounts,
        "linux": linux,
    }
    if sandbox.uts:
        spec["hostname"] = pod_hostname(pod)
    return spec
