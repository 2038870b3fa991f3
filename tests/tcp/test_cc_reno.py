"""Reno / NewReno window arithmetic (RFC 5681 §3.1, §4.1; RFC 3465; ns-3 and Linux)."""

from types import SimpleNamespace

import pytest

from simulator.stack.tcp.cc import ALGORITHMS, INFINITE_SSTHRESH, make
from simulator.stack.tcp.config import TcpConfig

MSS = 1000
MS = 1_000_000


def reno(name="reno", iw=10, **knobs):
    return make(name, MSS, iw * MSS, SimpleNamespace(**knobs))


def test_make_builds_each_algorithm_and_rejects_unknown_names():
    assert ALGORITHMS == ("reno", "newreno", "cubic")
    for name in ALGORITHMS:
        cc = make(name, MSS, 10 * MSS, TcpConfig.profile("linux"))
        assert (cc.name, cc.cwnd, cc.ssthresh) == (name, 10 * MSS, INFINITE_SSTHRESH)
    with pytest.raises(ValueError, match="unknown congestion control 'vegas'"):
        make("vegas", MSS, MSS, None)


def test_slow_start_rfc5681_adds_at_most_one_smss_per_ack():
    cc = reno(abc=1)
    cc.on_ack(0, 2 * MSS, None, 10 * MSS)           # a delayed ACK of two segments
    assert cc.cwnd == 11 * MSS
    cc.on_ack(0, 300, None, 10 * MSS)               # a partial segment: N bytes
    assert cc.cwnd == 11 * MSS + 300


def test_slow_start_abc_limits():
    cc = reno(abc=2)
    cc.on_ack(0, 3 * MSS, None, 10 * MSS)
    assert cc.cwnd == 12 * MSS                      # L = 2 segments
    linux = reno(abc=0)
    linux.on_ack(0, 3 * MSS, None, 10 * MSS)
    assert linux.cwnd == 13 * MSS                   # packet counting: no cap


def test_slow_start_stops_at_ssthresh_and_counts_the_rest_in_avoidance():
    cc = reno(abc=0)
    cc.ssthresh = 10 * MSS + 500
    cc.on_ack(0, 2 * MSS, None, 10 * MSS)
    # 500 bytes reach ssthresh; the other 1500 go to congestion avoidance (one ACK)
    assert cc.cwnd == 10 * MSS + 500 + MSS * MSS // (10 * MSS + 500)
    assert not cc.in_slow_start()


@pytest.mark.parametrize("abc, segments_per_ack, growth", [(0, 1, 2.0), (0, 2, 2.0),
                                                          (1, 1, 2.0), (1, 2, 1.5)])
