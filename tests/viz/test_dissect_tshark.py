"""The PDU pane's TCP, ICMP-error and BPDU layers (viewer and ``netsim explain``) against
tshark's decoding of the same captured bytes: a TCP SYN's flags and options, an ICMP
time-exceeded's quoted IPv4 and UDP headers."""

from pathlib import Path

import pytest

from simulator.phy.pcapng import read_pcapng
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.explain import frame_details
from simulator.viz.viewer.dissect import layers
from tests.tshark import require_tshark, tshark_fields, values

REPO = Path(__file__).resolve().parents[2]


def run(tmp_path_factory, name):
    out = tmp_path_factory.mktemp(name)
    run_scenario(load_scenario(REPO / "scenarios" / f"{name}.yaml"), out, plots=False)
    return out


@pytest.fixture(scope="module")
def handshake(tmp_path_factory):
    return run(tmp_path_factory, "tcp_handshake")


@pytest.fixture(scope="module")
def traceroute(tmp_path_factory):
    return run(tmp_path_factory, "traceroute")


def fields_of(layer: dict) -> dict[str, str]:
    return {f["n"]: f["v"] for f in layer["fields"]}


def first_frame(run_dir: Path, *, title: str) -> tuple[int, list[dict]]:
    """The number (from 1) and layers of the first captured frame with a layer so titled."""
    for n, (_, _, data) in enumerate(read_pcapng(run_dir / "capture.pcapng"), 1):
        decoded = layers(data)
        if any(layer["title"].startswith(title) for layer in decoded):
            return n, decoded
    raise AssertionError(f"no frame with a {title!r} layer")


def test_a_syn_decodes_as_tshark_decodes_it(handshake):
    require_tshark()
    n, decoded = first_frame(handshake, title="Transmission Control Protocol")
    tcp = fields_of(decoded[-1])
    row = tshark_fields(handshake / "capture.pcapng",
                        ["tcp.flags", "tcp.flags.syn", "tcp.flags.ack", "tcp.seq_raw",
                         "tcp.window_size_value", "tcp.options.mss_val",
                         "tcp.options.wscale.shift", "tcp.options.timestamp.tsval",
                         "tcp.options.timestamp.tsecr", "tcp.srcport"])[n - 1]
    assert tcp["Flags"] == f"{row['tcp.flags']} (SYN)"
    assert (tcp["Syn"], tcp["Acknowledgment"]) == ("Set", "Not set")
    assert row["tcp.flags.syn"] in ("1", "True") and row["tcp.flags.ack"] in ("0", "False")
    assert tcp["Sequence Number (raw)"] == row["tcp.seq_raw"]
    assert tcp["Window"] == row["tcp.window_size_value"]
    assert tcp["TCP Option - Maximum segment size"] == f"{row['tcp.options.mss_val']} bytes"
    shift = int(row["tcp.options.wscale.shift"])
    assert tcp["TCP Option - Window scale"] == f"{shift} (multiply by {1 << shift})"
    assert tcp["TCP Option - Timestamps"] == (f"TSval {row['tcp.options.timestamp.tsval']}, "
                                              f"TSecr {row['tcp.options.timestamp.tsecr']}")
    assert "TCP Option - SACK permitted" in tcp
    assert decoded[-1]["title"].startswith(f"Transmission Control Protocol, Src Port: "
                                           f"{row['tcp.srcport']}, ")
    # netsim explain prints the same layers
    assert "    TCP Option - SACK permitted" in frame_details(handshake, n)


