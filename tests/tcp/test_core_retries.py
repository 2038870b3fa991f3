"""Giving up (retries.py): RFC 1122's count, Linux's time budget for tcp_retries2
(retransmits_timed_out / tcp_model_timeout), TCP_USER_TIMEOUT (RFC 5482)."""

from simulator.stack.errno import Errno
from simulator.stack.tcp.connection import State
from simulator.stack.tcp.retries import LINUX_RTO_MIN, model_timeout
from tests.tcp.core_harness import ACK, MS, S, cfg, client, established_client, peer_seg


def test_model_timeout_is_linux_budget():
    # ip-sysctl.rst: tcp_retries2=15 "yields a hypothetical timeout of 924.6 seconds";
    # tcp_syn_retries=6 from the 1 s initial RTO: 127 s
    assert model_timeout(15, LINUX_RTO_MIN, 120 * S) == 924_600 * MS
    assert model_timeout(6, 1 * S, 120 * S) == 127 * S
    assert model_timeout(3, LINUX_RTO_MIN, 120 * S) == 3 * S        # below the cap: (2^4-1)·0.2


def _run_to_close(c):
    """Fire every timer until the connection closes: (time, data retransmissions)."""
    rtx = 0
    while c.state is not State.CLOSED:
        now = c.deadline
        c.timer_fires(now)
        rtx += sum(1 for s in c.take_output() if s.payload)
    return now, rtx


def _unacked_data(profile, **kw):
    """1 s handshake RTT, so the RTO is 3 s in both profiles; 100 bytes at 2 s."""
    c = established_client(cfg(profile, **kw), rtt=1 * S)
    assert c.rtt.rto_ns == 3 * S
    c.send(b"x" * 100, 2 * S)
    assert len(c.take_output()) == 1
    return c


def test_linux_gives_up_at_first_rto_past_the_time_budget():
    # RTOs 3, 6, ... 96 s then 120 s: expiries 3, 9, 21, ..., 909, 1029 s after the
    # send; the budget (924.6 s) runs from the first retransmission (at 3 s), so the
    # expiry at 1029 s gives up: 12 retransmissions, not 15
    c = _unacked_data("linux")
    now, rtx = _run_to_close(c)
    assert (now, rtx, c.error) == (2 * S + 1029 * S, 12, Errno.ETIMEDOUT)


def test_rfc_counts_retries2():
    c = _unacked_data("rfc")
    now, rtx = _run_to_close(c)
    assert (now, rtx, c.error) == (2 * S + 1389 * S, 15, Errno.ETIMEDOUT)   # 16th expiry


def test_user_timeout_replaces_the_budget_and_clamps_the_rto():
    # first expiry at 3 s retransmits (none before it); the next RTO (6 s) is clamped
    # to what is left of 2 s from that retransmission: ETIMEDOUT at 5 s
    for profile in ("linux", "rfc"):
        c = _unacked_data(profile, user_timeout=2 * S)
        now, rtx = _run_to_close(c)
        assert (now, rtx, c.error) == (2 * S + 5 * S, 1, Errno.ETIMEDOUT)


def test_syn_gives_up_after_127_s():
    c = client(cfg("linux"))
    c.open_active(0)
    c.take_output()
    now, _ = _run_to_close(c)
    assert (now, c._syn_retries, c.error) == (127 * S, 6, Errno.ETIMEDOUT)


def test_user_timeout_in_syn_sent_counts_from_the_first_syn():
    # Linux stamps the SYN (tcp_connect): SYNs at 0, 1, 3, 7 s; the RTO after the
    # one at 7 s is clamped to 10 s, when connect() fails
    c = client(cfg("linux", user_timeout=10 * S))
    c.open_active(0)
    c.take_output()
    now, _ = _run_to_close(c)
    assert (now, c._syn_retries, c.error) == (10 * S, 3, Errno.ETIMEDOUT)


def test_a_recovered_connection_starts_a_new_budget():
    # the ACK that ends loss recovery clears the stamp: a later loss gets the whole
    # user timeout again
    c = _unacked_data("linux", user_timeout=4 * S)
    c.timer_fires(5 * S)                                  # RTO: first retransmission
    c.take_output()
    c.segment_arrives(peer_seg(ACK, 5001, 1101), 5 * S + 10 * MS)
    assert c._retrans_stamp is None and c.ca_state == "open"
    c.send(b"y" * 100, 100 * S)
    c.take_output()
    first_rto = c.deadline
    assert first_rto == 100 * S + c.rtt.rto_ns
    now, rtx = _run_to_close(c)          # retransmitted at first_rto, gives up 4 s later
    assert (now, rtx, c.error) == (first_rto + 4 * S, 1, Errno.ETIMEDOUT)