def test_slow_start_growth_per_round_trip(abc, segments_per_ack, growth):
    """Doubling per RTT, or 1.5x with RFC 5681's cap and ACK-every-other-segment."""
    cc = reno(abc=abc, iw=16)
    for _ in range(3):
        start = cc.cwnd
        for _ack in range(start // (segments_per_ack * MSS)):
            cc.on_ack(0, segments_per_ack * MSS, None, start)
        assert cc.cwnd == int(start * growth)


def test_congestion_avoidance_per_ack_like_rfc5681_and_ns3():
    cc = reno()
    cc.ssthresh = 10 * MSS
    cc.on_ack(0, 2 * MSS, None, 10 * MSS)           # once per ACK, whatever it covers
    assert cc.cwnd == 10 * MSS + 100
    cc.cwnd = 2000 * MSS                            # SMSS^2/cwnd < 1: one byte
    cc.ssthresh = 2 * MSS
    cc.on_ack(0, MSS, None, cc.cwnd)
    assert cc.cwnd == 2000 * MSS + 1


def test_congestion_avoidance_byte_counting_like_linux():
    cc = reno(ca_byte_counting=True)
    cc.ssthresh = 10 * MSS
    for _ in range(4):
        cc.on_ack(0, 2 * MSS, None, 10 * MSS)
    assert cc.cwnd == 10 * MSS                      # 8000 of 10000 bytes counted
    cc.on_ack(0, 3 * MSS, None, 10 * MSS)
    assert cc.cwnd == 11 * MSS                      # 11000 >= 10000: one SMSS
    assert cc._ca_bytes == MSS                      # the rest carries over


def test_one_smss_per_rtt_in_congestion_avoidance():
    for counting in (False, True):
        cc = reno(ca_byte_counting=counting)
        cc.ssthresh = 20 * MSS
        cc.cwnd = 20 * MSS
        for _ in range(20):
            cc.on_ack(0, MSS, None, 20 * MSS)
        assert 20 * MSS + 950 <= cc.cwnd <= 21 * MSS


def test_congestion_event_sets_ssthresh_from_flight_and_recovery_exit_sets_cwnd():
    cc = reno("newreno")
    cc.cwnd = 30 * MSS
    cc.on_congestion_event(0, 20 * MSS + 1)
    assert (cc.ssthresh, cc.cwnd) == (10 * MSS, 30 * MSS)
    cc.on_recovery_exit(0)
    assert cc.cwnd == 10 * MSS
    cc.on_congestion_event(0, 3 * MSS)
    assert cc.ssthresh == 2 * MSS                   # never below 2 SMSS


def test_rto_loss_window_and_ssthresh_held_on_repeated_timeouts():
    cc = reno()
    cc.cwnd = 40 * MSS
    cc.on_rto(0, 40 * MSS)
    assert (cc.cwnd, cc.ssthresh) == (MSS, 20 * MSS)
    cc.on_rto(0, 1 * MSS, repeated=True)            # the retransmission timed out too
    assert (cc.cwnd, cc.ssthresh) == (MSS, 20 * MSS)
    cc.on_ack(0, MSS, None, MSS)
    assert cc.cwnd == 2 * MSS and cc.in_slow_start()


def test_restart_after_idle_rfc5681():
    cc = reno()
    cc.cwnd = 40 * MSS
    cc.on_idle_restart(0, 200 * MS)
    assert cc.cwnd == 10 * MSS                      # RW = min(IW, cwnd)
    cc.cwnd = 4 * MSS
    cc.on_idle_restart(0, 200 * MS)
    assert cc.cwnd == 4 * MSS


def test_restart_after_idle_linux_halves_per_rto():
    cc = reno(idle_restart="linux")
    cc.cwnd, cc.ssthresh = 80 * MSS, 30 * MSS
    cc.on_idle_restart(0, 200 * MS, idle_ns=500 * MS)   # 2.5 RTOs: halved twice
    assert (cc.cwnd, cc.ssthresh) == (20 * MSS, 60 * MSS)
    cc.on_idle_restart(0, 200 * MS, idle_ns=10_000 * MS)
    assert cc.cwnd == 10 * MSS                      # not below the restart window


def test_cwnd_validation_grows_only_a_used_window():
    cc = reno(cwnd_validation=True, abc=0)
    cc.cwnd = 20 * MSS
    cc.on_ack(0, MSS, None, 5 * MSS)                # application-limited
    assert cc.cwnd == 20 * MSS
    cc.on_ack(0, MSS, None, 11 * MSS)               # slow start: cwnd < 2 * flight
    assert cc.cwnd == 21 * MSS
    cc.ssthresh = 21 * MSS
    cc.on_ack(0, MSS, None, 19 * MSS)
    assert cc.cwnd == 21 * MSS
    cc.on_ack(0, MSS, None, 20 * MSS + 1)           # within one SMSS of cwnd
    assert cc.cwnd > 21 * MSS


def test_set_mss_keeps_the_window_in_segments():
    cc = reno()
    cc.ssthresh = 20 * MSS
    cc.set_mss(500)
    assert (cc.cwnd, cc.ssthresh, cc.initial_window) == (5000, 10000, 5000)
