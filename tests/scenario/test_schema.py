"""Valid topology and scenario files parse to exact integers, addresses and defaults."""

import textwrap
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from simulator.apps.ping import PingSpec
from simulator.scenario.load import load_any, load_scenario, load_text, load_topology
from simulator.scenario.schema import (
    NODE_TYPES,
    Action,
    ArpSpec,
    Endpoint,
    HostSpec,
    InterfaceSpec,
    LinkParams,
    QueueLimit,
    RouterSpec,
    Scenario,
    SwitchSpec,
    Topology,
)
from simulator.scenario.yamlpos import load_yaml

S, MS, US = 1_000_000_000, 1_000_000, 1_000

LAN = """\
name: lan
defaults:
  link: {rate: 10Mbps, delay: 10us, queue: 64KiB}
nodes:
  pc1: {type: host, ip: 10.0.0.1/24, gateway: 10.0.0.254, mac: "02:00:00:00:00:01"}
  pc2: {type: host, ip: 10.0.0.2/24}
  pc3:
    type: host
    interfaces:
      lan: {ip: 10.0.0.3/24, mtu: 9000}
      mgmt: 192.168.1.3/24
    multicast: [224.0.0.251]
    arp: {static: {10.0.0.1: "02-00-00-00-00-01"}, timeout: 30s, queue: 0}
  pc4: {type: host, ip: 10.0.0.4/24}
  sw: {type: switch, aging: 10s, processing_delay: 2us}
  hub: {type: hub}
  r1:
    type: router
    interfaces: {e0: 10.0.0.254/24, e1: 198.51.100.1/30}
    routes:
      - {to: default, via: 198.51.100.2}
      - {to: 172.16.0.0/12, dev: e1, metric: 5}
links:
  - [pc1, sw]
  - [pc2, sw]
  - [pc3:lan, sw]
  - {ends: [hub, sw], rate: 1.5Mbps}
  - {ends: [pc4, hub], rate: 1.5Mbps, delay: 2ms, queue: 10}
  - {ends: [sw, "r1:e0"], mtu: 1400, loss: 1%, jitter: 1us, cost: 10, up: false}
"""


@pytest.fixture
def lan(tmp_path):
    path = tmp_path / "lan.yaml"
    path.write_text(LAN)
    return load_topology(path)


def test_hosts(lan):
    pc1 = lan.nodes["pc1"]
    assert isinstance(pc1, HostSpec)
    assert pc1.ip == IPv4Interface("10.0.0.1/24")
    assert pc1.gateway == IPv4Address("10.0.0.254")
    # `ip` is shorthand for one interface named eth0, which carries the mac
    assert pc1.interfaces == {
        "eth0": InterfaceSpec(ip=IPv4Interface("10.0.0.1/24"), mac="02:00:00:00:00:01")
    }
    assert pc1.arp == ArpSpec()
    assert (pc1.arp.timeout, pc1.arp.retries, pc1.arp.retry_interval, pc1.arp.queue) == (
        30 * S, 3, 1 * S, 212_992)   # base_reachable_time, mcast_solicit, retrans_time, unres_qlen_bytes
    pc3 = lan.nodes["pc3"]
    assert pc3.ip is None
    assert pc3.interfaces["lan"] == InterfaceSpec(ip=IPv4Interface("10.0.0.3/24"), mtu=9000)
    assert pc3.interfaces["mgmt"].ip == IPv4Interface("192.168.1.3/24")
    assert pc3.multicast == [IPv4Address("224.0.0.251")]
    assert pc3.arp.static == {IPv4Address("10.0.0.1"): "02:00:00:00:00:01"}  # normalised
    assert (pc3.arp.timeout, pc3.arp.queue) == (30 * S, 0)


