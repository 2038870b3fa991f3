"""``type: nat`` from YAML: the gateway built with its knobs, the table and counters in
summary.json, mappings in the trace, a static forward, pool exhaustion as a counted
drop."""

import json
from ipaddress import IPv4Address

from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario
from simulator.stack.nat_table import StaticForward
from simulator.wire.ipv4 import PROTO_TCP

HOME = """\
name: nat
topology:
  name: home
  nodes:
    pc1: {{type: host, ip: 192.168.1.10/24, gateway: 192.168.1.1}}
    pc2: {{type: host, ip: 192.168.1.11/24, gateway: 192.168.1.1,
           http_server: {{paths: {{/: "inside"}}}}}}
    sw: {{type: switch}}
    home:
      type: nat
      interfaces: {{lan: 192.168.1.1/24, wan: 203.0.113.2/30}}
      routes: [{{to: default, via: 203.0.113.1}}]
      nat: {{outside: wan{nat}}}
    isp:
      type: router
      interfaces: {{e0: 203.0.113.1/30, e1: 198.51.100.1/24}}
    server: {{type: host, ip: 198.51.100.10/24, gateway: 198.51.100.1}}
  links: [[pc1, sw], [pc2, sw], [sw, "home:lan"], ["home:wan", "isp:e0"], ["isp:e1", server]]
until: {until}
run:
{run}
capture: ["home:wan"]
"""


def run(tmp_path, run: str, nat: str = "", until: str = "10s"):
    result = run_scenario(load_text(HOME.format(run=run, nat=nat, until=until)), out_dir=tmp_path,
                          plots=False)
    summary = json.loads((tmp_path / "summary.json").read_text())
    return result, summary


def test_the_yaml_knobs_reach_the_gateway(tmp_path):
    nat = (", ports: 2000-2999, mapping: address-dependent, filtering: endpoint-independent, "
           "timeouts: {udp: 2min, tcp_established: 60min, tcp_transitory: 1min, icmp: 30s}, "
           "hairpinning: false, forwards: [{proto: tcp, port: 8080, to: 192.168.1.11:80}]")
    result, _ = run(tmp_path, "  - {at: 1s, on: pc1, ping: {dst: 198.51.100.10, count: 1}}", nat)
    gateway = result.network.nodes["home"]
    config = gateway.napt.config
    assert gateway.inside == {gateway.interfaces["lan"]}
    assert gateway.outside is gateway.interfaces["wan"]
    assert (str(config.public), config.ports) == ("203.0.113.2", range(2000, 3000))
    assert (config.mapping, config.filtering, config.hairpinning) == (
        "address-dependent", "endpoint-independent", False)
    assert (config.udp_timeout_ns, config.tcp_established_ns, config.tcp_transitory_ns,
            config.icmp_timeout_ns) == (120 * 10**9, 3600 * 10**9, 60 * 10**9, 30 * 10**9)
    assert config.forwards == (StaticForward(PROTO_TCP, 8080, IPv4Address("192.168.1.11"), 80),)


def test_summary_has_the_table_and_counters_and_the_trace_every_mapping(tmp_path):
    _, summary = run(tmp_path, "  - {at: 1s, on: pc1, ping: {dst: 198.51.100.10, count: 2}}",
                     ", timeouts: {icmp: 3s}")
    nat = summary["services"]["home"]["nat"]
    assert nat["public"] == "203.0.113.2"
    assert (nat["mappings_created"], nat["mappings_expired"]) == (1, 1)
    assert nat["counters"] == {"inbound": 2, "outbound": 2}
    assert nat["table"] == []                                   # expired by the end
    events = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    mapped = [e for e in events if e["layer"] == "nat"]
    assert [(e["event"], e["internal"].split(":")[0]) for e in mapped] == [
        ("nat.map", "192.168.1.10"), ("nat.expire", "192.168.1.10")]
    # the second echo at 2 s refreshes the mapping: it expires 3 s after that reply
    assert mapped[1]["lifetime_ns"] > 4 * 10**9


def test_a_static_forward_lets_the_outside_reach_an_inside_server(tmp_path):
    result, summary = run(
        tmp_path, "  - {at: 1s, on: server, name: get, http_get: {url: 'http://203.0.113.2:8080/'}}",
        ", forwards: [{proto: tcp, port: 8080, to: 192.168.1.11:80}]")
    (row,) = result.results()[0]["requests"]
    assert (row["status"], row["body_bytes"]) == (200, len("inside"))
    (static,) = summary["services"]["home"]["nat"]["table"]
    assert (static["internal"], static["external"], static["static"]) == (
        "192.168.1.11:80", "203.0.113.2:8080", True)


def test_pool_exhaustion_is_a_counted_drop(tmp_path):
    """One external port: pc1's datagrams take it, pc2's have none (RFC 4787 §4.2)."""
    sends = ("  - {at: 1s, on: pc1, udp_send: {dst: 198.51.100.10, port: 9, count: 2}}\n"
             "  - {at: 1s, on: pc2, udp_send: {dst: 198.51.100.10, port: 9, count: 3}}")
    _, summary = run(tmp_path, sends, ", ports: 1024-1024")
    nat = summary["services"]["home"]["nat"]
    assert nat["counters"]["NAT_PORTS_EXHAUSTED"] == 3
    assert nat["counters"]["outbound"] == 2
    assert summary["drops"]["home"]["NAT_PORTS_EXHAUSTED"] == 3
    (mapping,) = nat["table"]
    assert (mapping["internal"], mapping["external"]) == ("192.168.1.10:32768", "203.0.113.2:1024")


def test_the_json_schema_takes_the_nat_and_http_shorthands():
    """`netsim schema`: port ranges, address:port forwards and path bodies as YAML writes them."""
    import jsonschema

    from simulator.scenario.jsonschema import json_schema
    from simulator.scenario.yamlpos import load_yaml

    text = HOME.format(run="", until="1s", nat=", ports: 2000-2999, forwards: "
                       "[{proto: tcp, port: 8080, to: 192.168.1.11:80}]")
    topology = load_yaml(text).data["topology"]
    validator = jsonschema.Draft7Validator(json_schema("topology"))
    assert [e.message for e in validator.iter_errors(topology)] == []
    topology["nodes"]["home"]["nat"]["ports"] = [2000, 2999]
    assert list(validator.iter_errors(topology))
