"""iperf-style reporting shared by the traffic apps: a per-interval table, sizes and
rates in iperf3's units (binary KBytes/MBytes, decimal Kbits/Mbits/sec), and an output that keeps the first
and last lines of anything per-packet (issue 11: per-packet detail is the trace's job).
"""

from collections import deque

from simulator.apps.lifecycle import on_end, spawn

SECOND = 1_000_000_000
KEEP = 3          # lines kept at each end of a per-packet list


def _iperf_number(value: float) -> str:
    """iperf's unit_snprintf precision: 2 decimals below 10, 1 below 100, else none."""
    return f"{value:.2f}" if value < 9.995 else f"{value:.1f}" if value < 99.95 else f"{value:.0f}"


def fmt_bytes(n: int) -> str:
    """``1.19 MBytes``: iperf3's unit_snprintf for bytes ('A'), whose K, M and G are
    1024, 1024² and 1024³ (its rates are decimal, :func:`fmt_rate`)."""
    for unit, div in (("GBytes", 1 << 30), ("MBytes", 1 << 20), ("KBytes", 1 << 10)):
        if n >= div:
            return f"{_iperf_number(n / div)} {unit}"
    return f"{_iperf_number(n)} Bytes"


def fmt_rate(bps: float) -> str:
    """``9.57 Mbits/sec``."""
    for unit, div in (("Gbits/sec", 1e9), ("Mbits/sec", 1e6), ("Kbits/sec", 1e3)):
        if bps >= div:
            return f"{_iperf_number(bps / div)} {unit}"
    return f"{bps:.0f} bits/sec"


def rate_bps(nbytes: int, ns: int) -> float:
    """Bits per second of ``nbytes`` over ``ns`` nanoseconds (0 over no time)."""
    return nbytes * 8 * SECOND / ns if ns > 0 else 0.0


def interval(start_ns: int, end_ns: int, origin_ns: int) -> str:
    """``  0.00-1.00   sec``: an interval in seconds from ``origin_ns``."""
    return f"{(start_ns - origin_ns) / SECOND:6.2f}-{(end_ns - origin_ns) / SECOND:<6.2f} sec"


def first_last(lines: list[str], keep: int = KEEP) -> list[str]:
    """``lines`` with only the first and last ``keep`` kept, a count of those left out between."""
    if len(lines) <= 2 * keep + 1:
        return list(lines)
    return lines[:keep] + [f"... ({len(lines) - 2 * keep} more) ..."] + lines[-keep:]


class FirstLast:
    """A per-packet list of lines in flat memory: only the first ``keep`` and the last
    ``keep + 1`` are kept, as the arguments of ``fmt`` (formatted when the result is
    asked for), and a count. ``lines()`` is what :func:`first_last` gives for the whole
    list."""

    __slots__ = ("fmt", "keep", "first", "last", "count")

    def __init__(self, fmt, keep: int = KEEP):
        self.fmt, self.keep = fmt, keep
        self.first: list[tuple] = []
        self.last: deque = deque(maxlen=keep + 1)
        self.count = 0

    def add(self, *args) -> None:
        if self.count < self.keep:
            self.first.append(args)
        else:
            self.last.append(args)
        self.count += 1

    def lines(self) -> list[str]:
        fmt, keep, last = self.fmt, self.keep, list(self.last)
        if self.count > 2 * keep + 1:
            middle = [f"... ({self.count - 2 * keep} more) ..."]
            last = last[1:]
        else:
            middle = []
        return [fmt(*a) for a in self.first] + middle + [fmt(*a) for a in last]


class Intervals:
    """A counter of ``app``'s sampled every ``period_ns`` into rows ``(start, end, delta, extra)``.

    ``sample()`` returns the cumulative count and any extra columns at the tick; the
    table starts at ``start()`` and a partial last row is closed by ``finish()``, which
    the app's end calls: stopped, the app's table ends at the stop (iperf3 prints the
    partial interval on SIGINT) and its ticker, one of the app's processes, with it.
    """

    def __init__(self, app, period_ns: int, sample):
        self.app, self.sim, self.period_ns, self.sample = app, app.sim, period_ns, sample
        self.rows: list[tuple[int, int, int, object]] = []
        self.origin = self._mark = None
        self._last = 0
        self._done = False
        on_end(app, lambda _ns: self.finish())

    def start(self) -> None:
        self.origin = self._mark = self.sim.now
        self._last = self.sample()[0]
        spawn(self.app, self._tick())

    def _tick(self):
        while not self._done:
            yield self.sim.env.timeout(self.period_ns)
            if not self._done:
                self._row()

    def _row(self) -> None:
        total, extra = self.sample()
        self.rows.append((self._mark, self.sim.now, total - self._last, extra))
        self._mark, self._last = self.sim.now, total

    def finish(self) -> None:
        """Close the table: a last partial row if the count moved since the last tick."""
        if self.origin is None or self._done:
            return
        if self.sim.now > self._mark and self.sample()[0] != self._last:
            self._row()
        self._done = True


def rtt_stats(rtts: list[int]) -> dict:
    """min/avg/max/mdev of round-trip times in ns, as ping computes them ({} if none)."""
    if not rtts:
        return {}
    n = len(rtts)
    mean = sum(rtts) / n
    mdev = max(sum(r * r for r in rtts) / n - mean * mean, 0.0) ** 0.5
    return {"rtt_min_ns": min(rtts), "rtt_avg_ns": round(mean), "rtt_max_ns": max(rtts),
            "rtt_mdev_ns": round(mdev)}


def rtt_line(stats: dict) -> str:
    """``rtt min/avg/max/mdev = 20.1/20.3/20.9/0.2 ms``."""
    return "rtt min/avg/max/mdev = " + "/".join(
        f"{stats[k] / 1e6:.3f}" for k in ("rtt_min_ns", "rtt_avg_ns", "rtt_max_ns", "rtt_mdev_ns")
    ) + " ms"
