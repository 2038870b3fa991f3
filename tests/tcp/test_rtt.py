"""RFC 6298 RTO computation, exact values; Linux's estimator as tcp_rtt_estimator."""

import pytest

from simulator.stack.tcp.rtt import RttEstimator

MS = 1_000_000
S = 1_000_000_000


def rfc(min_rto=1 * S, g=1 * MS):
    return RttEstimator(1 * S, min_rto, 120 * S, g, "rfc")


def test_initial_rto_is_one_second():
    est = rfc()
    assert est.rto_ns == 1 * S and est.srtt_ns is None and est.rttvar_ns is None


def test_first_and_second_sample():
    est = rfc(min_rto=0)
    est.sample(100 * MS)                      # §2.2
    assert (est.srtt_ns, est.rttvar_ns, est.rto_ns) == (100 * MS, 50 * MS, 300 * MS)
    est.sample(200 * MS)                      # §2.3: RTTVAR first, with the old SRTT
    assert est.rttvar_ns == 62_500_000
    assert est.srtt_ns == 112_500_000
    assert est.rto_ns == 112_500_000 + 4 * 62_500_000


def test_min_rto_one_second_rfc():
    est = rfc()
    est.sample(100 * MS)
    assert est.rto_ns == 1 * S                # §2.4


def test_granularity_floor():
    est = rfc(min_rto=0, g=10 * MS)
    est.sample(1 * MS)                        # 4·RTTVAR = 2 ms < G
    assert est.rto_ns == 11 * MS


def test_backoff_doubles_and_clamps_then_sample_clears():
    est = rfc()
    est.backoff()
    est.backoff()
    assert est.rto_ns == 4 * S and est.backoffs == 2
    for _ in range(10):
        est.backoff()
    assert est.rto_ns == 120 * S              # §2.5 / §5.5 clamp
    est.sample(100 * MS)
    assert est.backoffs == 0 and est.rto_ns == 1 * S


def test_syn_fallback_three_seconds():
    est = rfc()
    est.backoff()
    est.fallback(3 * S)                       # §5.7
    assert est.rto_ns == 3 * S and est.backoffs == 0


def test_linux_first_sample_rto_is_rtt_plus_min():
    est = RttEstimator(1 * S, 200 * MS, 120 * S, 1 * MS, "linux")
    est.sample(10 * MS, snd_una=0, snd_nxt=100)
    assert est.srtt_ns == 10 * MS and est.rttvar_ns == 5 * MS
    assert est.rto_ns == 210 * MS             # srtt + max(2·rtt·... , rto_min)
    est.sample(10 * MS, snd_una=101, snd_nxt=200)
    assert est.rto_ns == 210 * MS


def test_linux_large_rtt_rto_is_three_rtt():
    est = RttEstimator(1 * S, 200 * MS, 120 * S, 1 * MS, "linux")
    est.sample(300 * MS, snd_una=0, snd_nxt=1)
    assert est.rto_ns == 900 * MS             # mdev = rtt/2 → rto = srtt + 4·mdev


def test_linux_rto_rounded_up_to_jiffy():
    est = RttEstimator(1 * S, 200 * MS, 120 * S, 4 * MS, "linux")
    est.sample(10_500_000, snd_una=0, snd_nxt=1)
    assert est.rto_ns == 212 * MS             # 210.5 ms → next 4 ms jiffy


def test_linux_falling_rtt_uses_small_gain():
    est = RttEstimator(1 * S, 0, 120 * S, 1, "linux")
    est.sample(100 * MS, 0, 10)               # srtt 100 ms, mdev 50 ms
    est.sample(10 * MS, 11, 20)               # error -90 ms
    assert est.srtt_ns == 88_750_000          # 7/8 · 100 + 1/8 · 10
    # a fall moves mdev by (|err| - mdev)/8 · 1/4 = (90 - 50)/32 ms, not (90 - 50)/4
    assert est.rttvar_ns == 51_250_000


def test_unknown_variant():
    with pytest.raises(ValueError):
        RttEstimator(1, 1, 1, 1, "bsd")
