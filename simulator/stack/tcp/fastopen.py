"""TCP Fast Open (RFC 7413) as Linux does it (net/ipv4/tcp_fastopen.c).

- The option (RFC 7413 §4.1.1): kind 34, or the experimental kind 254 with the
  magic 0xF989; an empty cookie in a SYN is a cookie request (§4.1.2).
- The server's cookie (§4.1.2): Linux's SipHash-2-4 of the SYN's source and
  destination addresses under the 16-byte key (``tcp_fastopen_key``, or the
  listener's TCP_FASTOPEN_KEY; a random one when neither is set).
- A listener takes the data of a SYN whose cookie is valid (§4.2.2), or of any
  SYN with data under ``TFO_SERVER_COOKIE_NOT_REQD``; its child is accepted at
  once, before the handshake completes, with the data readable. A cookie request
  or an invalid cookie gets a valid cookie in the SYN-ACK and the data is not acked.
- The client (§4.2.1) keeps a cookie and the server's MSS per destination (the
  layer's cache); a SYN carries data only with a cookie (or under
  ``TFO_CLIENT_NO_COOKIE``), as much as the cached MSS less 40 option bytes
  allows (tcp_send_syn_data). Data the SYN-ACK does not acknowledge is sent again
  at once; a retransmitted SYN carries neither data nor the option.

``config.fastopen`` holds the ``net.ipv4.tcp_fastopen`` bits below.
"""

from dataclasses import dataclass

from simulator.wire.tcp import FastOpen, Nop

from .seq import seq_add, seq_sub

CLIENT_ENABLE = 0x1                 # TFO_CLIENT_ENABLE
SERVER_ENABLE = 0x2                 # TFO_SERVER_ENABLE
CLIENT_NO_COOKIE = 0x4              # TFO_CLIENT_NO_COOKIE: data in SYN without a cookie
SERVER_COOKIE_NOT_REQD = 0x200      # TFO_SERVER_COOKIE_NOT_REQD: take any SYN's data
SERVER_WO_SOCKOPT1 = 0x400          # TFO_SERVER_WO_SOCKOPT1: every listener, qlen = backlog

MAX_OPTION_SPACE = 40               # MAX_TCP_OPTION_SPACE: kept free in a SYN-data
COOKIE_MIN, COOKIE_MAX = 4, 16      # TCP_FASTOPEN_COOKIE_MIN/MAX (RFC 7413 §4.1.1)
_M64 = (1 << 64) - 1
_NOP = Nop()


# --- SipHash-2-4 (Aumasson & Bernstein, 2012), as Linux's siphash() ------------------
def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _M64


def siphash24(key: bytes, message: bytes) -> bytes:
    """SipHash-2-4 of ``message`` under the 16-byte ``key``: 8 bytes, little endian."""
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:16], "little")
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(n: int) -> None:
        for _ in range(n):
            v[0] = (v[0] + v[1]) & _M64
            v[1] = _rotl(v[1], 13) ^ v[0]
            v[0] = _rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & _M64
            v[3] = _rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & _M64
            v[3] = _rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & _M64
            v[1] = _rotl(v[1], 17) ^ v[2]
            v[2] = _rotl(v[2], 32)

    whole = len(message) & ~7
    for i in range(0, whole, 8):
        m = int.from_bytes(message[i:i + 8], "little")
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    last = ((len(message) & 0xFF) << 56) | int.from_bytes(message[whole:], "little")
    v[3] ^= last
    rounds(2)
    v[0] ^= last
    v[2] ^= 0xFF
    rounds(4)
    return ((v[0] ^ v[1] ^ v[2] ^ v[3]) & _M64).to_bytes(8, "little")


# --- keys and cookies -----------------------------------------------------------------
def parse_key(text: str) -> bytes:
    """The sysctl form ``a0bf63f7-ed803d81-cd641d30-cebc4a90`` (four 32-bit words,
    Linux proc_tcp_fastopen_key) as the 16 key bytes (each word little endian, as
    the kernel stores it and TCP_FASTOPEN_KEY takes it). ValueError if malformed."""
    words = text.strip().split(",")[0].split("-")
    if len(words) != 4:
        raise ValueError(f"TCP Fast Open key {text!r}: expected four hex words w-x-y-z")
    return b"".join(int(w, 16).to_bytes(4, "little") for w in words)


