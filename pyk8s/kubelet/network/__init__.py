"""Pod networking on the node: namespaces held open by bind mounts, and CNI plugins run per spec."""
