"""Keep-alives segment by segment (keepalive.py; RFC 9293 §3.8.4, RFC 1122
§4.2.3.6, Linux tcp_keepalive_timer)."""

from simulator.stack.errno import Errno
from simulator.stack.tcp.connection import State
from simulator.wire.tcp import ACK, RST
from tests.tcp.core_harness import MS, S, cfg, established_client, peer_seg


def test_off_by_default():
    c = established_client(cfg("linux"))
    assert c.deadline is None


def test_linux_defaults_probe_after_two_hours_then_reset_after_nine():
    c = established_client(cfg("linux", keepalive=True))
    est = 10 * MS                                         # the SYN-ACK's arrival
    assert c.deadline == est + 7200 * S
    sent = []
    while c.state is not State.CLOSED:
        now = c.deadline
        c.timer_fires(now)
        sent += [(now - est, s.flags, s.seq, s.ack, len(s.payload)) for s in c.take_output()]
    probes = [(t, ACK, 1000, 5001, 0) for t in range(7200 * S, 7876 * S, 75 * S)][:9]
    assert sent == probes + [(7875 * S, RST | ACK, 1001, 5001, 0)]
    assert c.error is Errno.ETIMEDOUT


def test_an_answer_restarts_the_idle_time_and_the_count():
    c = established_client(cfg("linux", keepalive=True, keepalive_time=10 * S,
                               keepalive_intvl=5 * S, keepalive_probes=2))
    c.timer_fires(c.deadline)                             # probe 1 at 10.01 s
    c.take_output()
    c.timer_fires(c.deadline)                             # probe 2 at 15.01 s
    assert c.take_output()[0].seq == 1000 and c.info()["tcpi_probes"] == 2
    c.segment_arrives(peer_seg(ACK, 5001, 1001), 16 * S)  # answered
    assert c.info()["tcpi_probes"] == 0
    c.timer_fires(c.deadline)                             # 20.01 s: idle 4.01 s only
    assert c.take_output() == [] and c.deadline == 26 * S
    c.timer_fires(c.deadline)
    assert [s.seq for s in c.take_output()] == [1000] and c.state is State.ESTABLISHED


def test_user_timeout_ends_keepalives_instead_of_the_count():
    # RFC 5482 / Linux: once a probe is unanswered and the idle time reaches the user
    # timeout (12 s), reset, whatever TCP_KEEPCNT says
    c = established_client(cfg("linux", keepalive=True, keepalive_time=10 * S,
                               keepalive_intvl=5 * S, user_timeout=12 * S))
    c.timer_fires(c.deadline)
    assert [s.flags for s in c.take_output()] == [ACK]    # 10.01 s
    c.timer_fires(c.deadline)                             # 15.01 s: idle 15 s
    assert [s.flags for s in c.take_output()] == [RST | ACK]
    assert c.error is Errno.ETIMEDOUT


def test_data_in_flight_postpones_the_probe():
    c = established_client(cfg("linux", keepalive=True, keepalive_time=10 * S))
    c.send(b"x" * 10, 10 * S)
    c.take_output()
    c.timer_fires(10 * S + 10 * MS)                       # keep-alive time: data unacked
    assert c.take_output() == [] and c._keepalive_at == 20 * S + 10 * MS