def test_an_icmp_error_shows_the_quoted_headers_tshark_finds(traceroute):
    require_tshark()
    n, decoded = first_frame(traceroute, title="Internet Protocol Version 4 (quoted)")
    titles = [layer["title"] for layer in decoded]
    assert titles[2] == "Internet Control Message Protocol"
    icmp, ip, udp = (fields_of(layer) for layer in decoded[2:5])
    row = tshark_fields(traceroute / "capture.pcapng",
                        ["icmp.type", "icmp.code", "ip.src", "ip.dst", "ip.ttl", "ip.id",
                         "ip.len", "udp.srcport", "udp.dstport", "udp.length",
                         "udp.checksum"])[n - 1]
    assert icmp["Type"] == f"{row['icmp.type']} (Time-to-live exceeded)"
    assert icmp["Code"] == f"{row['icmp.code']} (Time to live exceeded in transit)"
    # tshark's second occurrence of each ip.* field is the quoted header's
    assert ip["Source Address"] == values(row["ip.src"])[1]
    assert ip["Destination Address"] == values(row["ip.dst"])[1]
    assert ip["Time to Live"] == values(row["ip.ttl"])[1] == "1"
    assert ip["Total Length"] == values(row["ip.len"])[1]
    assert ip["Identification"].startswith(values(row["ip.id"])[1])
    assert (udp["Source Port"], udp["Destination Port"], udp["Length"], udp["Checksum"]) == (
        row["udp.srcport"], row["udp.dstport"], row["udp.length"], row["udp.checksum"])
    assert titles[4] == (f"User Datagram Protocol (quoted), Src Port: {row['udp.srcport']}, "
                         f"Dst Port: {row['udp.dstport']}")
    # each field's bytes lie inside the frame, the quoted ones after the ICMP header
    data = read_pcapng(traceroute / "capture.pcapng")[n - 1][2]
    assert all(decoded[2]["o"] + 8 <= f["o"] and f["o"] + f["l"] <= len(data)
               for layer in decoded[3:5] for f in layer["fields"])


@pytest.fixture(scope="module")
def stp(tmp_path_factory):
    return run(tmp_path_factory, "stp_triangle")


def test_every_bpdu_decodes_as_tshark_decodes_it(stp):
    require_tshark()
    names = ["stp.type", "stp.flags", "stp.root.prio", "stp.root.hw", "stp.root.cost",
             "stp.bridge.prio", "stp.bridge.hw", "stp.port", "stp.msg_age", "stp.max_age",
             "stp.hello", "stp.forward", "llc.dsap", "_ws.col.Protocol"]
    rows = tshark_fields(stp / "capture.pcapng", names)
    frames = [layers(data) for _, _, data in read_pcapng(stp / "capture.pcapng")]
    bpdus = [(row, decoded) for row, decoded in zip(rows, frames) if row["stp.type"]]
    assert {row["stp.type"] for row, _ in bpdus} == {"0x00", "0x80"}
    assert {row["stp.flags"] for row, _ in bpdus} >= {"0x00", "0x01"}    # TC set in some
    assert len(bpdus) == sum(
        decoded[-1]["title"] == "Spanning Tree Protocol" for decoded in frames)
    for row, decoded in bpdus:
        assert [layer["title"] for layer in decoded] == [
            "IEEE 802.3 Ethernet", "Logical-Link Control", "Spanning Tree Protocol"]
        assert row["_ws.col.Protocol"] == "STP" and row["llc.dsap"] == "0x42"
        got = fields_of(decoded[2])
        if row["stp.type"] == "0x80":
            assert got["BPDU Type"] == "Topology Change Notification (0x80)"
            assert list(got)[-1] == "BPDU Type"            # a TCN is 4 bytes
            continue
        assert got["BPDU Type"] == f"Configuration ({row['stp.type']})" == "Configuration (0x00)"
        assert got["BPDU flags"] == row["stp.flags"]
        assert got["Topology Change"] == ("Yes" if int(row["stp.flags"], 16) & 1 else "No")
        assert got["Root Identifier"] == f"{row['stp.root.prio']} / 0 / {row['stp.root.hw']}"
        assert got["Bridge Identifier"] == f"{row['stp.bridge.prio']} / 0 / {row['stp.bridge.hw']}"
        assert (got["Root Path Cost"], got["Port identifier"]) == (row["stp.root.cost"],
                                                                  row["stp.port"])
        assert [got[k] for k in ("Message Age", "Max Age", "Hello Time", "Forward Delay")] == [
            row[k] for k in ("stp.msg_age", "stp.max_age", "stp.hello", "stp.forward")]


def test_bpdus_are_stp_in_the_trace_and_the_ladder(stp):
    """The trace's proto (and so the ladder's and explain's line) is Wireshark's
    Protocol column, STP, not the Ethernet carrying it."""
    import json
    from simulator.viz.ladder_labels import frame_text
    events = [json.loads(line) for line in (stp / "trace.jsonl").read_text().splitlines()]
    bpdus = [e for e in events if e["event"] == "tx" and e["eth_dst"] == "01:80:c2:00:00:00"]
    assert bpdus and {e["proto"] for e in bpdus} == {"STP"}
    assert frame_text(bpdus[0]) == (f"{bpdus[0]['eth_src']} → 01:80:c2:00:00:00  STP  "
                                    + " ".join(bpdus[0]["info"].split()))   # spaces folded
    assert bpdus[0]["info"].startswith("Conf. Root = ")
