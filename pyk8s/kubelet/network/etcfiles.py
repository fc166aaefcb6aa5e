"""The files a pod's containers share: /etc/hostname, /etc/hosts and /etc/resolv.conf.

The kubelet writes them once per pod sandbox, after the pod has its IP, and every container
bind-mounts them, so all containers of a pod agree on who they are and how to resolve names.
The contents follow what the kubelet writes: a "Kubernetes-managed" hosts file with the pod's
own name (its FQDN too when it has a subdomain) and its hostAliases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def pod_hostname(pod: Mapping) -> str:
    """spec.hostname, else the pod's name, cut to 63 characters as the kubelet does."""
    spec = pod.get("spec") or {}
    name = spec.get("hostname") or (pod.get("metadata") or {}).get("name", "localhost")
    return name[:63].rstrip("-.")


def hosts_file(pod: Mapping, pod_ips: Sequence[str], cluster_domain: str = "cluster.local") -> str:
    """The kubelet-managed /etc/hosts: loopback names, the pod's own name, then hostAliases."""
    lines = [
        "# Kubernetes-managed hosts file.",
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "fe00::0\tip6-mcastprefix",
        "fe00::1\tip6-allnodes",
        "fe00::2\tip6-allrouters",
    ]
    spec, metadata = pod.get("spec") or {}, pod.get("metadata") or {}
    hostname = pod_hostname(pod)
    names = hostname
    if spec.get("subdomain"):
        fqdn = f"{hostname}.{spec['subdomain']}.{metadata.get('namespace', 'default')}.svc.{cluster_domain}"
        names = f"{fqdn}\t{hostname}"
    lines += [f"{ip}\t{names}" for ip in pod_ips]
    aliases = spec.get("hostAliases") or []
    if aliases:
        lines.append("")
        lines.append("# Entries added by HostAliases.")
        lines += [f"{a['ip']}\t{chr(9).join(a.get('hostnames') or [])}" for a in aliases]
    return "\n".join(lines) + "\n"


def resolv_conf(
    nameservers: Sequence[str], searches: Sequence[str] = (), options: Sequence[str] = ()
) -> str:
    lines = [f"search {' '.join(searches)}"] if searches else []
    lines += [f"nameserver {server}" for server in nameservers]
    if options:
        lines.append(f"options {' '.join(options)}")
    return "\n".join(lines) + "\n"
