"""TCP Fast Open (RFC 7413): SipHash-2-4 against its published test vectors, the
cookie against the values Linux's packetdrill suite pins, the option's bytes, the
listener's decision, and the client's SYN exchange with no event loop."""

import pytest

from simulator.stack.tcp import fastopen
from simulator.stack.tcp.connection import State, TcpConnection
from simulator.wire.addr import IPv4Address
from simulator.wire.tcp import Eol, FastOpen, TcpSegment, UnknownOption
from simulator.wire.tcp_options import pack_options, parse_options
from tests.tcp.core_harness import (ACK, A_IP, A_PORT, B_IP, B_PORT, SYN, Mss, Nop, cfg,
                                    client, peer_seg)

REF_KEY = bytes(range(16))
# SipHash-2-4 reference outputs (Aumasson & Bernstein, vectors.h) for the messages
# 00, 00 01, ... of the given length under the key 00 01 .. 0f, as bytes
VECTORS = {0: "310e0edd47db6f72", 1: "fd67dc93c539f874", 2: "5a4fa9d909806c0d",
           3: "2d7efbd796666785", 15: "e545be4961ca29a1"}


@pytest.mark.parametrize("length", sorted(VECTORS))
def test_siphash24_reference_vectors(length):
    assert fastopen.siphash24(REF_KEY, bytes(range(length))).hex() == VECTORS[length]


def _ip(text: str) -> int:
    return int(IPv4Address(text))


@pytest.mark.parametrize("key, src, dst, cookie", [
    # packetdrill's TFO_COOKIE for its IPv4 runs, under the test box's key
    ("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4", "192.0.2.1", "192.168.0.1", "3021b9d889017eeb"),
    # fastopen/server/simple1.pkt and sockopt-fastopen-key.pkt
    ("a0bf63f7-ed803d81-cd641d30-cebc4a90", "10.248.0.2", "192.168.0.2", "00abaaabe8e954c2"),
    ("00000000-00000000-00000000-00000000", "10.248.0.2", "192.168.0.2", "93b7aa4f550f8a1a"),
])
def test_cookie_is_linux_byte_for_byte(key, src, dst, cookie):
    assert fastopen.cookie(fastopen.parse_key(key), _ip(src), _ip(dst)).hex() == cookie


def test_key_forms():
    key = fastopen.parse_key("a0bf63f7-ed803d81-cd641d30-cebc4a90")
    # TCP_FASTOPEN_KEY takes the words little endian, as the kernel stores them
    assert key == bytes.fromhex("f763bfa0813d80ed301d64cd904abcce")
    assert fastopen.key_text(key) == "a0bf63f7-ed803d81-cd641d30-cebc4a90"
    with pytest.raises(ValueError):
        fastopen.parse_key("a0bf63f7-ed803d81")


def test_option_bytes_both_forms():
    assert FastOpen().pack() == b"\x22\x02"                               # request
    assert FastOpen(b"\x01\x02\x03\x04").pack() == b"\x22\x06\x01\x02\x03\x04"
    assert FastOpen(b"", experimental=True).pack() == b"\xfe\x04\xf9\x89"
    wire = pack_options([FastOpen(bytes(8), True), FastOpen(b"abcd")])
    assert parse_options(wire) == (FastOpen(bytes(8), True), FastOpen(b"abcd"), Eol())
    # kind 254 with another experiment's ExID stays unknown (RFC 6994)
    assert parse_options(b"\xfe\x04\x12\x34") == (UnknownOption(254, b"\x12\x34"),)
    assert (FastOpen().info(), FastOpen(b"abcd").info()) == ("TFO=R", "TFO=C")   # Wireshark


def test_option_goes_last_with_nops_if_it_fits():
    base = (Mss(1460),)
    assert fastopen.with_option(base, FastOpen()) == (Mss(1460), FastOpen(), Nop(), Nop())
    assert fastopen.with_option(base, FastOpen(b"", True)) == (Mss(1460), FastOpen(b"", True))
    full = (Mss(1460),) * 8                                   # 32 bytes used
    assert fastopen.with_option(full, FastOpen(bytes(8))) == full   # 12 more do not fit


KEY = fastopen.parse_key("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4")
SRC, DST = _ip("192.0.2.1"), _ip("192.168.0.1")
VALID = bytes.fromhex("3021b9d889017eeb")


def _syn(payload=b"", option=None):
    opts = (Mss(1460),) + ((option,) if option is not None else ())
    return TcpSegment(40000, 8080, 0, 0, SYN, 65535, payload, opts)


@pytest.mark.parametrize("flags, syn, queue_ok, accept, reply", [
    (0x2, _syn(option=FastOpen()), True, False, FastOpen(VALID)),            # request
    (0x2, _syn(option=FastOpen(b"", True)), True, False, FastOpen(VALID, True)),
    (0x2, _syn(b"x", FastOpen(VALID)), True, True, None),                    # valid
    (0x2, _syn(option=FastOpen(VALID)), True, True, None),                   # no data
    (0x2, _syn(b"x", FastOpen(bytes(8))), True, False, FastOpen(VALID)),     # invalid
    (0x2, _syn(b"x"), True, False, None),                                    # no option
    (0x202, _syn(b"x"), True, True, None),                                   # not reqd
    (0x2, _syn(b"x", FastOpen(VALID)), False, False, None),                  # queue full
    (0x1, _syn(b"x", FastOpen(VALID)), True, False, None),                   # server off
    (0x2, _syn(), True, False, None),                                        # plain SYN
])
def test_listener_decision(flags, syn, queue_ok, accept, reply):
    decision = fastopen.server_syn(flags, KEY, syn, SRC, DST, queue_ok)
    assert (decision.accept, decision.reply) == (accept, reply)