def test_switch_hub_router(lan):
    sw = lan.nodes["sw"]
    assert isinstance(sw, SwitchSpec)
    assert (sw.aging, sw.table_size, sw.processing_delay) == (10 * S, 8192, 2 * US)
    assert SwitchSpec(type="switch").aging == 300 * S
    assert lan.nodes["hub"].type == "hub"
    r1 = lan.nodes["r1"]
    assert isinstance(r1, RouterSpec)
    assert r1.interfaces["e1"].ip == IPv4Interface("198.51.100.1/30")
    default, other = r1.routes
    assert (default.to, default.via, default.dev, default.metric) == (
        IPv4Network("0.0.0.0/0"), IPv4Address("198.51.100.2"), None, 0)
    assert (other.to, other.via, other.dev, other.metric) == (
        IPv4Network("172.16.0.0/12"), None, "e1", 5)
    assert r1.processing_delay == 0
    assert set(NODE_TYPES) == {"host", "switch", "hub", "router", "l3switch", "nat"}


def test_links_and_endpoints(lan):
    ends = [tuple(str(e) for e in link.ends) for link in lan.links]
    assert ends == [("pc1", "sw"), ("pc2", "sw"), ("pc3:lan", "sw"), ("hub", "sw"),
                    ("pc4", "hub"), ("sw", "r1:e0")]
    assert lan.links[2].ends[0] == Endpoint(node="pc3", iface="lan")
    last = lan.links[5]
    assert (last.cost, last.up, last.mtu, last.loss, last.jitter) == (10, False, 1400, 0.01, 1 * US)
    assert lan.links[0].rate is None  # not given on the link itself
    assert lan.routing == "static"


def test_link_params_merge_order(lan):
    """built-in defaults <- topology defaults <- the link's own fields"""
    assert lan.link_params(lan.links[0]) == LinkParams(
        rate=10_000_000, delay=10 * US, mtu=1500, queue=QueueLimit(bytes=65_536),
        loss=0.0, corrupt=0.0, duplicate=0.0, jitter=0)
    p = lan.link_params(lan.links[4])
    assert (p.rate, p.delay, p.queue) == (1_500_000, 2 * MS, QueueLimit(packets=10))
    p = lan.link_params(lan.links[5])
    assert (p.rate, p.delay, p.mtu, p.loss, p.jitter) == (10_000_000, 10 * US, 1400, 0.01, 1 * US)


def test_builtin_link_defaults():
    topo = load_text("name: t\nnodes: {a: {type: hub}, b: {type: hub}}\nlinks: [[a, b]]\n")
    assert topo.link_params(topo.links[0]) == LinkParams(
        rate=100_000_000, delay=1 * MS, mtu=1500, queue=QueueLimit(packets=100),
        loss=0.0, corrupt=0.0, duplicate=0.0, jitter=0)


@pytest.mark.parametrize(
    ("yaml_value", "packets", "nbytes"),
    [("100", 100, None), ("'100'", 100, None), ("64KiB", None, 65_536),
     ("{packets: 7}", 7, None), ("{bytes: 1500}", None, 1500), ("{bytes: 2kB}", None, 2000)],
)
def test_queue_forms(yaml_value, packets, nbytes):
    topo = load_text(f"name: t\nnodes: {{a: {{type: hub}}}}\ndefaults: {{link: {{queue: {yaml_value}}}}}\n")
    assert topo.defaults.link.queue == QueueLimit(packets=packets, bytes=nbytes)


def test_route_to_accepts_plain_address_as_host_route():
    topo = load_text(textwrap.dedent("""\
        name: t
        nodes:
          r: {type: router, interfaces: {e0: 10.0.0.1/24}, routes: [{to: 192.0.2.7, via: 10.0.0.2}]}
        """))
    assert topo.nodes["r"].routes[0].to == IPv4Network("192.0.2.7/32")


def test_point_to_point_subnets_allow_all_addresses():
    # /31 (RFC 3021) and /32 have no network/broadcast address to avoid
    topo = load_text(textwrap.dedent("""\
        name: t
        nodes:
          a: {type: router, interfaces: {p: 10.0.0.0/31, lo: 10.9.9.9/32}}
          b: {type: router, interfaces: {p: 10.0.0.1/31}}
        links: [[a:p, b:p]]
        """))
    assert topo.nodes["a"].interfaces["p"].ip == IPv4Interface("10.0.0.0/31")


