"""Two sans-I/O connections end to end over a lossy, reordering pipe:
the receiver reads exactly the bytes sent, both ends close, or the sender reports why
(never wrong bytes, never a hang)."""

import random

from hypothesis import given, settings, strategies as st

from simulator.stack.tcp.connection import State
from tests.tcp.core_harness import MS, S, Pipe, cfg


def transfer(profile, loss, seed, n, jitter=0, **knobs):
    rng = random.Random(seed)
    conf = cfg(profile, **knobs)

    def drop(seg, src):
        return rng.random() < loss

    extra = (lambda seg, src: int(rng.random() * jitter)) if jitter else None
    p = Pipe(config_a=conf, config_b=conf, drop=drop, extra_delay=extra)
    data = rng.randbytes(n)
    sent, got = [0], bytearray()
    closed = {"a": False, "b": False}

    def step(pp):
        a, b = pp.a, pp.b
        if a.state is State.ESTABLISHED and sent[0] < n:
            sent[0] += pp.call("a", "send", data[sent[0]:])
        if sent[0] == n and not closed["a"] and a.state is State.ESTABLISHED:
            closed["a"] = True
            pp.call("a", "close")
        if b is not None and b.rcvbuf.readable:
            got.extend(pp.call("b", "recv", 1 << 20))
        if b is not None and b.state is State.CLOSE_WAIT and not closed["b"]:
            closed["b"] = True
            pp.call("b", "close")

    p.connect()
    p.run(2000 * S, step)
    return p, data, bytes(got)


@settings(max_examples=12, deadline=None)
@given(profile=st.sampled_from(["rfc", "linux"]), loss=st.sampled_from([0.0, 0.02, 0.1]),
       seed=st.integers(0, 10_000), sack=st.booleans(),
       recovery=st.sampled_from(["prr", "classic"]))
def test_exact_bytes_or_a_reason(profile, loss, seed, sack, recovery):
    p, data, got = transfer(profile, loss, seed, 60_000, jitter=3 * MS, sack=sack,
                            recovery=recovery)
    assert got == data[:len(got)]
    if p.a.error is None:
        assert got == data
        assert p.a.state in (State.TIME_WAIT, State.CLOSED)
        assert p.b.state is State.CLOSED


def test_clean_transfer_has_no_retransmission():
    p, data, got = transfer("linux", 0.0, 1, 200_000)
    assert got == data and p.a.total_retrans == 0
