"""Bad input -> one ScenarioError naming file, line, column, field and the problem."""

import random

import pytest

from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_any, load_scenario, load_topology

# Line numbers below refer to this text (1-based).
TOPO = """\
name: lan
nodes:
  pc1: {type: host, ip: 10.0.0.1/24, gateway: 10.0.0.254}
  pc2: {type: host, ip: 10.0.0.2/24}
  sw: {type: switch}
  hub: {type: hub}
  r1:
    type: router
    interfaces: {e0: 10.0.0.254/24, e1: 10.1.0.1/24}
    routes:
      - {to: 0.0.0.0/0, via: 10.1.0.2}
links:
  - [pc1, sw]
  - [pc2, sw]
  - {ends: [sw, "r1:e0"], rate: 50Mbps, delay: 5ms}
"""

SCENARIO = """\
name: ping
topology: lan.yaml
until: 10s
run:
  - {at: 1s, on: pc1, ping: {dst: 10.0.0.2}}
capture: [pc1]
expect:
  - {on: pc1, app: ping, loss: 0%}
"""


def error_of(tmp_path, text, name="bad.yaml", load=load_any, topo=TOPO):
    (tmp_path / "lan.yaml").write_text(topo)
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load(path)
    return info.value, str(path)


def replaced(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_valid_inputs_load(tmp_path):
    (tmp_path / "lan.yaml").write_text(TOPO)
    (tmp_path / "ping.yaml").write_text(SCENARIO)
    assert load_scenario(tmp_path / "ping.yaml").topology.name == "lan"


# ---- the nine cases of the brief ---------------------------------------------

def test_misspelt_key(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "gateway:", "gatway:"))
    assert (err.file, err.line, err.column, err.field) == (path, 3, 38, "nodes.pc1.gatway")
    assert err.message == "unknown field 'gatway' (did you mean 'gateway'?)"


def test_octet_out_of_range(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "10.0.0.1/24", "192.168.0.256/24"))
    assert (err.file, err.line, err.column, err.field) == (path, 3, 25, "nodes.pc1.ip")
    assert err.message == "'192.168.0.256/24' is not a valid IPv4 interface (octet 256 > 255)"
    assert str(err) == (f"{path}:3:25: nodes.pc1.ip: "
                        "'192.168.0.256/24' is not a valid IPv4 interface (octet 256 > 255)")


def test_link_to_unknown_node(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "[pc2, sw]", "[pc2, pc9]"))
    assert (err.file, err.line, err.column, err.field) == (path, 14, 11, "links[1].ends[1]")
    assert err.message == "unknown node 'pc9' (nodes: hub, pc1, pc2, r1, sw)"


def test_link_to_unknown_node_long_form(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, '"r1:e0"', "r9"))
    assert (err.line, err.column, err.field) == (15, 17, "links[2].ends[1]")
    assert err.message == "unknown node 'r9' (nodes: hub, pc1, pc2, r1, sw)"


def test_negative_rate(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "rate: 50Mbps", "rate: -5Mbps"))
    assert (err.file, err.line, err.column, err.field) == (path, 15, 33, "links[2].rate")
    assert err.message == "'-5Mbps' is not a rate: negative"


def test_bad_time_unit(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "delay: 5ms", "delay: 10 parsecs"))
    assert (err.file, err.line, err.column, err.field) == (path, 15, 48, "links[2].delay")
    assert err.message == "'10 parsecs' is not a time: unknown unit 'parsecs' (use ns, us, ms, s, min, h, d)"


def test_yaml_syntax_error(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "  sw: {type: switch}", "  sw: {type: switch"))
    assert (err.file, err.line, err.column, err.field) == (path, 6, 6, None)
    assert err.message.startswith("invalid YAML: ")
    assert "flow mapping" in err.message and "line 5" in err.message


