"""kube-proxy, iptables mode: Service IPs and node ports, programmed with iptables-restore.

model.py     Services and EndpointSlices -> ServicePort / Endpoint values (pure)
topology.py  which endpoints each traffic policy may use from this node (pure)
plan.py      options, and per service where each kind of traffic goes (pure)
rules.py     render(): the complete rule set, kube-proxy's chains and comments (pure)
external.py  the node port / external IP / load balancer part of render()
ruleset.py   chains and rules, written exactly as iptables-save prints them
chains.py    chain names (the same hashes as kube-proxy) and the jumps into them
iptables.py  the only module that runs iptables-save / iptables-restore; --cleanup
proxier.py   when to sync: coalesced, rate-limited, periodic; /healthz's answer
server.py    informers for Services, EndpointSlices and the Node -> Proxier
"""
