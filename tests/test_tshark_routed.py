"""The routed scenarios, read back by Wireshark's tshark with checksum validation on:
clean captures, IPv4 fragmentation and reassembly, path MTU discovery, a routing loop
running out of TTL, and traceroute's probes and the ICMP errors that answer them.

In an ICMP error tshark dissects the quoted datagram after the ICMP header, so a field
of both layers (ip.src, ip.ttl, icmp.type ...) occurs twice, ``[outer, quoted]``, while
the quoted UDP header's fields occur once. tshark verifies the quoted IPv4 header's
checksum; it cannot verify a quoted UDP or ICMP checksum (only the first 8 bytes of the
transport header are quoted, so it reports them "unverified"). The tests compare those
with the checksum of the original packet instead.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from tests.tshark import (CHECKSUM_GOOD, CHECKSUM_UNVERIFIED, clean, require_tshark,
                          tshark_fields, tshark_problems, values)

REPO = Path(__file__).resolve().parents[1]

# scenario → {capture file: frames in it}. A router that learnt a host from its ARP request
# holds it STALE, so 5 s after it first sends there it probes it with a unicast request
# (Linux's DELAY → PROBE): two more ARP frames in the long runs. In failover, r1 forgets r2
# when its link loses carrier, so the two pings lost there come back as Host Unreachable.
CAPTURES = {
    "traceroute": {"host-eth0.pcap": 80, "server-eth0.pcap": 20},
    "fragmentation": {"client-eth0.pcap": 9, "server-eth0.pcap": 9},
    "pmtud": {"pc-eth0.pcap": 10, "srv-eth0.pcap": 6},
    "routing_loop": {"pc-eth0.pcap": 4, "r1-e1.pcap": 66},
    "failover": {"a-eth0.pcap": 108},
    "campus_l3switch": {"lab1-eth0.pcap": 6, "staff1-eth0.pcap": 12},
}

GOOD, UNVERIFIED = str(CHECKSUM_GOOD), str(CHECKSUM_UNVERIFIED)
TIME_EXCEEDED, DEST_UNREACHABLE, ECHO_REQUEST = "11", "3", "8"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Every scenario, run once: name → its output folder."""
    require_tshark()
    out = {}
    for name in CAPTURES:
        out[name] = tmp_path_factory.mktemp(name)
        result = run_scenario(load_scenario(REPO / "scenarios" / f"{name}.yaml"), out[name],
                              plots=False)
        assert result.passed, name
    return out


def frames(pcap: Path, fields: list[str], two_pass: bool = False) -> list[dict[str, list[str]]]:
    """One dict per frame: field → its occurrences in dissection order ([] when absent),
    so an ICMP error gives ``ip.ttl == [outer, quoted]``. ``two_pass`` lets earlier frames
    point at later ones (ip.reassembled_in, icmp.resp_in)."""
    rows = tshark_fields(pcap, ["frame.number", *fields], ["-2"] if two_pass else ())
    return [{name: values(text) for name, text in row.items()} for row in rows]


def one(frame: dict[str, list[str]], field: str) -> str:
    """The field's only occurrence in the frame ('' when absent)."""
    found = frame[field]
    assert len(found) <= 1, (frame["frame.number"], field, found)
    return found[0] if found else ""


def is_icmp_error(frame) -> bool:
    return frame["icmp.type"][:1] in ([TIME_EXCEEDED], [DEST_UNREACHABLE])


# --- 1. tshark finds nothing wrong with any capture ---------------------------------

@pytest.mark.parametrize("scenario", CAPTURES)
def test_every_capture_is_clean(runs, scenario):
    out = runs[scenario]
    pcaps = sorted(p.name for p in out.glob("*.pcap"))
    assert pcaps == sorted(CAPTURES[scenario])
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = dict(zip(pcaps, pool.map(tshark_problems, (out / name for name in pcaps))))
    assert problems == {name: clean(n) for name, n in CAPTURES[scenario].items()}


QUOTING = [("pmtud", "pc-eth0.pcap", 1), ("routing_loop", "pc-eth0.pcap", 1),
           ("routing_loop", "r1-e1.pcap", 1), ("traceroute", "host-eth0.pcap", 33),
           ("failover", "a-eth0.pcap", 14)]


@pytest.mark.parametrize(("scenario", "pcap", "errors"), QUOTING,
                         ids=[f"{s}/{p}" for s, p, _ in QUOTING])