def test_duplicate_key(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "  hub: {type: hub}", "  pc2: {type: hub}"))
    assert (err.file, err.line, err.column, err.field) == (path, 6, 3, "nodes.pc2")
    assert err.message == "duplicate key 'pc2' (first defined on line 4)"


def test_host_bits_in_route(tmp_path):
    err, path = error_of(tmp_path, replaced(TOPO, "to: 0.0.0.0/0", "to: 10.0.0.1/8"))
    assert (err.file, err.line, err.column, err.field) == (path, 11, 14, "nodes.r1.routes[0].to")
    assert err.message == "host bits set in 10.0.0.1/8 (did you mean 10.0.0.0/8?)"


def test_missing_until(tmp_path):
    err, path = error_of(tmp_path, replaced(SCENARIO, "until: 10s\n", ""), load=load_scenario)
    assert (err.file, err.line, err.column, err.field) == (path, 1, 1, "until")
    assert err.message == "missing required field 'until'"


# ---- whole files --------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as info:
        load_topology(tmp_path / "nope.yaml")
    assert info.value.message == "file not found"
    assert info.value.file == str(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    err, path = error_of(tmp_path, text)
    assert err.file == path and err.line is None
    assert err.message.startswith("file is empty")


def test_list_instead_of_mapping(tmp_path):
    err, path = error_of(tmp_path, "- pc1\n- pc2\n")
    assert (err.line, err.column, err.field) == (1, 1, None)
    assert "expected a mapping" in err.message and err.message.endswith("got a list")


def test_errors_inside_the_topology_file_name_that_file(tmp_path):
    topo = replaced(TOPO, "10.0.0.2/24", "10.0.0.2/33")
    err, _ = error_of(tmp_path, SCENARIO, load=load_scenario, topo=topo)
    assert (err.file, err.line, err.column, err.field) == (
        str(tmp_path / "lan.yaml"), 4, 25, "nodes.pc2.ip")
    assert err.message == "'10.0.0.2/33' is not a valid IPv4 interface (prefix length 33 > 32)"


def test_missing_topology_file(tmp_path):
    err, path = error_of(tmp_path, replaced(SCENARIO, "lan.yaml", "wan.yaml"), load=load_scenario)
    assert (err.file, err.line, err.column, err.field) == (path, 2, 11, "topology")
    assert err.message.startswith("topology file 'wan.yaml' not found")


def test_first_error_in_document_order(tmp_path):
    text = replaced(replaced(TOPO, "delay: 5ms", "delay: 5 ms ms"), "10.0.0.2/24", "10.0.0.2")
    err, _ = error_of(tmp_path, text)
    assert (err.line, err.field) == (4, "nodes.pc2.ip")
    assert err.message == "'10.0.0.2' is not a valid IPv4 interface (missing prefix length, e.g. 10.0.0.2/24)"


# ---- schema messages ----------------------------------------------------------

@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("{type: hub}", "{type: firewall}", (6, 15, "nodes.hub.type"),
         "'firewall' is not a node type (valid types: host, switch, hub, router, l3switch, nat)"),
        ("{type: hub}", "{}", (6, 8, "nodes.hub"), "missing 'type' (valid types: host, switch, hub, router, l3switch, nat)"),
        ("[pc1, sw]", "[pc1, sw, hub]", (13, 5, "links[0].ends"), "a link needs exactly two ends, got 3"),
        ("{type: switch}", "{type: switch, ip: 10.0.0.9/24}", (5, 22, "nodes.sw.ip"),
         "unknown field 'ip' (valid fields: aging, pos, priority, processing_delay, stp, table_size, type)"),
        ("delay: 5ms", "delay: 5", (15, 48, "links[2].delay"),
         "'5' is not a time: missing unit (use ns, us, ms, s, min, h, d, e.g. '2ms')"),
        ("delay: 5ms", "mtu: 20", (15, 46, "links[2].mtu"), "must be at least 68, got 20"),
        ("delay: 5ms", "queue: 0", (15, 48, "links[2].queue.packets"), "must be greater than 0, got 0"),
        ("delay: 5ms", "up: yes", (15, 45, "links[2].up"), "expected true or false, got 'yes'"),
        ("name: lan", "name: lan\nrouting: ospf", (2, 10, "routing"), "must be 'static' or 'auto', got 'ospf'"),
        ("10.0.0.2/24}", "10.0.0.2/24, mac: 02:00:00:00:00}", (4, 43, "nodes.pc2.mac"),
         "'02:00:00:00:00' is not a MAC address (expected six hex pairs like 02:00:00:00:00:01)"),
        ("10.0.0.2/24", "10.0.0.0/24", (4, 25, "nodes.pc2.ip"),
         "10.0.0.0/24 is the network address of 10.0.0.0/24, not a usable host address"),
        ("10.0.0.2/24", "10.0.0.255/24", (4, 25, "nodes.pc2.ip"),
         "10.0.0.255/24 is the broadcast address of 10.0.0.0/24, not a usable host address"),
    ],
)
def test_schema_messages(tmp_path, old, new, where, message):
    err, _ = error_of(tmp_path, replaced(TOPO, old, new))
    assert ((err.line, err.column, err.field), err.message) == (where, message)


