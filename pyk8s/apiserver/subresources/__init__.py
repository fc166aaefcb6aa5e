"""Subresources that are not stored but served by a kubelet: logs, exec, attach,
port-forward and the node proxy. Imported by the API server at start; importing registers
the handlers. `kubelet_client.configure(...)` sets how the API server reaches kubelets.
"""

from __future__ import annotations

from pyk8s.apiserver.handlers import register_subresource
from pyk8s.apiserver.subresources import streams

register_subresource("", "pods", "log", streams.pod_log)
register_subresource("", "pods", "exec", streams.pod_exec)
register_subresource("", "pods", "attach", streams.pod_attach)
register_subresource("", "pods", "portforward", streams.pod_port_forward)
register_subresource("", "nodes", "proxy", streams.node_proxy)