def test_listener_queue_length():
    assert fastopen.listener_qlen(0x2, 5, 128) == 5          # TCP_FASTOPEN
    assert fastopen.listener_qlen(0x2, 0, 128) == 0          # no sockopt: no Fast Open
    assert fastopen.listener_qlen(0x402, 0, 128) == 128      # every listener: backlog


def test_syn_data_space_from_the_cached_mss():
    entry = fastopen.CacheEntry(cookie=b"abcd", mss=940)
    assert fastopen.syn_data_space(1460, entry) == 900
    assert fastopen.syn_data_space(1460, None) == 1420
    assert fastopen.syn_data_space(536, entry) == 496         # the path bounds it


def _fastopen_client(data: bytes, cookie: bytes):
    c = client(cfg("linux", timestamps=False))
    c.tfo_option, c.tfo_requested = FastOpen(cookie), True
    c.tfo_syn_data = c.sndbuf.write(data)
    c.open_active(0)
    return c


def test_client_syn_carries_cookie_and_data_and_learns_from_the_synack():
    c = _fastopen_client(bytes(700), b"abcd")
    (syn,) = c.take_output()
    assert (syn.flags, syn.seq, len(syn.payload)) == (SYN, 1000, 700)
    assert syn.options[-3:] == (FastOpen(b"abcd"), Nop(), Nop())
    assert c.snd_nxt == 1000 + 1 + 700
    new = FastOpen(b"efgh5678")
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1701, options=(Mss(1200), new)), 10_000_000)
    (ack,) = c.take_output()
    assert (ack.flags, ack.seq, ack.ack) == (ACK, 1701, 5001)
    assert c.syn_data_acked and c.info()["tcpi_options_syn_data"]
    assert len(c.sndbuf) == 0 and c.total_retrans == 0 and c.delivered == 1
    update = dict(c.take_events())["tfo_cache"]
    assert (update.cookie, update.mss, update.experimental) == (b"efgh5678", 1200, False)


def test_client_data_not_acked_is_sent_again_at_once():
    c = _fastopen_client(bytes(1000), b"abcd")
    c.take_output()
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1001, options=(Mss(1460),)), 10_000_000)
    (data,) = c.take_output()                        # no separate ACK: the data carries it
    assert (data.flags & ACK, data.seq, data.ack, len(data.payload)) == (ACK, 1001, 5001, 1000)
    assert not c.syn_data_acked and c.total_retrans == 1
    assert c.cc.cwnd == 10 * c.snd_mss                # no congestion response
    update = dict(c.take_events())["tfo_cache"]
    assert update.cookie == b"" and update.try_exp == 0   # the SYN had data


def test_retransmitted_syn_carries_neither_data_nor_option():
    c = _fastopen_client(bytes(500), b"abcd")
    c.take_output()
    c.timer_fires(c.deadline)
    (syn,) = c.take_output()
    assert syn.payload == b"" and not any(isinstance(o, FastOpen) for o in syn.options)


def test_frag_needed_for_the_syn_data_resends_a_bare_syn_at_once():
    c = _fastopen_client(bytes(1000), b"abcd")
    c.take_output()
    rto = c.deadline
    c.icmp_error(3, 4, 840, 1000, 10_000_000)        # frag needed, quoting the SYN
    (syn,) = c.take_output()
    assert (syn.flags, syn.payload, syn.option(Mss)) == (SYN, b"", Mss(800))
    assert not any(isinstance(o, FastOpen) for o in syn.options)
    assert c.total_retrans == 1 and c.deadline == 10_000_000 + rto   # not backed off
    c.icmp_error(3, 4, 600, 1000, 11_000_000)        # a bare SYN: not resent again
    assert c.take_output() == [] and c.mss_limit == 560


def test_unanswered_request_tries_the_experimental_form_next():
    entry = fastopen.CacheEntry()
    c = client(cfg("linux", timestamps=False))
    c.tfo_option, c.tfo_requested = entry.request(), True
    c.open_active(0)
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1001, options=(Mss(1460),)), 10_000_000)
    entry.learn(dict(c.take_events())["tfo_cache"])
    assert entry.request() == FastOpen(b"", experimental=True)


def test_server_child_takes_the_syn_data_and_may_send_before_the_ack():
    syn = TcpSegment(B_PORT, A_PORT, 7000, 0, SYN, 65535, b"hello", (Mss(1460),))
    conn = TcpConnection.open_passive(cfg("linux", timestamps=False), A_IP, A_PORT, B_IP,
                                      B_PORT, 3000, 1460, syn, 0,
                                      tfo=fastopen.ServerSyn(accept=True))
    (synack,) = conn.take_output()
    assert (synack.flags, synack.ack) == (SYN | ACK, 7006)
    assert conn.state is State.SYN_RECEIVED and conn.tfo_child
    assert conn.recv(100, 0) == b"hello"
    conn.send(bytes(300), 1_000)
    (data,) = conn.take_output()
    assert (data.seq, len(data.payload)) == (3001, 300)
    conn.segment_arrives(peer_seg(ACK, 7006, 3301), 10_000_000)
    assert conn.state is State.ESTABLISHED and conn.flight == 0 and conn.delivered == 2
