"""Baselines for the "chain" benchmark (see benchmarks/chain.py).

Workload (shared by every implementation)
-----------------------------------------
N frames of 1000 bytes, generated at a constant 100 Mbit/s (one frame every
1000*8/100e6 s = 80 us), pushed through a chain of ``hops`` (default 10)
store-and-forward hops.  Each hop is a 1 Gbit/s link (serialization 8 us per
frame) with 1 ms propagation delay.  Because 8 us < 80 us nothing ever queues,
so every frame's end-to-end latency is exactly hops * (8 us + 1 ms) and the
last frame arrives at  send_time(last) + hops * (8 us + 1 ms).

Figure of merit: frame-hops per wall-clock second, where frame-hops counts
only hops actually completed (a frame leaving a hop's propagation stage and
being handed to the next hop / the sink).

Each function returns a dict::

    {"name", "frames", "hops", "frame_hops", "wall_s", "hop_per_s",
     "peak_mem_mb", "peak_rss_mb", "last_arrival", "last_arrival_expected",
     "time_unit", ...}

Timing: ``wall_s`` is time.perf_counter() around building the model and
``env.run()``; the post-run correctness checks are excluded.

Memory: tracemalloc would distort the timing by several x, so memory is read
from the kernel instead: ``peak_mem_mb`` is the growth of this process's
ru_maxrss (peak resident set size, high-water mark) from just before the model
is built to just after the run, i.e. the workload's own peak footprint above
the interpreter + imports.  ``peak_rss_mb`` is the process's total ru_maxrss.
Both are only meaningful when the function runs in a *fresh* process (a
high-water mark cannot go down, so a second run in the same process would see
a delta of ~0); benchmarks/chain.py therefore runs every measurement in its
own subprocess.
"""

from __future__ import annotations

import gc
import resource
import time
from collections import deque

import simpy
from simpy.events import Timeout

# ---------------------------------------------------------------- parameters
FRAME_BYTES = 1000
GEN_RATE_BPS = 100_000_000          # 100 Mbit/s constant bit rate at the source
LINK_RATE_BPS = 1_000_000_000       # 1 Gbit/s per hop
PROP_NS = 1_000_000                 # 1 ms propagation per hop
NS_PER_S = 1_000_000_000

IAT_NS = FRAME_BYTES * 8 * NS_PER_S // GEN_RATE_BPS     # 80_000 ns
SER_NS = FRAME_BYTES * 8 * NS_PER_S // LINK_RATE_BPS    # 8_000 ns
assert IAT_NS * GEN_RATE_BPS == FRAME_BYTES * 8 * NS_PER_S
assert SER_NS * LINK_RATE_BPS == FRAME_BYTES * 8 * NS_PER_S
assert SER_NS < IAT_NS  # no queueing anywhere: latency is exactly analytic


def expected_latency_ns(hops: int) -> int:
    return hops * (SER_NS + PROP_NS)


def _maxrss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _result(name, n_frames, hops, frame_hops, wall_s, rss0, **extra) -> dict:
    rss1 = _maxrss_mb()
    res = {
        "name": name,
        "frames": n_frames,
        "hops": hops,
        "frame_hops": frame_hops,
        "wall_s": wall_s,
        "hop_per_s": frame_hops / wall_s if wall_s > 0 else float("inf"),
        "peak_mem_mb": rss1 - rss0,
        "peak_rss_mb": rss1,
    }
    res.update(extra)
    return res


# ------------------------------------------------------------- bare SimPy
# Callbacks only, no processes / generators, integer-nanosecond clock; frames are
# plain __slots__ objects. The two floors differ only in their Link.

class _Frame:
    __slots__ = ("seq", "nbytes", "sent")

    def __init__(self, seq, nbytes, sent):
        self.seq = seq
        self.nbytes = nbytes
        self.sent = sent


class _Sink:
    __slots__ = ("env", "count", "arrivals", "in_order")

    def __init__(self, env):
        self.env = env
        self.count = 0
        self.arrivals = []          # arrival time of each frame (checked after the run)
        self.in_order = True

    def put(self, frame):
        if frame.seq != self.count:
            self.in_order = False
        self.count += 1
        self.arrivals.append(self.env.now)


class _Source:
    """One Timeout per frame: the constant-bit-rate clock."""

    __slots__ = ("env", "n", "iat", "seq", "out", "_cb", "last_sent")

    def __init__(self, env, n, iat, out):
        self.env = env
        self.n = n
        self.iat = iat
        self.seq = 0
        self.out = out
        self.last_sent = None
        self._cb = self._emit
        if n > 0:
            Timeout(env, 0).callbacks.append(self._cb)

    def _emit(self, ev):
        seq = self.seq
        now = self.env.now
        self.out(_Frame(seq, FRAME_BYTES, now))
        self.last_sent = now
        self.seq = seq + 1
        if seq + 1 < self.n:
            Timeout(self.env, self.iat).callbacks.append(self._cb)