def key_text(key: bytes) -> str:
    """The 16 key bytes in the sysctl form (the inverse of :func:`parse_key`)."""
    return "-".join(f"{int.from_bytes(key[i:i + 4], 'little'):08x}" for i in range(0, 16, 4))


def cookie(key: bytes, src: int, dst: int) -> bytes:
    """The cookie for a SYN from ``src`` to ``dst`` (IPv4 as ints;
    __tcp_fastopen_cookie_gen_cipher)."""
    return siphash24(key, src.to_bytes(4, "big") + dst.to_bytes(4, "big"))


def syn_cookie(syn) -> FastOpen | None:
    """The SYN's Fast Open option, or None."""
    return syn.option(FastOpen)


def with_option(options: tuple, option: FastOpen | None) -> tuple:
    """``options`` and the Fast Open option last, two nops after it when its length
    is 2 mod 4, if it fits in the 40 option bytes (tcp_options_write)."""
    if option is None:
        return options
    added = (option, _NOP, _NOP) if len(option) & 3 == 2 else (option,)
    used = sum(len(o) for o in options)
    if used + ((len(option) + 3) & ~3) > MAX_OPTION_SPACE:
        return options
    return options + added


# --- the server: a listener's SYN -----------------------------------------------------
@dataclass(slots=True)
class ServerSyn:
    """What a listener does with one SYN: take its data (a Fast Open child), and
    which cookie option the SYN-ACK carries (None: none)."""

    accept: bool = False
    reply: FastOpen | None = None


def listener_qlen(flags: int, qlen: int, backlog: int) -> int:
    """The listener's Fast Open queue limit: TCP_FASTOPEN's, or the backlog when
    ``TFO_SERVER_WO_SOCKOPT1`` enables every listener (inet_listen)."""
    if qlen:
        return qlen
    if flags & SERVER_WO_SOCKOPT1 and flags & SERVER_ENABLE:
        return backlog
    return 0


def server_syn(flags: int, key: bytes, syn, src: int, dst: int, queue_ok: bool) -> ServerSyn:
    """Linux tcp_try_fastopen: the decision for a SYN from ``src`` to ``dst`` under
    the host's ``tcp_fastopen`` bits."""
    option = syn_cookie(syn)
    if not (flags & SERVER_ENABLE and (syn.payload or option is not None) and queue_ok):
        return ServerSyn()
    if flags & SERVER_COOKIE_NOT_REQD:
        return ServerSyn(accept=True)
    valid = cookie(key, src, dst)
    if option is None:
        return ServerSyn()
    if option.cookie == valid:
        return ServerSyn(accept=True)
    return ServerSyn(reply=FastOpen(valid, option.experimental))


# --- the client -----------------------------------------------------------------------
@dataclass(slots=True)
class CacheEntry:
    """What the client remembers about one server (Linux tcp_fastopen_metrics).
    ``try_exp`` 1: no cookie came back for a kind-34 request, so ask with the
    experimental option next; 2: nor for that, so back to kind 34."""

    cookie: bytes = b""
    mss: int = 0
    experimental: bool = False
    try_exp: int = 0

    def learn(self, update: "CacheUpdate") -> None:
        """tcp_fastopen_cache_set."""
        if update.mss:
            self.mss = update.mss
        if update.cookie:
            self.cookie, self.experimental = update.cookie, update.experimental
        elif update.try_exp > self.try_exp and not self.cookie:
            self.try_exp = update.try_exp

    def request(self) -> FastOpen:
        """The cookie request a SYN carries."""
        return FastOpen(b"", self.try_exp == 1)


@dataclass(slots=True)
class CacheUpdate:
    """What one SYN-ACK taught the client about its server (event "tfo_cache")."""

    remote: object
    cookie: bytes
    mss: int
    experimental: bool
    try_exp: int


def client_cookie(flags: int, config, entry: CacheEntry | None) -> FastOpen | None | bool:
    """tcp_fastopen_cookie_check: the option a data SYN carries (a FastOpen), True
    for data without an option (``TFO_CLIENT_NO_COOKIE`` in the host's bits or the
    socket's TCP_FASTOPEN_NO_COOKIE), or None when there is no cookie (the SYN asks
    for one instead)."""
    if flags & CLIENT_NO_COOKIE or config.fastopen_no_cookie:
        return True
    if entry is not None and entry.cookie:
        return FastOpen(entry.cookie, entry.experimental)
    return None


