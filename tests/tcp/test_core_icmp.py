"""ICMP errors for a connection (RFC 5927 §4.1 sequence check, RFC 1191 PMTUD, hard
and soft errors as Linux)."""

from simulator.stack.errno import Errno
from simulator.stack.tcp.connection import State
from tests.tcp.core_harness import MS, S, cfg, client, established_client

DEST_UNREACH, FRAG_NEEDED, PORT_UNREACH, HOST_UNREACH = 3, 4, 3, 1


def test_frag_needed_lowers_mss_and_resends_outstanding():
    c = established_client(cfg("linux"))
    c.send(b"x" * 4000, 20 * MS)
    assert [len(s.payload) for s in c.take_output()] == [1460, 1460, 1080]
    cwnd = c.cc.cwnd
    c.icmp_error(DEST_UNREACH, FRAG_NEEDED, 1000, c.iss + 1, 21 * MS)
    out = c.take_output()
    assert [(s.seq - c.iss - 1, len(s.payload)) for s in out] == [
        (0, 960), (960, 960), (1920, 960), (2880, 960), (3840, 160)]
    assert c.snd_mss == 960 and c.mss_limit == 960
    assert c.cc.ssthresh == 0x7FFFFFFF and c.cc.cwnd == cwnd * 960 // 1460
    causes = {r["cause"] for r in c.take_trace() if r["event"] == "tcp.retransmit"}
    assert causes == {"pmtu"}


def test_error_outside_snd_una_snd_nxt_is_ignored():
    c = established_client(cfg("linux"))
    c.send(b"x" * 1000, 20 * MS)
    c.take_output()
    c.icmp_error(DEST_UNREACH, FRAG_NEEDED, 600, c.iss + 5000, 21 * MS)   # never sent
    c.icmp_error(DEST_UNREACH, FRAG_NEEDED, 600, c.iss, 21 * MS)          # acked (SYN)
    assert c.take_output() == [] and c.mss_limit == 1460


def test_larger_mtu_does_not_raise_mss():
    c = established_client(cfg("linux"))
    c.send(b"x" * 100, 20 * MS)
    c.take_output()
    c.icmp_error(DEST_UNREACH, FRAG_NEEDED, 9000, c.iss + 1, 21 * MS)
    assert c.take_output() == [] and c.snd_mss == 1460


def test_port_unreachable_aborts_syn_sent():
    c = client(cfg("linux"))
    c.open_active(0)
    c.take_output()
    c.icmp_error(DEST_UNREACH, PORT_UNREACH, 0, c.iss, 10 * MS)
    assert c.state is State.CLOSED and c.error is Errno.ECONNREFUSED


def test_host_unreachable_is_soft_then_reported_on_timeout():
    c = client(cfg("linux", syn_retries=1))
    c.open_active(0)
    c.take_output()
    c.icmp_error(DEST_UNREACH, HOST_UNREACH, 0, c.iss, 10 * MS)
    assert c.state is State.SYN_SENT and c.soft_error is Errno.EHOSTUNREACH
    c.timer_fires(1 * S)
    c.timer_fires(3 * S)
    assert c.state is State.CLOSED and c.error is Errno.EHOSTUNREACH


def test_hard_error_does_not_abort_established():
    c = established_client(cfg("linux"))
    c.send(b"x" * 100, 20 * MS)
    c.take_output()
    c.icmp_error(DEST_UNREACH, PORT_UNREACH, 0, c.iss + 1, 21 * MS)
    assert c.state is State.ESTABLISHED and c.soft_error is Errno.ECONNREFUSED