# ---- semantic checks ----------------------------------------------------------

@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('"r1:e0"', "r1:e7", (15, 17, "links[2].ends[1]"), "unknown interface 'e7' on r1 (interfaces: e0, e1)"),
        ('"r1:e0"', "r1", (15, 17, "links[2].ends[1]"),
         "'r1' has several interfaces (e0, e1); name one, e.g. 'r1:e0'"),
        ("[pc2, sw]", "[pc1, hub]", (14, 6, "links[1].ends[0]"),
         "interface pc1:eth0 is already used by links[0]"),
        ("[pc2, sw]", "[sw, sw]", (14, 5, "links[1]"), "link from 'sw' to itself"),
        ("10.0.0.2/24", "10.0.0.1/24", (4, 25, "nodes.pc2.ip"), "duplicate IP address 10.0.0.1 (also on pc1:eth0)"),
        ("10.0.0.254}", "10.0.9.254}", (3, 47, "nodes.pc1.gateway"),
         "gateway 10.0.9.254 is not in any of pc1's subnets (10.0.0.0/24)"),
        ("via: 10.1.0.2", "via: 10.2.0.2", (11, 30, "nodes.r1.routes[0].via"),
         "next hop 10.2.0.2 is not on a connected subnet of r1 (10.0.0.0/24, 10.1.0.0/24)"),
        ("via: 10.1.0.2", "dev: e5", (11, 30, "nodes.r1.routes[0].dev"),
         "unknown interface 'e5' on r1 (interfaces: e0, e1)"),
    ],
)
def test_topology_checks(tmp_path, old, new, where, message):
    err, _ = error_of(tmp_path, replaced(TOPO, old, new))
    assert ((err.line, err.column, err.field), err.message) == (where, message)


