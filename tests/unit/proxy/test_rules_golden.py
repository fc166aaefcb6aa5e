"""Golden tests: the whole rendered rule set, as iptables-save prints it, for known states.

The expected text is what kube-proxy's iptables mode installs for the same objects (same
chain names, comments, match order and probabilities), so these listings read like the
`iptables-save` output in the tutorials.
"""

from pyk8s.proxy.model import NodeInfo
from pyk8s.proxy.rules import ProxyOptions, render
from tests.unit.proxy.builders import endpoint, endpoint_slice, port, service, slice_port

NODE = NodeInfo("node-a", ip="192.168.50.10", addresses=("192.168.50.10", "127.0.0.1"))

WEB_CLUSTER_IP = """\
*filter
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SERVICES - [0:0]
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-SERVICES -d 10.96.0.53/32 -p udp -m comment --comment "kube-system/dns:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODEPORTS - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-MQPSSF2DIKDEHI3U - [0:0]
:KUBE-SEP-QA4PSDNF5R2OJOPA - [0:0]
:KUBE-SEP-VQGOCFX4X6FWJPNR - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-CDGGSHYLG3RE2FKL - [0:0]
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SEP-MQPSSF2DIKDEHI3U -s 10.244.0.4/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-MQPSSF2DIKDEHI3U -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.4:8080
-A KUBE-SEP-QA4PSDNF5R2OJOPA -s 10.244.0.2/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-QA4PSDNF5R2OJOPA -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.0.2:8080
-A KUBE-SEP-VQGOCFX4X6FWJPNR -s 10.244.2.3/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-VQGOCFX4X6FWJPNR -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.2.3:8080
-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-SERVICES ! -d 127.0.0.0/8 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-CDGGSHYLG3RE2FKL ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.2:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-QA4PSDNF5R2OJOPA
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.4:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-MQPSSF2DIKDEHI3U
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.3:8080" -j KUBE-SEP-VQGOCFX4X6FWJPNR
COMMIT
"""


def test_cluster_ip_service_with_three_endpoints_and_one_without_any():
    web = service("web", "10.96.0.10", [port(80, "http", targetPort="web")])
    dns = service("dns", "10.96.0.53", [port(53, "dns", "UDP")], namespace="kube-system")
    headless = service("db", "None", [port(5432)])
    pods = [endpoint("10.244.0.4"), endpoint("10.244.2.3", "node-b"), endpoint("10.244.0.2")]
    slices = [
        endpoint_slice("web", pods, [slice_port(8080, "http")]),
        endpoint_slice("db", [endpoint("10.244.0.9")], [slice_port(5432)]),
    ]
    options = ProxyOptions(cluster_cidr="10.244.0.0/16")
    rules = render([web, dns, headless], slices, NODE, options)
    assert rules.restore_text() == WEB_CLUSTER_IP


NODE_PORT_LOCAL_NAT = """\
-A KUBE-EXT-CDGGSHYLG3RE2FKL -s 10.244.0.0/16 -m comment --comment "pod traffic for default/web:http external destinations" -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "masquerade LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-EXT-CDGGSHYLG3RE2FKL -m comment --comment "route LOCAL traffic for default/web:http external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-CDGGSHYLG3RE2FKL
-A KUBE-EXT-CDGGSHYLG3RE2FKL -j KUBE-SVL-CDGGSHYLG3RE2FKL
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 30080 -j KUBE-EXT-CDGGSHYLG3RE2FKL
-A KUBE-SEP-2RIJ5GIYXEFH6G4D -s 10.244.2.7/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-2RIJ5GIYXEFH6G4D -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.2.7:8080
-A KUBE-SEP-AFGSLHOD2HFNCBX4 -s 10.244.1.5/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ
-A KUBE-SEP-AFGSLHOD2HFNCBX4 -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.5:8080
-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVL-CDGGSHYLG3RE2FKL
-A KUBE-SERVICES ! -d 127.0.0.0/8 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-AFGSLHOD2HFNCBX4
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.2.7:8080" -j KUBE-SEP-2RIJ5GIYXEFH6G4D
-A KUBE-SVL-CDGGSHYLG3RE2FKL ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ
-A KUBE-SVL-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.1.5:8080" -j KUBE-SEP-AFGSLHOD2HFNCBX4
"""


def service_rules(rules, table: str) -> str:
    """The rules of one table without the fixed rules every rule set has."""
    fixed = ("-A KUBE-MARK-MASQ ", "-A KUBE-POSTROUTING ", "-A KUBE-FORWARD ")
    lines = [line for line in rules.table(table).restore_lines() if line.startswith("-A ")]
    return "".join(line + "\n" for line in lines if not line.startswith(fixed))


def test_node_port_with_local_traffic_policies_uses_only_this_nodes_endpoints():
    web = service(
        "web", "10.96.0.20", [port(80, "http", nodePort=30080)], type="NodePort",
        externalTrafficPolicy="Local", internalTrafficPolicy="Local",
    )  # fmt: skip
    pods = [endpoint("10.244.1.5"), endpoint("10.244.2.7", node="node-b")]
    slices = [endpoint_slice("web", pods, [slice_port(8080, "http")])]
    rules = render([web], slices, NODE, ProxyOptions(cluster_cidr="10.244.0.0/16"))
    assert service_rules(rules, "nat") == NODE_PORT_LOCAL_NAT
    assert service_rules(rules, "filter") == ""