class _TwoEventLink:
    """Store-and-forward output link with an unbounded FIFO and a busy flag: a
    Timeout for the end of serialization and one for the end of propagation."""

    __slots__ = ("env", "ns_per_byte", "prop", "queue", "busy", "nxt",
                 "done", "_ser_cb", "_prop_cb")

    def __init__(self, env, rate_bps, prop_ns, nxt):
        ns_per_byte, rem = divmod(8 * NS_PER_S, rate_bps)
        assert rem == 0, "rate must give an integer ns per byte"
        self.env = env
        self.ns_per_byte = ns_per_byte
        self.prop = prop_ns
        self.queue = deque()
        self.busy = False
        self.nxt = nxt              # callable(frame): next hop's arrive / sink
        self.done = 0               # hops completed on this link
        self._ser_cb = self._ser_done     # bind once
        self._prop_cb = self._prop_done

    def arrive(self, frame):
        if self.busy:
            self.queue.append(frame)
            return
        self.busy = True
        Timeout(self.env, frame.nbytes * self.ns_per_byte, frame).callbacks.append(self._ser_cb)

    def _ser_done(self, ev):
        # end of serialization: frame goes onto the wire, start next frame
        Timeout(self.env, self.prop, ev._value).callbacks.append(self._prop_cb)
        q = self.queue
        if q:
            f = q.popleft()
            Timeout(self.env, f.nbytes * self.ns_per_byte, f).callbacks.append(self._ser_cb)
        else:
            self.busy = False

    def _prop_done(self, ev):
        # end of propagation: hop completed
        self.done += 1
        self.nxt(ev._value)


class _OneEventLink:
    """A FIFO output link that never reorders computes a frame's arrival at the next
    hop analytically, ``max(now, busy_until) + ser + prop``: one Timeout per hop."""

    __slots__ = ("env", "ns_per_byte", "prop", "busy_until", "nxt", "done", "_arrive_cb")

    def __init__(self, env, rate_bps, prop_ns, nxt):
        ns_per_byte, rem = divmod(8 * NS_PER_S, rate_bps)
        assert rem == 0, "rate must give an integer ns per byte"
        self.env = env
        self.ns_per_byte = ns_per_byte
        self.prop = prop_ns
        self.busy_until = 0
        self.nxt = nxt
        self.done = 0
        self._arrive_cb = self._arrived

    def arrive(self, frame):
        now = self.env.now
        start = now if now > self.busy_until else self.busy_until
        end = start + frame.nbytes * self.ns_per_byte
        self.busy_until = end
        Timeout(self.env, end + self.prop - now, frame).callbacks.append(self._arrive_cb)

    def _arrived(self, ev):
        self.done += 1
        self.nxt(ev._value)


def _bare_chain(name: str, link_class, n_frames: int, hops: int) -> dict:
    """Run ``n_frames`` through ``hops`` links of ``link_class``; time only the run,
    then check every arrival against the analytic latency, exactly."""
    gc.collect()
    rss0 = _maxrss_mb()
    t0 = time.perf_counter()

    env = simpy.Environment(initial_time=0)
    sink = _Sink(env)
    nxt = sink.put
    links = []
    for _ in range(hops):
        link = link_class(env, LINK_RATE_BPS, PROP_NS, nxt)
        links.append(link)
        nxt = link.arrive
    src = _Source(env, n_frames, IAT_NS, nxt)
    env.run()

    wall = time.perf_counter() - t0

    # ---- correctness (not timed)
    frame_hops = sum(l.done for l in links)
    lat = expected_latency_ns(hops)
    assert sink.count == n_frames, (sink.count, n_frames)
    assert sink.in_order
    assert frame_hops == n_frames * hops, (frame_hops, n_frames * hops)
    assert isinstance(env.now, int)
    # every frame (not only the last) has the analytic latency, exactly
    assert all(t == k * IAT_NS + lat for k, t in enumerate(sink.arrivals))
    last_expected = src.last_sent + lat if n_frames else None
    last = sink.arrivals[-1] if sink.arrivals else None
    assert n_frames == 0 or last == last_expected, (last, last_expected)
    return _result(name, n_frames, hops, frame_hops, wall, rss0,
                   last_arrival=last, last_arrival_expected=last_expected,
                   time_unit="ns (int)")


def bare_simpy(n_frames: int, hops: int = 10) -> dict:
    """The floor cost of any SimPy design: exactly two SimPy events per hop (end of
    serialization, end of propagation), plus one per frame at the source. The
    link keeps a FIFO, so the model would stay correct if frames did queue."""
    return _bare_chain("bare SimPy", _TwoEventLink, n_frames, hops)


def bare_simpy_1event(n_frames: int, hops: int = 10) -> dict:
    """The tighter floor: one SimPy event per hop, as netsim itself spends (the
    queue is implicit in ``busy_until``), plus one per frame at the source."""
    return _bare_chain("bare SimPy (1 event/hop)", _OneEventLink, n_frames, hops)

