"""The plot's statistics: Student's t interval, the Mathis curve."""

import math

import pandas as pd
import pytest

from simulator.campaign.plot import _points, column, mathis, t975


@pytest.mark.parametrize("df, t", [(1, 12.706), (2, 4.303), (19, 2.093), (30, 2.042),
                                   (40, 2.021), (60, 2.000), (120, 1.980)])
def test_t_quantiles_match_the_printed_tables(df, t):
    assert t975(df) == pytest.approx(t, abs=6e-4)


def test_mean_and_95_percent_interval_across_seeds():
    frame = pd.DataFrame({"x": [1, 1, 1, 2, 2, 3], "y": [1.0, 2.0, 3.0, 5.0, 7.0, 4.0]})
    xs, means, lows, highs = _points(frame, "x", "y")
    assert xs == [1, 2, 3] and means == [2.0, 6.0, 4.0]
    assert highs[0] - means[0] == pytest.approx(4.303 * 1 / math.sqrt(3))
    assert highs[1] - means[1] == pytest.approx(12.706 * math.sqrt(2) / math.sqrt(2))
    assert lows[2] == highs[2] == 4.0                    # one seed: no interval


def test_mathis_curve():
    # MSS 1460 B, RTT 100 ms, p = 1%: 1460·8/0.1 · sqrt(1.5) · 10 = 1.4305 Mb/s
    assert mathis(0.01, 1460, 0.1) == pytest.approx(1460 * 8 / 0.1 * math.sqrt(1.5) * 10)
    assert mathis(0.01, 1460, 0.1, b=2) == pytest.approx(mathis(0.01, 1460, 0.1) / math.sqrt(2))


def test_a_metric_is_found_by_its_last_part():
    frame = pd.DataFrame(columns=["loss", "ping.rtt_avg_ns", "a.rx", "b.rx"])
    assert column(frame, "rtt_avg_ns", "--y") == "ping.rtt_avg_ns"
    with pytest.raises(Exception, match="matches a.rx, b.rx"):
        column(frame, "rx", "--y")
