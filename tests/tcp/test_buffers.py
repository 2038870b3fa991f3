"""Send/receive buffers: reassembly, overlap trimming, duplicates, SACK block order
(RFC 2018 §4), capacity."""

from hypothesis import given, strategies as st

from simulator.stack.tcp.buffers import ReceiveBuffer, SendBuffer


def test_send_buffer_write_peek_consume():
    b = SendBuffer(10)
    assert b.write(b"abcdefghijkl") == 10 and b.free == 0
    assert b.peek(2, 3) == b"cde"
    b.consume(4)
    assert len(b) == 6 and b.peek(0, 2) == b"ef" and b.free == 4


def test_in_order_and_out_of_order():
    r = ReceiveBuffer(100)
    res = r.insert(10, b"k" * 10)
    assert res.out_of_order and res.advanced == 0 and r.readable == 0
    assert r.free == 100                       # the window counts from RCV.NXT
    res = r.insert(0, b"a" * 10)
    assert res.advanced == 20 and r.read(100) == b"a" * 10 + b"k" * 10


def test_duplicate_and_overlap_reported():
    r = ReceiveBuffer(100)
    r.insert(10, b"x" * 10)
    res = r.insert(5, b"y" * 10)               # 5..10 new, 10..15 already held
    assert res.duplicate == (10, 15) and not res.advanced
    res = r.insert(12, b"z" * 3)
    assert res.duplicate == (12, 15)
    r.insert(0, b"w" * 5)
    assert r.read(100) == b"w" * 5 + b"y" * 5 + b"x" * 10


def test_trimmed_to_capacity():
    r = ReceiveBuffer(10)
    res = r.insert(0, b"a" * 15)
    assert res.advanced == 10 and res.trimmed == 5


def test_sack_blocks_most_recent_first():
    r = ReceiveBuffer(1000)
    r.insert(100, b"a" * 10)
    r.insert(300, b"b" * 10)
    r.insert(200, b"c" * 10)
    assert r.sack_blocks(5000, 4) == [(5200, 5210), (5300, 5310), (5100, 5110)]
    r.insert(110, b"d" * 10)                   # grows the first block, newest now
    assert r.sack_blocks(5000, 2) == [(5100, 5120), (5200, 5210)]


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 40)), max_size=30),
       st.randoms(use_true_random=False))
def test_any_arrival_order_reassembles_exactly(pieces, rnd):
    data = bytes(range(256)) * 2
    r = ReceiveBuffer(1000)
    got = bytearray()
    nxt = 0
    arrivals = list(pieces) + [(i, 16) for i in range(0, 256, 16)]
    rnd.shuffle(arrivals)
    for off, n in arrivals:
        if off + n <= nxt:
            continue
        start = max(off, nxt)
        res = r.insert(start - nxt, data[start:off + n])
        nxt += res.advanced
        got += r.read(1000)
    assert bytes(got) == data[:nxt] and nxt >= 256