def test_quoted_headers_are_checked_and_match_the_originals(runs, scenario, pcap, errors):
    """'0 bad checksums' covers quoted IPv4 headers (tshark verifies them: Good), but for
    the quoted UDP / ICMP header tshark can only say 'unverified': that checksum must be
    the one the original packet, in the same capture, carried."""
    rows = frames(runs[scenario] / pcap,
                  ["ip.src", "ip.dst", "ip.id", "ip.checksum.status", "icmp.type",
                   "icmp.checksum", "icmp.checksum.status", "udp.checksum",
                   "udp.checksum.status"])
    originals: dict[tuple, set[str]] = {}
    for r in rows:
        if len(r["ip.src"]) == 1 and not is_icmp_error(r):
            key = (one(r, "ip.src"), one(r, "ip.dst"), one(r, "ip.id"))
            originals.setdefault(key, set()).update(r["udp.checksum"] + r["icmp.checksum"])
    quoting = [r for r in rows if is_icmp_error(r)]
    assert len(quoting) == errors
    for r in quoting:
        assert r["ip.checksum.status"] == [GOOD, GOOD], r            # outer and quoted
        if r["udp.checksum"]:                                        # quotes a UDP probe
            assert r["icmp.checksum.status"] == [GOOD], r
            assert r["udp.checksum.status"] == [UNVERIFIED], r
            quoted_checksum = one(r, "udp.checksum")
        else:                                                        # quotes an echo request
            assert r["icmp.type"][1] == ECHO_REQUEST, r
            assert r["icmp.checksum.status"] == [GOOD, UNVERIFIED], r
            quoted_checksum = r["icmp.checksum"][1]
        original = (r["ip.src"][1], r["ip.dst"][1], r["ip.id"][1])
        assert originals[original] == {quoted_checksum}, r


# --- 2. fragmentation ----------------------------------------------------------------

FRAG_FIELDS = ["ip.src", "ip.dst", "ip.id", "ip.len", "ip.flags.df", "ip.flags.mf",
               "ip.frag_offset", "ip.reassembled_in", "ip.reassembled.length", "udp.dstport",
               "udp.length", "udp.checksum.status", "icmp.type", "icmp.seq"]


def test_datagram_crosses_as_three_fragments_and_reassembles(runs):
    rows = frames(runs["fragmentation"] / "server-eth0.pcap", FRAG_FIELDS, two_pass=True)
    fragments = [r for r in rows if r["ip.flags.mf"] == ["1"] or r["ip.frag_offset"] not in
                 ([], ["0"])]
    # the last fragment (MF 0, offset > 0) counts too; the pings are single, whole packets
    assert [r["frame.number"] for r in fragments] == [["3"], ["4"], ["5"]]
    assert {(one(r, "ip.src"), one(r, "ip.dst"), one(r, "ip.id")) for r in fragments} == {
        ("192.168.1.10", "192.168.1.20", "0x0001")}
    # tshark 4.0 gives the field's value in the header's 8-byte units: 0, 185, 370 (only
    # the tree's text shows 1480 and 2960 bytes, and the Info column "off=1480")
    assert [int(one(r, "ip.frag_offset")) * 8 for r in fragments] == [0, 1480, 2960]
    assert [one(r, "ip.flags.mf") for r in fragments] == ["1", "1", "0"]
    assert [one(r, "ip.len") for r in fragments] == ["1500", "1500", "1060"]
    assert [one(r, "ip.flags.df") for r in fragments] == ["0", "0", "0"]
    # 1480 + 1480 + 1040 data bytes: 8 of UDP header and 3992 of payload
    first, second, last = fragments
    assert one(first, "ip.reassembled_in") == one(second, "ip.reassembled_in") == "5"
    assert one(first, "udp.dstport") == one(second, "udp.dstport") == ""
    assert (one(last, "ip.reassembled.length"), one(last, "udp.dstport"),
            one(last, "udp.length")) == ("4000", "9", "4000")
    assert one(last, "udp.checksum.status") == GOOD      # over all 4000 reassembled bytes


def test_too_big_df_pings_never_reach_the_wire(runs):
    for pcap in ("client-eth0.pcap", "server-eth0.pcap"):
        rows = frames(runs["fragmentation"] / pcap, FRAG_FIELDS)
        assert max(int(one(r, "ip.len") or 0) for r in rows) == 1500, pcap
        requests = [r for r in rows if r["icmp.type"] == [ECHO_REQUEST]]
        # only the two 1472-byte pings (1500 with their headers), with DF, both answered;
        # the 1500-byte ones (1528 bytes) were refused in the client's stack
        assert [(one(r, "ip.len"), one(r, "ip.flags.df"), one(r, "icmp.seq")) for r in
                requests] == [("1500", "1", "1"), ("1500", "1", "2")], pcap
        assert sum(1 for r in rows if r["icmp.type"] == ["0"]) == 2, pcap