LOAD_BALANCER_NAT = """\
-A KUBE-EXT-WMXB4IV4XJUTQTS2 -m comment --comment "masquerade traffic for default/lb:https external destinations" -j KUBE-MARK-MASQ
-A KUBE-EXT-WMXB4IV4XJUTQTS2 -j KUBE-SVC-WMXB4IV4XJUTQTS2
-A KUBE-FW-WMXB4IV4XJUTQTS2 -s 192.168.50.0/24 -m comment --comment "default/lb:https loadbalancer IP" -j KUBE-EXT-WMXB4IV4XJUTQTS2
-A KUBE-FW-WMXB4IV4XJUTQTS2 -s 198.51.100.4/32 -m comment --comment "default/lb:https loadbalancer IP" -j KUBE-EXT-WMXB4IV4XJUTQTS2
-A KUBE-FW-WMXB4IV4XJUTQTS2 -m comment --comment "other traffic to default/lb:https will be dropped by KUBE-PROXY-FIREWALL"
-A KUBE-NODEPORTS -p tcp -m comment --comment "default/lb:https" -m tcp --dport 31443 -j KUBE-EXT-WMXB4IV4XJUTQTS2
-A KUBE-SEP-2B5UQJUMGW6BQ2MJ -s 10.244.2.8/32 -m comment --comment "default/lb:https" -j KUBE-MARK-MASQ
-A KUBE-SEP-2B5UQJUMGW6BQ2MJ -p tcp -m comment --comment "default/lb:https" -m tcp -j DNAT --to-destination 10.244.2.8:8443
-A KUBE-SERVICES -d 10.96.0.30/32 -p tcp -m comment --comment "default/lb:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-WMXB4IV4XJUTQTS2
-A KUBE-SERVICES -d 203.0.113.9/32 -p tcp -m comment --comment "default/lb:https external IP" -m tcp --dport 443 -j KUBE-EXT-WMXB4IV4XJUTQTS2
-A KUBE-SERVICES -d 198.51.100.4/32 -p tcp -m comment --comment "default/lb:https loadbalancer IP" -m tcp --dport 443 -j KUBE-FW-WMXB4IV4XJUTQTS2
-A KUBE-SERVICES -d 192.168.50.10/32 -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS
-A KUBE-SVC-WMXB4IV4XJUTQTS2 -m comment --comment "default/lb:https -> 10.244.2.8:8443" -j KUBE-SEP-2B5UQJUMGW6BQ2MJ
"""
LOAD_BALANCER_FILTER = """\
-A KUBE-PROXY-FIREWALL -d 198.51.100.4/32 -p tcp -m comment --comment "default/lb:https traffic not accepted by KUBE-FW-WMXB4IV4XJUTQTS2" -m tcp --dport 443 -j DROP
"""


def test_load_balancer_with_external_ip_source_ranges_and_node_port_addresses():
    lb = service(
        "lb", "10.96.0.30", [port(443, "https", nodePort=31443)], type="LoadBalancer",
        externalIPs=["203.0.113.9"], loadBalancerSourceRanges=["192.168.50.0/24"],
    )  # fmt: skip
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.4", "ipMode": "VIP"}]}}
    slices = [endpoint_slice("lb", [endpoint("10.244.2.8", "node-b")], [slice_port(8443, "https")])]
    options = ProxyOptions(nodeport_addresses=("192.168.50.0/24", "127.0.0.0/8"))
    rules = render([lb], slices, NODE, options)
    assert service_rules(rules, "nat") == LOAD_BALANCER_NAT
    assert service_rules(rules, "filter") == LOAD_BALANCER_FILTER


SESSION_AFFINITY_SVC = """\
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.2:80" -m recent --rcheck --seconds 600 --reap --name KUBE-SEP-ZA46Z6MXOL6YIMBQ --mask 255.255.255.255 --rsource -j KUBE-SEP-ZA46Z6MXOL6YIMBQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.3:80" -m recent --rcheck --seconds 600 --reap --name KUBE-SEP-UF6OOORCMXPJJDSV --mask 255.255.255.255 --rsource -j KUBE-SEP-UF6OOORCMXPJJDSV
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.2:80" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-ZA46Z6MXOL6YIMBQ
-A KUBE-SVC-CDGGSHYLG3RE2FKL -m comment --comment "default/web:http -> 10.244.0.3:80" -j KUBE-SEP-UF6OOORCMXPJJDSV
"""


def test_client_ip_session_affinity_uses_the_recent_module():
    web = service(
        "web", "10.96.0.10", [port(80, "http")], sessionAffinity="ClientIP",
        sessionAffinityConfig={"clientIP": {"timeoutSeconds": 600}},
    )  # fmt: skip
    pods = [endpoint("10.244.0.2"), endpoint("10.244.0.3")]
    rules = render([web], [endpoint_slice("web", pods, [slice_port(80, "http")])], NODE)
    svc = "".join(line + "\n" for line in rules.nat.chains["KUBE-SVC-CDGGSHYLG3RE2FKL"])
    assert svc == SESSION_AFFINITY_SVC
    sep = rules.nat.chains["KUBE-SEP-ZA46Z6MXOL6YIMBQ"][1]
    assert sep == (
        '-A KUBE-SEP-ZA46Z6MXOL6YIMBQ -p tcp -m comment --comment "default/web:http"'
        " -m recent --set --name KUBE-SEP-ZA46Z6MXOL6YIMBQ --mask 255.255.255.255 --rsource"
        " -m tcp -j DNAT --to-destination 10.244.0.2:80"
    )
