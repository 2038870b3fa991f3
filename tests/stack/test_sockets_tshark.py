"""tshark, a reference nobody here wrote, reads our TCP: the RST for a closed
port, and a transfer through a 5-packet NIC queue with no retransmission,
duplicate ACK or out-of-order segment (the sender's backpressure at work)."""

from simulator.phy.pcap import PcapWriter
from tests.helpers import SECOND, two_hosts
from tests.stack.test_sockets_tcp import transfer
from tests.tshark import clean, tshark_fields, tshark_problems


def capture(host, path):
    tap = PcapWriter(path)
    host.interfaces["eth0"].captures.append(tap)
    return tap


def test_tshark_decodes_the_reset_for_a_closed_port(tmp_path):
    sim, a, b = two_hosts()
    tap = capture(a, tmp_path / "rst.pcap")
    a.socket("tcp").connect_nowait(("10.0.0.2", 81))
    sim.run(SECOND)
    tap.close()
    rows = tshark_fields(tmp_path / "rst.pcap", ["tcp.flags.syn", "tcp.flags.reset",
                                                 "tcp.flags.ack", "tcp.seq_raw", "tcp.ack_raw",
                                                 "tcp.window_size_value", "tcp.srcport"])
    syn, rst = [r for r in rows if r["tcp.srcport"]]
    assert (syn["tcp.flags.syn"], rst["tcp.flags.reset"], rst["tcp.flags.ack"]) == (
        "1", "1", "1")
    assert int(rst["tcp.seq_raw"]) == 0
    assert int(rst["tcp.ack_raw"]) == (int(syn["tcp.seq_raw"]) + 1) % 2**32
    assert rst["tcp.window_size_value"] == "0"
    assert tshark_problems(tmp_path / "rst.pcap") == clean(4)


def test_tshark_finds_a_clean_transfer_through_a_tiny_nic_queue(tmp_path):
    sim, a, b = two_hosts(queue_packets=5)
    tap = capture(a, tmp_path / "bulk.pcap")
    data, got = transfer(sim, a, b, 300_000)
    sim.run(10 * SECOND)
    tap.close()
    assert bytes(got["bytes"]) == data
    faults = ["tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
              "tcp.analysis.duplicate_ack", "tcp.analysis.out_of_order",
              "tcp.analysis.lost_segment", "tcp.analysis.ack_lost_segment"]
    rows = tshark_fields(tmp_path / "bulk.pcap", ["frame.number", *faults])
    assert [r for r in rows if any(r[f] for f in faults)] == []
    assert tshark_problems(tmp_path / "bulk.pcap") == clean(len(rows))
    assert a.interfaces["eth0"].drops == {}