# ------------------------------------------------------------------ ns.py
def ns_py(n_frames: int, hops: int = 10, time_unit: str = "s") -> dict | None:
    """The same workload with ns.py 0.4.3 (PyPI ``ns-py``, ``import ns``).

    Wiring:  DistPacketGenerator -> [Port -> Wire] x hops -> PacketSink

    ns.py has no time unit of its own: simulation time is SimPy's ``env.now``
    and ``Port.rate`` is "bits per time unit" (the Port waits
    ``packet.size * 8.0 / rate``).  Its documented convention (docstrings,
    examples/port.py: "note that the unit is bits per second") is float
    seconds with rate in bit/s, which is what the default ``time_unit="s"``
    uses: rate=1e9, Wire delay 1e-3, inter-arrival 8e-5.  ``time_unit="ns"``
    runs the identical model with rate=1.0 bit/ns, delay 1e6, inter-arrival
    8e4, so every timestamp is an integer-valued float and exact.

    Returns None if ns.py is not importable.
    """
    try:
        import simpy
        from ns.packet.dist_generator import DistPacketGenerator
        from ns.port.port import Port
        from ns.port.wire import Wire
        from ns.packet.sink import PacketSink
    except ImportError:
        return None

    if time_unit == "s":
        scale = 1.0 / NS_PER_S
        rate = float(LINK_RATE_BPS)               # bit/s
    elif time_unit == "ns":
        scale = 1.0
        rate = LINK_RATE_BPS / NS_PER_S           # 1.0 bit/ns
    else:
        raise ValueError(time_unit)
    iat = IAT_NS * scale
    prop = PROP_NS * scale

    def arrival_dist():
        return iat

    def size_dist():
        return FRAME_BYTES

    def delay_dist():
        return prop

    gc.collect()
    rss0 = _maxrss_mb()
    t0 = time.perf_counter()

    env = simpy.Environment()
    # size= caps the total bytes generated: exactly n_frames packets.
    gen = DistPacketGenerator(env, "src", arrival_dist, size_dist,
                              size=n_frames * FRAME_BYTES, flow_id=0)
    # rec_waits=False: with both rec_waits and rec_arrivals True (the
    # defaults) ns.py 0.4.3 appends every arrival twice and never sets
    # first_arrival.  rec_arrivals=True keeps one float per packet so every
    # frame's latency can be checked after the run.
    sink = PacketSink(env, rec_arrivals=True, absolute_arrivals=True,
                      rec_waits=False, rec_flow_ids=True)
    ports, wires = [], []
    prev = gen
    for i in range(hops):
        # qlimit=None: unbounded tail-drop queue; element_id=None so the Port
        # does not write packet.perhop_time[...] (extra dict store per hop).
        port = Port(env, rate, qlimit=None)
        wire = Wire(env, delay_dist, wire_id=i)
        prev.out = port
        port.out = wire
        ports.append(port)
        wires.append(wire)
        prev = wire
    prev.out = sink
    env.run()          # Port/Wire processes block on empty Stores; queue drains

    wall = time.perf_counter() - t0

    # ---- correctness (not timed)
    # a hop is completed when the Wire hands the packet to the next element
    frame_hops = sum(p.packets_received for p in ports[1:]) + sink.packets_received[0]
    assert gen.packets_sent == n_frames, (gen.packets_sent, n_frames)
    assert sink.packets_received[0] == n_frames, (sink.packets_received[0], n_frames)
    assert all(p.packets_dropped == 0 for p in ports)
    assert frame_hops == n_frames * hops, (frame_hops, n_frames * hops)
    arrivals = sink.arrivals[0]
    assert len(arrivals) == n_frames
    lat_ns = expected_latency_ns(hops)
    # DistPacketGenerator stamps packet.time when it *creates* the packet and
    # then waits one inter-arrival before put(): packet k leaves the source at
    # (k+1)*iat, not k*iat.
    send_ns = [(k + 1) * IAT_NS for k in range(n_frames)]
    # float seconds cannot be exact: compare after rounding to integer ns
    err_ns = max((abs(t / scale - (s + lat_ns)) for t, s in zip(arrivals, send_ns)),
                 default=0.0)
    assert err_ns < 0.5, f"arrival error {err_ns} ns"
    last_expected = (send_ns[-1] + lat_ns) if n_frames else None
    last = arrivals[-1] if n_frames else None
    last_ns = round(last / scale) if n_frames else None
    assert last_ns == last_expected, (last, last_ns, last_expected)
    return _result("ns.py", n_frames, hops, frame_hops, wall, rss0,
                   last_arrival=last, last_arrival_ns=last_ns,
                   last_arrival_expected=last_expected,
                   max_abs_err_ns=err_ns,
                   time_unit=("float s" if time_unit == "s" else "float ns"))


if __name__ == "__main__":
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("impl", choices=["bare_simpy", "bare_simpy_1event", "ns_py", "ns_py_ns"])
    ap.add_argument("--frames", type=int, default=100_000)
    ap.add_argument("--hops", type=int, default=10)
    a = ap.parse_args()
    if a.impl == "bare_simpy":
        r = bare_simpy(a.frames, a.hops)
    elif a.impl == "bare_simpy_1event":
        r = bare_simpy_1event(a.frames, a.hops)
    elif a.impl == "ns_py":
        r = ns_py(a.frames, a.hops)
    else:
        r = ns_py(a.frames, a.hops, time_unit="ns")
    print(json.dumps(r, indent=1))
