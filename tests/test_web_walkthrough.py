"""The walkthrough (scenarios/web_browse.yaml), checked from outside: tshark with
checksum validation reads both captures of the NAT clean and decodes DHCP, HTTP and DNS; the
outside capture holds only public addresses and the inside one only the home's; the
caches answer the second browse without a query leaving the home, and the third,
past the TTL, goes out again; the cold DNS phase is accounted for hop by hop."""

import json
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from tests.tshark import clean, require_tshark, tshark_fields, tshark_problems, values

REPO = Path(__file__).resolve().parents[1]
PRIVATE = [IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
PUBLIC_NAT = IPv4Address("198.51.100.2")


def private(address: str) -> bool:
    return any(IPv4Address(address) in net for net in PRIVATE)


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    out = tmp_path_factory.mktemp("web_browse")
    result = run_scenario(load_scenario(REPO / "scenarios" / "web_browse.yaml"), out,
                          plots=False)
    assert result.passed, [v.detail for v in result.verdicts]
    events = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    return out, events, summary, {app["name"]: app for app in summary["apps"]}


@pytest.mark.parametrize("pcap", ["home-lan.pcap", "home-wan.pcap"])
def test_captures_are_clean_for_tshark(walk, pcap):
    require_tshark()
    out = walk[0]
    problems = tshark_problems(out / pcap)
    assert problems == clean(problems["frames"]) and problems["frames"] > 100


def test_http_and_dns_decode_on_both_sides(walk):
    require_tshark()
    out = walk[0]
    for pcap in ("home-lan.pcap", "home-wan.pcap"):
        rows = tshark_fields(out / pcap, ["http.request.method", "http.request.uri",
                                          "http.response.code", "http.content_length",
                                          "dns.qry.name", "dns.a"])
        requests = [(r["http.request.method"], r["http.request.uri"]) for r in rows
                    if r["http.request.method"]]
        assert requests == [("GET", "/"), ("GET", "/a.html"), ("GET", "/a.html"),
                            ("GET", "/")], pcap
        responses = [(r["http.response.code"], r["http.content_length"]) for r in rows
                     if r["http.response.code"]]
        assert responses == [("200", "20000"), ("200", "89"), ("200", "89"),
                             ("200", "20000")], pcap
        answers = [r["dns.a"] for r in rows if r["dns.a"]]
        assert set(answers) == {"203.0.113.80"}, pcap
        assert all(values(r["dns.qry.name"]) == ["www.example.com"] for r in rows
                   if r["dns.qry.name"]), pcap


def test_outside_is_all_public_and_inside_all_home(walk):
    """Beyond the NAT no private address appears; inside, every packet has the home
    host at one end and the public address never appears (it is translated)."""
    require_tshark()
    out = walk[0]
    wan = tshark_fields(out / "home-wan.pcap", ["ip.src", "ip.dst"])
    assert wan and not any(private(a) for r in wan for a in (r["ip.src"], r["ip.dst"]) if a)
    assert {r["ip.src"] for r in wan if r["ip.src"] and r["ip.dst"] != "198.51.100.2"} == {
        "198.51.100.2"}
    lan = tshark_fields(out / "home-lan.pcap", ["ip.src", "ip.dst", "dhcp.option.dhcp"])
    dhcp = [r for r in lan if r["dhcp.option.dhcp"]]
    # the PC's lease: DISCOVER, OFFER, REQUEST, ACK (RFC 2132 §9.6 types 1, 2, 3, 5),
    # before it has an address from 0.0.0.0, to and from 255.255.255.255 (RFC 2131 §4.1)
    assert [r["dhcp.option.dhcp"] for r in dhcp] == ["1", "2", "3", "5"]
    lan = [r for r in lan if r["ip.src"] and not r["dhcp.option.dhcp"]]
    assert lan and all(private(r["ip.src"]) or private(r["ip.dst"]) for r in lan)
    assert not any(str(PUBLIC_NAT) in (r["ip.src"], r["ip.dst"]) for r in lan)


def _dns_queries(events, node, start_s, end_s):
    return [e for e in events if e["node"] == node and e["event"] == "dns.query"
            and start_s * 10**9 <= e["ns"] < end_s * 10**9]


def test_within_the_ttl_no_query_leaves_the_home_and_after_it_one_does(walk):
    _, events, summary, apps = walk
    # cold: the forwarder asks the ISP's resolver, which walks root, com., example.com.
    assert len(_dns_queries(events, "home", 10, 11)) == 1
    assert [e["server"] for e in _dns_queries(events, "isp-resolver", 10, 11)] == [
        "198.41.0.4", "192.5.6.30", "203.0.113.53"]
    # within the TTL: the PC asks the home router, which answers from its cache
    assert len(_dns_queries(events, "pc", 70, 71)) == 1
    assert _dns_queries(events, "home", 70, 71) == []
    assert apps["cached"]["urls"][0]["dns_ns"] < 1_000_000
    # past the TTL: out again; the resolver still knows example.com.'s server (NS TTL 1 d)
    assert len(_dns_queries(events, "home", 400, 401)) == 1
    assert [e["server"] for e in _dns_queries(events, "isp-resolver", 400, 401)] == [
        "203.0.113.53"]


def test_every_connection_ends_closed_or_in_time_wait(walk):
    _, _, summary, apps = walk
    states = [s for app in apps.values() for s in app["tcp_states"]]
    states += summary["services"]["web"]["http_server"]["tcp_states"]
    assert len(states) == 6
    assert set(states) <= {"CLOSED", "TIME-WAIT"}
    assert apps["expired"]["tcp_states"] == ["TIME-WAIT"]       # the PC closed last at 400 s


def test_the_nat_table_in_the_summary(walk):
    _, events, summary, _ = walk
    nat = summary["services"]["home"]["nat"]
    mapped = [e for e in events if e["event"] == "nat.map"]
    assert nat["mappings_created"] == len(mapped) > 0
    assert nat["public"] == str(PUBLIC_NAT)
    assert all(row["external"].startswith("198.51.100.2:") for row in nat["table"])


def test_cold_dns_phase_is_the_sum_of_its_hops(walk):
    """The cold lookup is one strict chain, PC → forwarder → resolver → root, com.,
    example.com. → back, with the ARP exchanges it waits for on the way: no two frames
    in flight at once and no time at a node (no processing delay). So the DNS phase
    equals the sum, over every frame sent during it, of (arrival − transmission
    start): serialization plus propagation on each link, every nanosecond accounted."""
    _, events, _, apps = walk
    row = apps["first"]["urls"][0]
    start = 10_000_000_000
    end = start + row["dns_ns"]
    frames = [e for e in events if e["event"] == "tx" and e["layer"] == "phy"
              and start <= e["ns"] < end]
    assert {f["proto"] for f in frames} == {"ARP", "UDP"}
    dns = [f for f in frames if f["proto"] == "UDP"]
    assert all(f["info"].startswith("Standard query") for f in dns)
    # 10 messages (5 queries, 5 answers); a message crosses one link per hop
    hops = {"pc→home": 2, "home→resolver": 2, "resolver→root": 3, "resolver→tld": 3,
            "resolver→ns1": 3}
    assert len(dns) == 2 * sum(hops.values())
    assert sum(f["arrive_ns"] - f["ns"] for f in frames) == row["dns_ns"]