def syn_data_space(mss_limit: int, entry: CacheEntry | None) -> int:
    """Bytes a SYN may carry: the cached MSS (else our own), bounded by the path,
    less the whole option space (tcp_send_syn_data)."""
    mss = entry.mss if entry is not None and entry.mss else mss_limit
    return max(min(mss, mss_limit) - MAX_OPTION_SPACE, 0)


class FastOpenMixin:
    """The connection's side of Fast Open (hooks called by the SYN exchange)."""

    def _init_fastopen(self) -> None:
        self.tfo_option = None       # FastOpen our SYN / SYN-ACK carries (None: none)
        self.tfo_syn_data = 0        # client: bytes of the queue our first SYN carries
        self.tfo_requested = False   # client: our SYN carried the option
        self.syn_data_acked = False  # TCPI_OPT_SYN_DATA: the SYN's data was taken
        self.tfo_child = False       # server: a Fast Open child (accepted before ACK)
        self.tfo_data_end = None     # client: end of SYN data sent again (keeps its PSH)

    def _fastopen_syn_payload(self) -> bytes:
        """The data our first SYN carries; a retransmitted SYN carries none."""
        if self._syn_retries or not self.tfo_syn_data:
            return b""
        return self.sndbuf.peek(0, self.tfo_syn_data)

    def _fastopen_passive(self, syn, tfo: ServerSyn, now: int) -> None:
        """A listener's child: the SYN-ACK's cookie; a Fast Open child takes the
        SYN's data at once (the SYN-ACK acknowledges it, RFC 7413 §4.2.2) and may
        send before the handshake completes (Linux tcp_fastopen_create_child)."""
        self.tfo_option = tfo.reply
        if not tfo.accept:
            return
        self.tfo_child = True
        self.snd_una = self.snd_wl2 = seq_add(self.iss, 1)   # not in the data's flight
        self._start_sending(now)
        if syn.payload:
            self.rcvbuf.insert(0, syn.payload)
            self.rcv_nxt = self._rcv_adv = self._last_ack_sent = seq_add(
                self.rcv_nxt, len(syn.payload))
            self.syn_data_acked = True
            self._event("readable", self.rcvbuf.readable)

    def _fastopen_synack(self, seg, now: int) -> None:
        """The SYN-ACK established us (tcp_rcv_fastopen_synack): free what it acks
        of the SYN's data and retransmit the rest at once, without a congestion
        response (RFC 7413 §4.2.1 / tcp_non_congestion_loss_retransmit); take the
        SYN-ACK's own data; remember the server's cookie (when we sent the option)
        and its MSS for the next connection."""
        if not (self.tfo_syn_data or self.tfo_requested):
            return
        start = seq_add(self.iss, 1)
        acked = max(seq_sub(seg.ack, start), 0)
        self.sndbuf.consume(acked)
        self._data_seq = seq_add(self._data_seq, acked)
        self.syn_data_acked = self.tfo_syn_data > 0 and acked >= self.tfo_syn_data
        unacked = self.tfo_syn_data - acked
        if unacked > 0:
            self.tfo_data_end = seq_add(start, self.tfo_syn_data)
            self.sb.on_send(seg.ack, unacked, self._syn_sent_ns)
            self._loss_without_reduction(now, cause="tfo")
        if seg.payload:
            self._accept_data(seq_add(seg.seq, 1), seg.payload, now)
        option = seg.option(FastOpen)
        got = option.cookie if (option is not None and self.tfo_requested
                                and COOKIE_MIN <= len(option.cookie) <= COOKIE_MAX
                                and not len(option.cookie) & 1) else b""
        try_exp = 0
        if option is None and self.tfo_requested and not self._syn_retries \
                and not self.tfo_syn_data:
            # asked for a cookie, got none: try the other option form next time
            try_exp = 2 if self.tfo_option.experimental else 1
        self._event("tfo_cache", CacheUpdate(
            self.remote_ip, got, self._offer.peer_mss,
            option.experimental if option is not None else False, try_exp))
        self.tfo_syn_data = 0