def test_node_without_links_is_fine(tmp_path):
    (tmp_path / "t.yaml").write_text(TOPO)  # hub is on no link
    assert "hub" in load_topology(tmp_path / "t.yaml").nodes


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("on: pc1, ping", "on: pc9, ping", (5, 18, "run[0].on"), "unknown node 'pc9' (nodes: hub, pc1, pc2, r1, sw)"),
        ("on: pc1, ping", "on: sw, ping", (5, 18, "run[0].on"), "'sw' is a switch; ping runs on a node with an IP stack (host, router, l3switch)"),
        ("at: 1s", "at: 12s", (5, 10, "run[0].at"), "starts at 12 s, not before the end of the run (until: 10 s)"),
        ("capture: [pc1]", "capture: [pc7]", (6, 11, "capture[0].point"),
         "unknown node 'pc7' (nodes: hub, pc1, pc2, r1, sw)"),
        ("capture: [pc1]", "capture: ['pc1:eth1']", (6, 11, "capture[0].point"),
         "unknown interface 'eth1' on pc1 (interfaces: eth0)"),
        ("{on: pc1, app", "{on: pc3, app", (8, 10, "expect[0].on"), "unknown node 'pc3' (nodes: hub, pc1, pc2, r1, sw)"),
        ("{dst: 10.0.0.2}", "{dst: 10.0.0.2, count: 0}", (5, 52, "run[0].ping.count"), "must be at least 1, got 0"),
        ("{dst: 10.0.0.2}", "{count: 2}", (5, 29, "run[0].ping.dst"), "missing required field 'dst'"),
        ("ping: {dst: 10.0.0.2}", "wget: x", (5, 23, "run[0].wget"),
         "unknown field 'wget' (valid fields: after, at, browse, bulk_send, bulk_sink, dig, every, "
         "flush, http_get, link, link_down, link_up, name, node_down, node_up, nslookup, on, ping, "
         "repeat, reqresp, reqresp_server, route_add, route_remove, stop, tcp_echo, "
         "tcp_echo_server, traceroute, udp_cbr, udp_cbr_sink, udp_echo, udp_echo_server, "
         "udp_send, udp_sink, until)"),
        ("loss: 0%", "loss: 150%", (8, 32, "expect[0].loss"), "'150%' is out of range (use 0..1 or 0%..100%)"),
    ],
)
def test_scenario_checks(tmp_path, old, new, where, message):
    err, path = error_of(tmp_path, replaced(SCENARIO, old, new), load=load_scenario)
    assert err.file == path
    assert ((err.line, err.column, err.field), err.message) == (where, message)


def test_inline_topology_errors_point_into_the_scenario(tmp_path):
    inline = "topology:\n" + "".join("  " + line + "\n" for line in TOPO.splitlines())
    text = replaced(replaced(SCENARIO, "topology: lan.yaml\n", inline), "[pc2, sw]", "[pc2, pc9]")
    err, path = error_of(tmp_path, text, load=load_scenario)
    assert (err.file, err.line, err.column, err.field) == (path, 16, 13, "topology.links[1].ends[1]")


def test_mutated_files_raise_only_scenario_errors(tmp_path):
    """Random damage to valid files: the loader either succeeds or raises ScenarioError."""
    (tmp_path / "lan.yaml").write_text(TOPO)
    rng = random.Random(2024)
    junk = list(":{}[],-#'\"&*!|>%\t\n ") + ["x", "0", "-1", "type", "null", "<<: *a", "&a"]
    path = tmp_path / "fuzz.yaml"
    for _ in range(250):
        chars = list(rng.choice([TOPO, SCENARIO]))
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars))
            if rng.random() < 0.5:
                del chars[at:at + rng.randint(1, 5)]
            else:
                chars.insert(at, rng.choice(junk))
        path.write_text("".join(chars))
        try:
            load_any(path)
        except ScenarioError as err:
            assert err.message and err.file == str(path)


def test_a_hub_runs_at_one_rate(tmp_path):
    from simulator.scenario.errors import ScenarioError
    from simulator.scenario.load import load_topology

    path = tmp_path / "hub.yaml"
    path.write_text("name: t\n"
                    "nodes:\n"
                    "  a: {type: host, ip: 10.0.0.1/24}\n"
                    "  b: {type: host, ip: 10.0.0.2/24}\n"
                    "  h: {type: hub}\n"
                    "links:\n"
                    "  - {ends: [a, h], rate: 10Mbps}\n"
                    "  - {ends: [b, h], rate: 100Mbps}\n")
    with pytest.raises(ScenarioError) as caught:
        load_topology(path)
    error = caught.value
    assert (error.line, error.column, error.field) == (8, 5, "links[1]")
    assert "hub 'h' repeats bits, so all its links need one rate: 100 Mbps here, 10 Mbps on links[0]" \
        in error.message
