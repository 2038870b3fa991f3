"""iperf3's units (esnet/iperf src/units.c, unit_snprintf): a byte count's K, M and G
are 1024-based ('A' in upper case), a rate's 1000-based; four significant places."""

import re

import pytest

from simulator.apps.report import fmt_bytes, fmt_rate


@pytest.mark.parametrize("n, text", [
    (0, "0.00 Bytes"), (1000, "1000 Bytes"), (1023, "1023 Bytes"), (1024, "1.00 KBytes"),
    (12_500, "12.2 KBytes"), (102_348, "99.9 KBytes"), (1 << 20, "1.00 MBytes"),
    (117_600_000, "112 MBytes"), (3 << 30, "3.00 GBytes"),
])
def test_byte_counts_are_in_1024_units(n, text):
    assert fmt_bytes(n) == text


def test_rates_are_in_1000_units():
    assert (fmt_rate(941e6), fmt_rate(9_530_000), fmt_rate(80_000)) == (
        "941 Mbits/sec", "9.53 Mbits/sec", "80.0 Kbits/sec")


def test_an_interval_row_transfer_and_bitrate_agree(tmp_path):
    """A 1 s row: Transfer (MiB) × 2^20 × 8 is the Bitrate (Mbit/s × 10^6), to rounding."""
    from tests.scenario.test_actions import PAIR, run
    result, _ = run(PAIR.format(run="""
  - {at: 0s, on: b, name: sink, bulk_sink: {port: 5001}}
  - {at: 1s, on: a, name: bulk, bulk_send: {dst: 10.0.0.2, port: 5001, duration: 2s}}
"""), tmp_path)
    sink = next(r for r in result.results() if r["name"] == "sink")
    row = next(line for line in sink["output"] if line.startswith("[  1]   1.00-2.00"))
    mib, mbps = map(float, re.search(r"([\d.]+) MBytes\s+([\d.]+) Mbits/sec", row).groups())
    assert mib * 2**20 * 8 / 1e6 == pytest.approx(mbps, abs=0.05)
    assert mib == pytest.approx(mbps * 1e6 / 8 / 2**20, abs=0.005)