# --- 3. path MTU discovery -------------------------------------------------------------

PMTU_FIELDS = ["ip.src", "ip.dst", "ip.id", "ip.len", "ip.flags.df", "ip.ttl", "icmp.type",
               "icmp.code", "icmp.mtu", "icmp.ident", "icmp.seq", "icmp.checksum",
               "icmp.resp_in"]


def test_router_says_fragmentation_needed_quoting_the_probe(runs):
    rows = frames(runs["pmtud"] / "pc-eth0.pcap", PMTU_FIELDS, two_pass=True)
    [probe] = [r for r in rows if r["icmp.type"] == [ECHO_REQUEST] and r["ip.len"] == ["1500"]]
    [error] = [r for r in rows if r["icmp.type"][:1] == [DEST_UNREACHABLE]]
    assert (one(probe, "ip.flags.df"), one(probe, "icmp.seq")) == ("1", "1")
    assert error["icmp.code"] == ["4", "0"]              # fragmentation needed; echo's code
    assert one(error, "icmp.mtu") == "1400"
    assert error["ip.src"] == ["10.1.0.1", "10.1.0.10"]  # from the router's LAN side
    assert error["ip.dst"] == ["10.1.0.10", "10.2.0.10"]
    assert error["icmp.type"] == [DEST_UNREACHABLE, ECHO_REQUEST]
    # the quoted header is the probe's as it reached the router: DF, 1500 bytes, TTL 64
    assert error["ip.flags.df"] == ["0", "1"]
    assert error["ip.len"] == ["56", "1500"]             # 20 + 8 + quoted 20 + 8
    assert error["ip.ttl"] == ["64", "64"]
    assert error["ip.id"][1] == one(probe, "ip.id")
    assert error["icmp.checksum"][1] == one(probe, "icmp.checksum")
    assert (one(error, "icmp.ident"), one(error, "icmp.seq")) == (
        one(probe, "icmp.ident"), one(probe, "icmp.seq"))


def test_pings_that_fit_the_path_cross_with_df_and_are_answered(runs):
    pc = frames(runs["pmtud"] / "pc-eth0.pcap", PMTU_FIELDS, two_pass=True)
    srv = frames(runs["pmtud"] / "srv-eth0.pcap", PMTU_FIELDS)
    requests = [r for r in pc if r["icmp.type"] == [ECHO_REQUEST]]
    # the probe, then (the second probe was refused by pc's cached path MTU) 1372 + 28
    assert [(one(r, "ip.len"), one(r, "ip.flags.df")) for r in requests] == [
        ("1500", "1"), ("1400", "1"), ("1400", "1")]
    by_number = {one(r, "frame.number"): r for r in pc}
    for request in requests[1:]:
        reply = by_number[one(request, "icmp.resp_in")]
        assert (one(reply, "icmp.type"), one(reply, "ip.src"), one(reply, "ip.len")) == (
            "0", "10.2.0.10", "1400")
    # across the 1400-byte link: the same two requests, one hop older, and their replies
    assert [(one(r, "icmp.type"), one(r, "ip.len"), one(r, "ip.flags.df"), one(r, "ip.ttl"))
            for r in srv if r["icmp.type"]] == [
        ("8", "1400", "1", "63"), ("0", "1400", "0", "64"),
        ("8", "1400", "1", "63"), ("0", "1400", "0", "64")]


# --- 4. routing loop -------------------------------------------------------------------

LOOP_FIELDS = ["eth.src", "arp.src.proto_ipv4", "arp.src.hw_mac", "ip.src", "ip.dst",
               "ip.id", "ip.ttl", "icmp.type", "icmp.code", "icmp.ident", "icmp.seq"]


