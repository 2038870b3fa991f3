"""Hubs repeat in time order and pass damaged frames on; a capture records a damaged frame
as it arrived, bad FCS included, and tshark flags it."""

import struct

import pytest

from simulator.engine.sim import Simulation
from simulator.nodes.hub import Hub
from simulator.phy.pcap import PcapWriter
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_topology
from tests.helpers import MS, SECOND, host, link, ping
from tests.tshark import FCS_PREFS, tshark_fields, values

RATE = 10_000_000


def pcap_records(path):
    """(timestamp ns, frame bytes) of every record in a nanosecond pcap."""
    data = path.read_bytes()
    records, at = [], 24
    while at < len(data):
        sec, nsec, caplen, _ = struct.unpack_from("<IIII", data, at)
        records.append((sec * SECOND + nsec, data[at + 16:at + 16 + caplen]))
        at += 16 + caplen
    return records


def hub_lan(seed=1, **faults):
    """h1, h2, h3 on one hub; the h1—hub link may be faulty."""
    sim = Simulation(seed)
    hub = Hub(sim, "hub")
    hosts = [host(sim, f"h{i}", f"10.0.0.{i}/24") for i in (1, 2, 3)]
    for i, h in enumerate(hosts):
        link(sim, h.interfaces["eth0"], hub.add_port(), RATE, 10_000, **(faults if i == 0 else {}))
    return sim, hub, hosts


def test_hub_port_capture_and_trace_are_in_time_order(tmp_path):
    sim, hub, (h1, h2, h3) = hub_lan()
    events = []
    sim.tracer.add_sink(events.append)
    writer = PcapWriter(tmp_path / "hub-p2.pcap")
    hub.interfaces["p2"].captures.append(writer)
    # both directions at once on p2: h1 → h2 repeated out of p2 while h2's replies come in
    ping(sim, h1, "10.0.0.2", count=20, interval_ns=MS // 2)
    ping(sim, h3, "10.0.0.2", count=20, interval_ns=MS // 3)
    sim.run(2 * SECOND)
    writer.close()
    stamps = [ns for ns, _ in pcap_records(tmp_path / "hub-p2.pcap")]
    assert len(stamps) == 84
    assert stamps == sorted(stamps)
    deltas = [r["frame.time_delta"] for r in tshark_fields(tmp_path / "hub-p2.pcap",
                                                           ["frame.time_delta"])]
    assert len(deltas) == 84 and not any(d.startswith("-") for d in deltas)
    trace_ns = [e["ns"] for e in events]
    assert trace_ns == sorted(trace_ns)


def test_hub_repeats_cut_through_from_the_first_bit():
    sim, hub, (h1, h2, h3) = hub_lan()
    events = []
    sim.tracer.add_sink(events.append)
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(SECOND)
    tx = [e for e in events if e["event"] == "tx" and e["proto"] == "ARP"]
    first, repeated = tx[0], [e for e in tx[1:3]]
    assert (first["node"], first["ns"]) == ("h1", 0)
    # the hub starts each copy as the first bit comes in: 10 us of propagation later
    assert [(e["node"], e["ns"]) for e in repeated] == [("hub", 10_000), ("hub", 10_000)]
    assert all(e["arrive_ns"] == 10_000 + 51_200 + 10_000 for e in repeated)


def test_hub_repeats_a_damaged_frame_and_the_stations_drop_it(tmp_path):
    sim, hub, (h1, h2, h3) = hub_lan(seed=4, corrupt=1.0)
    writer = PcapWriter(tmp_path / "h3.pcap", fcs=True)
    h3.interfaces["eth0"].captures.append(writer)
    ping(sim, h1, "10.0.0.2", count=1, timeout_ns=SECOND)
    sim.run(4 * SECOND)
    writer.close()
    assert not any(i.drops for i in hub.interfaces.values())        # a repeater checks nothing
    assert hub.interfaces["p1"].rx_frames == 3                      # three ARP requests
    assert h2.interfaces["eth0"].drops["BAD_FCS"] == 3
    assert h3.interfaces["eth0"].drops["BAD_FCS"] == 3
    assert h3.interfaces["eth0"].rx_frames == 0
    records = pcap_records(tmp_path / "h3.pcap")
    assert len(records) == 3
    assert all(len(raw) == 64 for _, raw in records)                # 60 + the (bad) FCS


def test_a_receiving_capture_shows_the_damaged_frame_and_tshark_flags_its_fcs(tmp_path):
    sim = Simulation(5)
    h1 = host(sim, "h1", "10.0.0.1/24")
    h2 = host(sim, "h2", "10.0.0.2/24")
    link(sim, h1.interfaces["eth0"], h2.interfaces["eth0"], RATE, MS, corrupt=0.3)
    pcap = tmp_path / "h2.pcap"
    writer = PcapWriter(pcap, fcs=True)
    h2.interfaces["eth0"].captures.append(writer)
    ping(sim, h1, "10.0.0.2", count=50, interval_ns=10 * MS, timeout_ns=SECOND)
    sim.run(3 * SECOND)
    writer.close()
    iface = h2.interfaces["eth0"]
    bad = iface.drops["BAD_FCS"]
    assert bad > 5
    # every frame that came in is in the capture: the good ones and the damaged ones
    assert len(pcap_records(pcap)) == iface.rx_frames + bad + h2.interfaces["eth0"].tx_frames
    rows = tshark_fields(pcap, ["eth.fcs.status"], FCS_PREFS)
    statuses = [values(r["eth.fcs.status"]) for r in rows]
    assert statuses.count(["0"]) == bad            # Wireshark: bad FCS
    assert statuses.count(["1"]) == len(rows) - bad


def test_links_on_one_hub_must_agree_on_preamble(tmp_path):
    path = tmp_path / "hub.yaml"
    path.write_text("name: t\n"
                    "nodes:\n"
                    "  a: {type: host, ip: 10.0.0.1/24}\n"
                    "  b: {type: host, ip: 10.0.0.2/24}\n"
                    "  h: {type: hub}\n"
                    "links:\n"
                    "  - {ends: [a, h]}\n"
                    "  - {ends: [b, h], preamble: true}\n")
    with pytest.raises(ScenarioError) as caught:
        load_topology(path)
    error = caught.value
    assert (error.line, error.column, error.field) == (8, 5, "links[1]")
    assert ("hub 'h' repeats bits, so all its links need one 'preamble' setting: "
            "true here, false on links[0]") in error.message
    path.write_text(path.read_text().replace("[a, h]}", "[a, h], preamble: true}"))
    assert "h" in load_topology(path).nodes


def test_bytes_handed_to_a_hub_are_repeated_and_traced():
    from simulator.phy.faults import CorruptedFrame

    sim, hub, (h1, h2, h3) = hub_lan()
    events = []
    sim.tracer.add_sink(events.append)
    raw = bytes(range(64))                                  # no valid FCS, no valid header
    hub.interfaces["p1"].deliver(CorruptedFrame(raw))
    sim.run(SECOND)
    tx = [e for e in events if e["event"] == "tx"]
    assert [(e["node"], e["fate"], e["proto"], e["eth_dst"]) for e in tx] == [
        ("hub", "corrupt", "Ethernet", "00:01:02:03:04:05")] * 2
    assert h2.interfaces["eth0"].drops["BAD_FCS"] == h3.interfaces["eth0"].drops["BAD_FCS"] == 1
