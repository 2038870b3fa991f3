"""What the semantic checks must still accept, and the table they rest on."""

from simulator.apps import APPS
from simulator.scenario.schema import CHECKS
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

# sw's ports as built: a -> p1, b -> p1x (named), c -> p2 (the first free), r -> p3.
STAR = """
name: star
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    b: {type: host, ip: 10.0.0.2/24}
    c: {type: host, ip: 10.0.0.3/24}
    r: {type: router, interfaces: {e0: 10.0.0.254/24, p2p: 192.0.2.0/31}}
    s: {type: router, interfaces: {p2p: 192.0.2.1/31}, routes: [{to: default, via: 192.0.2.0}]}
    sw: {type: switch}
  links: [[a, sw], ["sw:p1x", b], [c, sw], [sw, "r:e0"], ["r:p2p", "s:p2p"]]
until: 9s
run:
  - {at: 0s, on: c, udp_sink: {port: 60999}}
  - {at: 1s, on: a, udp_send: {dst: 10.0.0.3, port: 60999, count: 2}}
  - {at: 1s, on: a, traceroute: {dst: 10.0.0.3, port: 65446, max_hops: 30, probes: 3}}
  - {at: 4s, link_down: ["sw:p2", c]}
  - {at: 5s, link_up: [c, "sw:p2"]}
capture: [sw, "r:e0"]
expect:
  - {app: udp_sink, on: c, received: 2, intact: 2}
  - {app: traceroute, on: a, reached: true}
"""


def test_auto_ports_a_p2p_31_and_the_last_traceroute_port_are_accepted(tmp_path):
    """RFC 3021: a /31 has no network or broadcast address, so 192.0.2.0 is a next hop;
    probes to 65446..65535 (30 hops × 3) just fit."""
    result = run_scenario(load_text(STAR), out_dir=tmp_path, plots=False)
    assert result.passed, [v.detail for v in result.verdicts]
    assert sorted(p.name for p in tmp_path.glob("*.pcap")) == [
        "r-e0.pcap", "sw-p1.pcap", "sw-p1x.pcap", "sw-p2.pcap", "sw-p3.pcap"]
    link = result.network.find_link(*load_text(STAR).run[3].link_down)
    assert (link.a.label, link.b.label) == ("c:eth0", "sw:p2")


# One of each app kind STAR does not run, servers on c, clients on a.
EVERY_OTHER_APP = """\
  - {at: 1s, on: a, ping: {dst: 10.0.0.3}}
  - {at: 0s, on: c, bulk_sink: {}}
  - {at: 2s, on: a, bulk_send: {dst: 10.0.0.3, bytes: 20KB}}
  - {at: 0s, on: c, tcp_echo_server: {}}
  - {at: 2s, on: a, tcp_echo: {dst: 10.0.0.3, count: 2}}
  - {at: 0s, on: c, udp_echo_server: {}}
  - {at: 2s, on: a, udp_echo: {dst: 10.0.0.3, count: 2}}
  - {at: 0s, on: c, udp_cbr_sink: {}}
  - {at: 2s, on: a, udp_cbr: {dst: 10.0.0.3, duration: 1s}}
  - {at: 0s, on: c, reqresp_server: {}}
  - {at: 2s, on: a, reqresp: {dst: 10.0.0.3, requests: 2}}
  - {at: 2s, on: a, dig: {name: www.example.com, server: 10.0.0.3, timeout: 1s, tries: 1}}
  - {at: 2s, on: a, nslookup: {name: www.example.com, server: 10.0.0.3, timeout: 1s}}
  - {at: 2s, on: a, http_get: {url: http://10.0.0.3/}}
  - {at: 2s, on: a, browse: {urls: [http://10.0.0.3/]}}
"""


def test_result_keys_are_what_each_app_reports():
    """The keys each kind's checks read are what its app's result() holds (a ping's
    RTTs once a reply is back): no key missing, none left out."""
    scenario = load_text(STAR.replace("run:\n", "run:\n" + EVERY_OTHER_APP).replace(
        "c: {type: host, ip: 10.0.0.3/24}", "c: {type: host, ip: 10.0.0.3/24, http_server: {}}"))
    by_kind = {app.kind: app.result() for app in run_scenario(scenario).apps}
    assert set(by_kind) == set(APPS)
    read = {check.key for check in CHECKS.values()}
    for kind, result in by_kind.items():
        assert set(APPS[kind].result_keys) == read & set(result), kind
        assert result["app"] == kind
    assert APPS["udp_sink"].check_names == ["received", "received_min", "errors", "intact",
                                            "output_contains", "bytes_received",
                                            "bytes_received_min"]
