"""CUBIC against RFC 9438's formulas, and HyStart as Linux's tcp_cubic.c runs it."""

from types import SimpleNamespace

import pytest

from simulator.stack.tcp.cc import INFINITE_SSTHRESH, make

MSS = 1000
MS = 1_000_000
S = 1_000_000_000
C, BETA = 0.4, 0.7


def cubic(iw=10, **knobs):
    return make("cubic", MSS, iw * MSS, SimpleNamespace(**{"hystart": False, **knobs}))


def after_loss(cc, w_max_segments, now=0):
    """A loss at cwnd = w_max, then recovery ends at cwnd = ssthresh."""
    cc.cwnd = w_max_segments * MSS
    cc.on_congestion_event(now, cc.cwnd)
    cc.on_recovery_exit(now)
    return cc


def run(cc, start, rtt, seconds):
    """Full-window ACK clocking: per RTT, one ACK per segment spread over the RTT."""
    now = start
    while now < start + seconds * S:
        n = max(cc.cwnd // MSS, 1)
        for i in range(n):
            cc.on_ack(now + i * rtt // n, MSS, rtt, cc.cwnd)
        now += rtt
    return now


def test_multiplicative_decrease_and_fast_convergence():
    cc = after_loss(cubic(), 100)
    assert (cc.ssthresh, cc.cwnd, cc.w_max) == (70 * MSS, 70 * MSS, 100 * MSS)
    cc.cwnd = 90 * MSS                    # the next loss before regaining W_max
    cc.on_congestion_event(0, cc.cwnd)
    assert cc.w_max == pytest.approx(90 * MSS * (1 + BETA) / 2)     # 76.5 segments
    assert cc.ssthresh == 63 * MSS
    slow = after_loss(cubic(cubic_fast_convergence=False), 100)
    slow.cwnd = 90 * MSS
    slow.on_congestion_event(0, slow.cwnd)
    assert slow.w_max == 90 * MSS


def test_k_and_w_cubic_follow_the_rfc_formulas():
    cc = after_loss(cubic(), 100)
    cc.on_ack(1 * S, MSS, 100 * MS, cc.cwnd)          # the epoch starts here
    k = ((100 - 70) / C) ** (1 / 3)                   # §4.2 eq. 2: ∛75 = 4.217 s
    assert cc.k == pytest.approx(k)
    assert k == pytest.approx(4.2172, abs=1e-4)
    for t in (0.0, 1.0, 2.5, k, 6.0, 10.0):
        assert cc.w_cubic(t) == pytest.approx((C * (t - k) ** 3 + 100) * MSS)
    assert cc.w_cubic(0) == pytest.approx(70 * MSS)
    assert cc.w_cubic(k) == pytest.approx(100 * MSS)


def test_cwnd_tracks_the_cubic_curve_to_w_max_and_beyond():
    cc = after_loss(cubic(cubic_reno_friendly=False), 100)
    rtt = 100 * MS
    k = ((100 - 70) / C) ** (1 / 3)
    now = 0
    for until in (2.0, k, k + 3.0):
        now = run(cc, now, rtt, until - now / S)
        t = (now - cc.epoch_start) / S
        # the target is W_cubic(t + RTT): cwnd lags it by less than one RTT's step
        assert cc.w_cubic(t) - MSS <= cc.cwnd <= cc.w_cubic(t + rtt / S) + MSS
    assert cc.cwnd > 100 * MSS


def test_growth_is_at_most_one_and_a_half_per_rtt():
    cc = after_loss(cubic(cubic_reno_friendly=False), 1000)
    cc.cwnd = cc.ssthresh = 10 * MSS       # far below the curve: the target clamps
    before = cc.cwnd
    run(cc, 0, 100 * MS, 0.1)
    assert before < cc.cwnd <= 1.5 * before + MSS


def test_reno_friendly_region():
    """Small RTT: Reno's α segments per RTT outgrow the cubic curve (§4.3)."""
    cc = after_loss(cubic(), 20)
    rtt = 10 * MS
    alpha = 3 * (1 - BETA) / (1 + BETA)
    end = run(cc, 0, rtt, 1.0)                 # 100 RTTs
    rounds = end // rtt
    t = (end - cc.epoch_start) / S
    assert cc.cwnd > cc.w_cubic(t) + 10 * MSS
    # W_est grows α per RTT from cwnd_epoch (14) to cwnd_prior (20), then 1 per RTT
    expected = 20 + (rounds - (20 - 14) / alpha)
    assert cc.cwnd == pytest.approx(expected * MSS, rel=0.05)
    plain = after_loss(cubic(cubic_reno_friendly=False), 20)
    run(plain, 0, rtt, 1.0)
    assert plain.cwnd < cc.cwnd - 10 * MSS


def test_after_a_timeout_the_epoch_starts_at_k_zero():
    cc = after_loss(cubic(), 100)
    cc.on_rto(0, 70 * MSS)
    assert (cc.cwnd, cc.ssthresh, cc.w_max) == (MSS, 49 * MSS, None)
    cc.ssthresh = 5 * MSS
    cc.cwnd = 5 * MSS
    cc.on_ack(0, MSS, 100 * MS, 5 * MSS)
    assert cc.k == 0 and cc.origin == 5 * MSS       # §4.8: K = 0, W_max = cwnd_epoch
    start = cc.cwnd
    run(cc, 0, 100 * MS, 0.1)
    assert cc.cwnd >= start * 1.05 - MSS            # Linux's 5 % per RTT floor


def test_after_hystart_growth_is_the_faster_of_cubic_and_reno():
    """No loss yet (W_max unknown): Linux's 5 % per RTT beats Reno's 1 segment."""
    cc = cubic(iw=60)
    cc.ssthresh = cc.cwnd                          # as HyStart leaves slow start
    run(cc, 0, 100 * MS, 0.1)
    assert cc.cwnd >= 63 * MSS - MSS // 2


def test_idle_time_does_not_count_as_epoch_time():
    cc = after_loss(cubic(), 100)
    cc.on_ack(1 * S, MSS, 100 * MS, cc.cwnd)
    cc.on_tx_start(5 * S, idle_ns=3 * S)
    assert cc.epoch_start == 4 * S


# --- HyStart

def slow_start(cc, rtt_of_round, rounds, gap=5 * MS, start=0):
    """Slow start rounds of back-to-back ACKs ``gap`` apart; returns the end time."""
    now = start
    for r in range(rounds):
        n = cc.cwnd // MSS
        flight = cc.cwnd
        for i in range(n):
            cc.on_ack(now + i * gap, MSS, rtt_of_round(r), flight)
            if not cc.in_slow_start():
                return now + i * gap
            flight = flight - MSS + 2 * MSS       # each ACK releases two segments
        now += max(rtt_of_round(r), n * gap)
    return None


def test_hystart_leaves_slow_start_on_a_delay_increase():
    cc = cubic(hystart=True)
    base = 100 * MS
    # min RTT 100 ms: the threshold is 100 + clamp(12.5, 4, 16) = 112.5 ms
    exit_at = slow_start(cc, lambda r: base if r < 2 else base + 13 * MS, rounds=4)
    assert exit_at == 2 * 100 * MS + 8 * 5 * MS   # round 3's 9th sample: RTT samples
    assert cc.ssthresh == 48 * MSS                 # cwnd then (40 + 8 segments)
    assert cc.cwnd >= cc.ssthresh


def test_hystart_ignores_an_increase_below_the_threshold_and_below_16_segments():
    cc = cubic(hystart=True)
    assert slow_start(cc, lambda r: 100 * MS if r < 2 else 112 * MS, rounds=4) is None
    assert cc.ssthresh == INFINITE_SSTHRESH
    small = cubic(hystart=True, iw=2)
    assert slow_start(small, lambda r: 100 * MS if r < 1 else 200 * MS, rounds=3) is None
    assert small.cwnd == 16 * MSS                  # 2, 4, 8, 16: no exit below 16


def test_hystart_ack_train():
    """ACKs 1 ms apart: the train passes (min RTT + 1 ms cushion)/2 = 10.5 ms."""
    cc = cubic(hystart=True, iw=20)
    rtt = 20 * MS
    cc.on_ack(0, MSS, rtt, 20 * MSS)               # the round starts at t = 0
    exited = None
    for i in range(1, 20):
        cc.on_ack(i * MS, MSS, rtt, 20 * MSS)
        if not cc.in_slow_start():
            exited = i
            break
    assert exited == 11
    assert cc.ssthresh == 31 * MSS                 # cwnd as that ACK arrived


def test_rto_rearms_hystart():
    cc = cubic(hystart=True)
    cc.hystart.found = True
    cc.on_rto(0, 10 * MSS)
    assert not cc.hystart.found
