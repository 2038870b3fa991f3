"""Unit strings -> exact integers (ns, bit/s, bytes), and back to text."""

import pytest

from simulator.engine.units import (
    UnitError,
    format_rate,
    format_size,
    format_time,
    parse_rate,
    parse_size,
    parse_time,
)


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("300ns", 300),
        ("1.5us", 1500),
        ("2µs", 2000),  # MICRO SIGN
        ("2μs", 2000),  # GREEK SMALL LETTER MU
        ("2ms", 2_000_000),
        ("0.1ms", 100_000),
        ("10s", 10_000_000_000),
        ("1.000000001s", 1_000_000_001),
        ("1min", 60_000_000_000),
        ("24h", 86_400_000_000_000),  # a DHCP lease as dhcpd.conf users think of it
        ("1.5h", 5_400_000_000_000),
        ("7d", 604_800_000_000_000),
        ("2 ms", 2_000_000),
        ("1e3ms", 1_000_000_000),
        ("0", 0),
        (0, 0),
        ("0s", 0),
    ],
)
def test_parse_time_exact(text, ns):
    assert parse_time(text) == ns
    assert type(parse_time(text)) is int


@pytest.mark.parametrize(
    ("text", "bps"),
    [
        ("56000bps", 56_000),
        ("10kbps", 10_000),
        ("10Kbps", 10_000),
        ("100Mbps", 100_000_000),
        ("1.5Mbps", 1_500_000),
        ("1Gbps", 1_000_000_000),
        ("2.048Mbps", 2_048_000),
        (0, 0),
    ],
)
def test_parse_rate_exact(text, bps):
    assert parse_rate(text) == bps


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [
        ("1500B", 1500),
        ("1KB", 1000),
        ("2kB", 2000),
        ("64KiB", 65_536),
        ("1MiB", 1_048_576),
        ("1.5KiB", 1536),
        ("1GB", 1_000_000_000),
        (1500, 1500),
        ("1500", 1500),
        (0, 0),
    ],
)
def test_parse_size_exact(text, nbytes):
    assert parse_size(text) == nbytes


@pytest.mark.parametrize(
    ("parse", "value", "message"),
    [
        (parse_rate, "-5Mbps", "'-5Mbps' is not a rate: negative"),
        (parse_time, "-1ms", "'-1ms' is not a time: negative"),
        (parse_size, -3, "'-3' is not a size: negative"),
        (
            parse_time,
            "10 parsecs",
            "'10 parsecs' is not a time: unknown unit 'parsecs' (use ns, us, ms, s, min, h, d)",
        ),
        (parse_rate, "10mbps", "'10mbps' is not a rate: unknown unit 'mbps' (did you mean 'Mbps'?)"),
        (parse_size, "64kib", "'64kib' is not a size: unknown unit 'kib' (did you mean 'KiB'?)"),
        (parse_time, "0.5ns", "'0.5ns' is not a time: not a whole number of nanoseconds"),
        (parse_rate, "0.1bps", "'0.1bps' is not a rate: not a whole number of bits per second"),
        (parse_size, "1.5B", "'1.5B' is not a size: not a whole number of bytes"),
        (parse_time, "", "'' is not a time: empty"),
        (parse_time, "ms", "'ms' is not a time: expected a number followed by a unit, like '2ms'"),
        # One unit per value; a sum of units gets the single-unit spelling to write.
        (parse_time, "2h4min", "'2h4min' is not a time: one unit per value (write '7440s')"),
        (parse_time, "1d12h", "'1d12h' is not a time: one unit per value (write '129600s')"),
        (parse_time, "1s500ms", "'1s500ms' is not a time: one unit per value (write '1.5s')"),
        (parse_time, "2h4x", "'2h4x' is not a time: unknown unit 'h4x' (use ns, us, ms, s, min, h, d)"),
    ],
)
def test_errors_have_clear_messages(parse, value, message):
    with pytest.raises(UnitError) as info:
        parse(value)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [10, "10", 1.5, "2.5"])
def test_bare_number_is_not_a_time(value):
    with pytest.raises(UnitError, match="missing unit"):
        parse_time(value)


@pytest.mark.parametrize("value", [100, "100"])
def test_bare_number_is_not_a_rate(value):
    with pytest.raises(UnitError, match="missing unit"):
        parse_rate(value)


@pytest.mark.parametrize("value", [True, None, [1], {"a": 1}])
def test_non_scalars_rejected(value):
    for parse in (parse_time, parse_rate, parse_size):
        with pytest.raises(UnitError):
            parse(value)


def test_huge_exponent_rejected_quickly():
    with pytest.raises(UnitError, match="out of range"):
        parse_time("1e999999999s")


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0 ns"),
        (999, "999 ns"),
        (1500, "1.5 us"),
        (4_265_600, "4.2656 ms"),
        (1_000_000_000, "1 s"),
        (1_234_567_891, "1.234567891 s"),
        (120_000_000_000, "120 s"),
    ],
)
def test_format_time(ns, text):
    assert format_time(ns) == text
    assert parse_time(text) == ns  # the text round-trips exactly


@pytest.mark.parametrize(
    ("bps", "text"),
    [(999, "999 bps"), (56_000, "56 kbps"), (1_500_000, "1.5 Mbps"),
     (100_000_000, "100 Mbps"), (10_000_000_000, "10 Gbps")],
)
def test_format_rate(bps, text):
    assert format_rate(bps) == text
    assert parse_rate(text) == bps


@pytest.mark.parametrize(
    ("nbytes", "text"), [(1500, "1500 B"), (65_536, "64 KiB"), (1_048_576, "1 MiB"), (1536, "1536 B")]
)
def test_format_size(nbytes, text):
    assert format_size(nbytes) == text
    assert parse_size(text) == nbytes