SCENARIO = """\
name: ping-test
topology: topo/lan.yaml
seed: 7
until: 10s
run:
  - {at: 1s, on: pc1, ping: {dst: 10.0.0.4, count: 3}}
  - at: 1.5s
    on: pc2
    name: big
    ping: {dst: 10.0.0.3, size: 1472, interval: 200ms, ttl: 2, df: true, timeout: 1s}
capture: [pc1, "sw:p2", {point: pc4, fcs: true}]
expect:
  - {on: pc1, app: ping, loss: 0%, rtt_max: 10ms, received: 3}
  - {app: big, loss_max: "30%", rtt_avg_max: 1.5ms, rtt_min: 100us, received_min: 1}
  - {app: ping, loss: 0.25}
"""


@pytest.fixture
def scenario_path(tmp_path):
    (tmp_path / "topo").mkdir()
    (tmp_path / "topo" / "lan.yaml").write_text(LAN)
    path = tmp_path / "ping.yaml"
    path.write_text(SCENARIO)
    return path


def test_scenario(scenario_path):
    s = load_scenario(scenario_path)
    assert (s.name, s.seed, s.until) == ("ping-test", 7, 10 * S)
    assert s.topology.name == "lan"
    first, second = s.run
    assert (first.at, first.on, first.name, first.kind) == (1 * S, "pc1", None, "ping")
    assert first.app == PingSpec(dst=IPv4Address("10.0.0.4"), count=3)
    assert (first.app.interval, first.app.size, first.app.ttl, first.app.df, first.app.timeout) == (
        1 * S, 56, 64, False, 10 * S)
    assert (second.at, second.name) == (1_500_000_000, "big")
    assert second.ping == PingSpec(dst=IPv4Address("10.0.0.3"), size=1472, interval=200 * MS,
                                   ttl=2, df=True, timeout=1 * S)
    assert [(str(c.point), c.fcs) for c in s.capture] == [("pc1", False), ("sw:p2", False),
                                                          ("pc4", True)]
    e1, e2, e3 = s.expect
    assert (e1.on, e1.app, e1.loss, e1.rtt_max, e1.received) == ("pc1", "ping", 0.0, 10 * MS, 3)
    assert (e2.on, e2.loss_max, e2.rtt_avg_max, e2.rtt_min, e2.received_min) == (
        None, 0.3, 1_500_000, 100 * US, 1)
    assert e3.loss == 0.25


def test_seed_override(scenario_path):
    assert load_scenario(scenario_path, seed=42).seed == 42
    assert load_scenario(scenario_path).seed == 7


def test_load_any_tells_the_kinds_apart(scenario_path):
    assert isinstance(load_any(scenario_path), Scenario)
    assert isinstance(load_any(scenario_path.parent / "topo" / "lan.yaml"), Topology)


def test_inline_topology(tmp_path):
    inline = "topology:\n" + textwrap.indent(LAN, "  ")
    text = SCENARIO.replace("topology: topo/lan.yaml\n", inline)
    s = load_text(text)
    assert s.topology.nodes["pc1"].ip == IPv4Interface("10.0.0.1/24")


def test_dump_validates_again(scenario_path):
    s = load_scenario(scenario_path)
    assert Scenario.model_validate(s.model_dump()) == s
    assert Scenario.model_validate_json(s.model_dump_json()) == s


def test_python_callers_pass_base_units():
    # outside YAML, ints are already ns / bit/s / bytes
    p = LinkParams(rate=5_000_000, delay=2 * MS)
    assert (p.rate, p.delay) == (5_000_000, 2 * MS)
    assert LinkParams(delay="2ms").delay == 2 * MS


def test_action_app_kinds_come_from_the_registry():
    assert Action.app_kinds() == (
        "ping", "traceroute", "udp_send", "udp_sink", "bulk_send", "bulk_sink", "tcp_echo",
        "tcp_echo_server", "udp_echo", "udp_echo_server", "udp_cbr", "udp_cbr_sink", "reqresp",
        "reqresp_server", "dig", "nslookup", "http_get", "browse")


def test_yaml_booleans_are_yaml_1_2():
    # `on` must stay a key (YAML 1.1 would make it True); `yes` is a string
    doc = load_yaml("{on: pc1, up: yes, ok: true, mac: 10:00:00:00:00:01}")
    assert doc.data == {"on": "pc1", "up": "yes", "ok": True, "mac": "10:00:00:00:00:01"}


