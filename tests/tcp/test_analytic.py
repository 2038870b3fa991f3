"""Acceptance (issue 7): long transfers against analytic models.

- A window that covers the bandwidth-delay product fills the bottleneck: goodput is
  the link rate times payload/frame (1448 of 1518 bytes with timestamps).
- A smaller window W sends W per round trip: goodput = W / RTT.
- Slow start doubles cwnd every round trip (with one SMSS per ACK and b segments
  per ACK: grows 1 + 1/b per round trip).
- NewReno under random loss p follows Mathis et al. (1997):
  MSS/RTT · sqrt(3 / (2b)) / sqrt(p), b segments per ACK. The full sweep
  (p = 0.5, 1, 2 %, 20 seeds, 60 s) is benchmarks/tcp_mathis.py; this is a smaller one.
"""

import math

import pytest

from simulator.phy.link import serialization_ns
from simulator.stack.tcp.config import TcpConfig
from tests.helpers import MS, SECOND
from tests.tcp.bulk_harness import bulk_transfer

MSS = 1448                        # 1500 - 20 (IP) - 20 (TCP) - 12 (timestamps)
DATA_FRAME = 1518                 # + 14 Ethernet header + 4 FCS
ACK_FRAME = 14 + 20 + 32 + 4      # an ACK with timestamps


@pytest.mark.parametrize("profile", ["linux", "rfc"])
def test_a_window_covering_the_bdp_fills_the_bottleneck(profile):
    rate, delay = 10_000_000, 10 * MS
    result = bulk_transfer(TcpConfig.profile(profile), rate, delay, seconds=6)
    # rmem 128 KiB > BDP (25 KB): the queue absorbs the rest, nothing is dropped
    assert result.retransmits == 0
    ceiling = rate * MSS / DATA_FRAME                        # 9.539 Mb/s
    assert 0.99 * ceiling <= result.goodput_bps <= 1.0005 * ceiling


@pytest.mark.parametrize("rmem", [8192, 16384, 20000])
def test_a_window_smaller_than_the_bdp_sends_one_window_per_rtt(rmem):
    """The receiver ACKs every segment (delayed_ack 0), so each round trip is the
    propagation delay plus one data frame's and one ACK's serialization. W is the
    window the receiver advertises (at most rmem), in full segments."""
    rate, delay = 10_000_000, 10 * MS
    config = TcpConfig.profile("rfc", rmem=rmem, delayed_ack=0)
    result = bulk_transfer(config, rate, delay, seconds=4)
    assert 0 < result.snd_wnd <= rmem
    window = result.snd_wnd // MSS * MSS
    rtt = (2 * delay + serialization_ns(DATA_FRAME, rate)
           + serialization_ns(ACK_FRAME, rate))
    assert result.goodput_bps == pytest.approx(window * 8 * SECOND / rtt, rel=0.01)


@pytest.mark.parametrize("profile, overrides, initial", [
    ("linux", {}, 10),                                # IW10, CUBIC, packet counting
    ("rfc", {"delayed_ack": 0}, 3),                   # RFC 5681 IW, NewReno, L = 1
])
def test_slow_start_doubles_cwnd_every_round_trip(profile, overrides, initial):
    rtt = 100 * MS
    config = TcpConfig.profile(profile, rmem=64 << 20, wmem=64 << 20, **overrides)
    result = bulk_transfer(config, 1_000_000_000, rtt // 2, seconds=1.0, warmup=0.5,
                           queue_packets=100_000,
                           cwnd_at=[k * rtt + rtt // 2 for k in range(8)])
    assert [cwnd for _, cwnd in result.cwnd_samples] == [initial << k for k in range(8)]


def test_slow_start_with_one_smss_per_ack_grows_by_one_plus_one_over_b():
    """RFC 5681's cwnd += min(N, SMSS) per ACK (abc = 1): with b segments per ACK
    each round trip multiplies cwnd by 1 + 1/b (1.5 for ACK-every-other-segment)."""
    rtt = 100 * MS
    config = TcpConfig.profile("rfc", rmem=64 << 20, wmem=64 << 20)
    result = bulk_transfer(config, 1_000_000_000, rtt // 2, seconds=1.0, warmup=0.5,
                           queue_packets=100_000,
                           cwnd_at=[k * rtt + rtt // 2 for k in range(8)])
    cwnd = [c for _, c in result.cwnd_samples]
    growth = (cwnd[-1] / cwnd[3]) ** (1 / 4)                  # 4 rounds, past the start
    assert growth == pytest.approx(1 + 1 / result.segments_per_ack, rel=0.05)


@pytest.mark.parametrize("p", [0.01, 0.02])
def test_newreno_under_random_loss_follows_mathis(p):
    rate, delay, seeds = 100_000_000, 25 * MS, 10
    config = TcpConfig.profile("rfc", cc="newreno", rmem=4 << 20, wmem=4 << 20)
    runs = [bulk_transfer(config, rate, delay, seconds=12, seed=seed, loss=p, warmup=2)
            for seed in range(1, seeds + 1)]
    goodput = sum(r.goodput_bps for r in runs) / seeds
    b = sum(r.segments_per_ack for r in runs) / seeds
    rtt = (2 * delay + serialization_ns(DATA_FRAME, rate)) / SECOND
    model = MSS * 8 / rtt * math.sqrt(3 / (2 * b)) / math.sqrt(p)
    assert 0.75 * model <= goodput <= 1.25 * model