def test_echo_request_bounces_until_its_ttl_runs_out(runs):
    """pc sends TTL 64. r1 forwards it onto the r1–r2 link with 63; r2 sends it back with
    62; r1 again with 61 ... so r1→r2 passes carry the odd TTLs 63, 61, ..., 1 and r2→r1
    passes the even ones 62, ..., 2: 63 frames of one echo request. r2 receives the TTL-1
    copy, cannot forward it (TTL would reach 0) and answers Time Exceeded from 10.0.12.2,
    quoting the request as received (TTL 1); the error crosses the same link to r1."""
    rows = frames(runs["routing_loop"] / "r1-e1.pcap", LOOP_FIELDS)
    macs = {one(r, "arp.src.proto_ipv4"): one(r, "arp.src.hw_mac") for r in rows
            if r["arp.src.proto_ipv4"]}
    r1, r2 = macs["10.0.12.1"], macs["10.0.12.2"]
    requests = [r for r in rows if r["icmp.type"] == [ECHO_REQUEST]]
    assert len(requests) == 63
    assert {(one(r, "ip.src"), one(r, "ip.dst"), one(r, "ip.id"), one(r, "icmp.seq"))
            for r in requests} == {("10.0.1.2", "198.51.100.7", "0x0001", "1")}
    ttls = [int(one(r, "ip.ttl")) for r in requests]
    assert ttls == list(range(63, 0, -1))
    senders = [one(r, "eth.src") for r in requests]
    assert senders == [r1 if ttl % 2 else r2 for ttl in ttls]
    for direction in (r1, r2):      # each pass in one direction: two hops fewer
        same_way = [t for t, s in zip(ttls, senders) if s == direction]
        assert all(a - b == 2 for a, b in zip(same_way, same_way[1:]))

    *_, last_request, error = rows
    assert last_request is requests[-1]                 # the error ends the capture
    assert one(error, "eth.src") == r2
    assert error["icmp.type"] == [TIME_EXCEEDED, ECHO_REQUEST]
    assert error["icmp.code"] == ["0", "0"]
    assert error["ip.src"] == ["10.0.12.2", "10.0.1.2"]
    assert error["ip.dst"] == ["10.0.1.2", "198.51.100.7"]
    assert error["ip.ttl"] == ["64", "1"]
    assert error["ip.id"][1] == "0x0001"
    assert (one(error, "icmp.ident"), one(error, "icmp.seq")) == (
        one(last_request, "icmp.ident"), "1")

    # pc's side: the request leaves with TTL 64, the error comes back through r1 (TTL 63)
    pc = frames(runs["routing_loop"] / "pc-eth0.pcap", LOOP_FIELDS)
    assert [(r["icmp.type"], r["ip.ttl"]) for r in pc if r["icmp.type"]] == [
        ([ECHO_REQUEST], ["64"]), ([TIME_EXCEEDED, ECHO_REQUEST], ["63", "1"])]


# --- 5. traceroute -------------------------------------------------------------------

HOPS = ["10.0.0.1", "10.0.1.2", "10.0.2.2", "10.0.3.2", "10.0.4.2"]
SERVER = "10.0.5.10"


def test_udp_traceroute_probes_and_answers(runs):
    rows = frames(runs["traceroute"] / "host-eth0.pcap",
                  ["ip.src", "ip.dst", "ip.id", "ip.ttl", "icmp.type", "icmp.code",
                   "udp.dstport", "udp.checksum"])
    udp = [r for r in rows if r["udp.dstport"]]          # the probes and errors quoting them
    probes = [r for r in udp if not r["icmp.type"]]
    errors = [r for r in udp if r["icmp.type"]]
    ports = [one(r, "udp.dstport") for r in probes]
    assert ports == [str(port) for port in range(33434, 33434 + 18)]
    assert [one(r, "ip.ttl") for r in probes] == [str(ttl) for ttl in range(1, 7) for _ in "123"]
    assert {(one(r, "ip.src"), one(r, "ip.dst")) for r in probes} == {("10.0.0.10", SERVER)}
    # one probe at a time: each is answered before the next leaves
    assert [int(one(r, "frame.number")) for r in udp] == list(range(3, 3 + 36))
    assert udp[0::2] == probes and udp[1::2] == errors

    assert [(r["ip.src"][0], r["icmp.type"][0], r["icmp.code"][0]) for r in errors] == (
        [(hop, TIME_EXCEEDED, "0") for hop in HOPS for _ in "123"]
        + [(SERVER, DEST_UNREACHABLE, "3")] * 3)
    for probe, error in zip(probes, errors):
        # the quoted packet is the probe, as it arrived with TTL 1 where it was dropped
        assert error["ip.dst"] == ["10.0.0.10", SERVER]
        assert error["ip.ttl"][1] == "1"
        assert error["ip.id"][1] == one(probe, "ip.id")
        assert one(error, "udp.dstport") == one(probe, "udp.dstport")
        assert one(error, "udp.checksum") == one(probe, "udp.checksum")