def test_yaml_positions_of_keys_and_values():
    doc = load_yaml("nodes:\n  pc1: {type: host, ip: 10.0.0.1/24}\nlinks:\n  - [pc1, sw]\n", "t.yaml")
    assert doc.positions[("nodes", "pc1", "ip")] == (2, 25)
    assert doc.key_positions[("nodes", "pc1", "ip")] == (2, 21)
    assert doc.positions[("links", 0, 1)] == (4, 11)
    assert doc.position(("nodes", "pc1", "ip", "deeper")) == (2, 25)  # longest known prefix


def test_yaml_merge_keys_and_anchors():
    doc = load_yaml("base: &b {rate: 1Mbps, delay: 1ms}\nlink: {<<: *b, delay: 2ms}\n")
    assert doc.data["link"] == {"rate": "1Mbps", "delay": "2ms"}
    assert doc.positions[("link", "delay")] == (2, 23)
    assert doc.positions[("link", "rate")] == (1, 17)  # where the merged value is written


def test_examples_in_the_yaml_reference_load(tmp_path, monkeypatch, capsys):
    """docs/yaml.md: every ```yaml block that is a complete topology or scenario (a mapping
    with `name` and `nodes` or `topology`) is either a shipped file, quoted verbatim under a
    `# topologies/x.yaml` or `# scenarios/x.yaml` first line, which must load; or a bad file
    followed by a ```text block `$ netsim check PATH` / `error: ...`, which `netsim check`
    must reproduce exactly (message and exit status 2)."""
    import re
    from pathlib import Path

    import yaml

    from simulator.cli import main

    root = Path(__file__).parents[2]
    doc = (root / "docs" / "yaml.md").read_text()
    blocks = re.findall(r"```(\w*)\n(.*?)```", doc, re.S)
    shipped, bad = {}, []
    for i, (lang, text) in enumerate(blocks):
        if lang != "yaml":
            continue
        data = yaml.safe_load(text)
        if not (isinstance(data, dict) and "name" in data and ("nodes" in data or "topology" in data)):
            continue  # a fragment
        head = re.match(r"# ((?:topologies|scenarios)/[\w.-]+\.yaml)\n", text)
        if head:
            assert head.group(1) not in shipped, f"{head.group(1)} quoted twice"
            assert text[head.end():] == (root / head.group(1)).read_text(), \
                f"docs/yaml.md's copy of {head.group(1)} differs from the file"
            shipped[head.group(1)] = text
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else ("", "")
        command = re.match(r"\$ netsim check (\S+)\n(error: .*)\n", after[1])
        assert after[0] == "text" and command, f"complete example with no file name or error:\n{text}"
        bad.append((command.group(1), text, command.group(2)))

    # a fragment introduced by "From `scenarios/x.yaml`:" is quoted from that file
    for rel, text in re.findall(r"From\s+`((?:topologies|scenarios)/[\w.-]+\.yaml)`:\n\n```yaml\n(.*?)```",
                                doc, re.S):
        assert text in (root / rel).read_text(), f"docs/yaml.md quotes {rel} wrongly:\n{text}"

    assert {"topologies/lan.yaml", "scenarios/lan_ping.yaml", "topologies/line5.yaml",
            "scenarios/traceroute.yaml", "topologies/ring4.yaml",
            "scenarios/failover.yaml"} <= set(shipped)
    assert len(bad) >= 3
    for rel, text in shipped.items():
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(text)
    for rel in shipped:
        load_any(tmp_path / rel)
    s = load_scenario(tmp_path / "scenarios/lan_ping.yaml")
    assert len(s.topology.nodes) == 6 and [a.kind for a in s.run] == ["ping", "ping"]
    assert {s.topology.link_params(link).rate for link in s.topology.links[3:]} == {10_000_000}
    f = load_scenario(tmp_path / "scenarios/failover.yaml")
    assert [a.kind for a in f.run] == ["ping", "link_down", "traceroute"]

    monkeypatch.chdir(tmp_path)
    for rel, text, error in bad:
        Path(rel).parent.mkdir(parents=True, exist_ok=True)
        Path(rel).write_text(text)
        assert main(["check", rel]) == 2
        assert capsys.readouterr().err == error + "\n"
