"""TCP on a node: the driver that turns sans-I/O connections into SimPy events.

``TcpLayer`` (``node.tcp``) is IP protocol 6's handler. It owns the
connection table and the listeners, and after every call into a connection
drains what the call produced: segments to IP (DF set, RFC 1191 PMTUD),
events to the socket, trace records to the tracer, and the connection's
next ``deadline`` to its one lazy Timer (RFC 6298 §5: one timer, restarted
for free).

- Demux (RFC 9293 §3.10.7): the 4-tuple first, then a listener on the
  destination address, then a wildcard listener. A segment matching nothing
  gets a RST (§3.10.7.1); a RST never does.
- Listen backlog as Linux: while the accept queue is full (more than
  ``backlog`` established children) a SYN is dropped, and so is the ACK that
  would complete a handshake (``tcp_abort_on_overflow`` 0); the peer's
  retransmission tries again. Half-open children are not limited (Linux's
  default ``tcp_syncookies`` = 1 answers a full SYN queue with cookies).
- A SYN for a 4-tuple in TIME-WAIT opens a new connection when it is newer
  (RFC 6191 / Linux ``tcp_timewait_state_process``: TSval above the last one
  seen, or without timestamps SEG.SEQ above RCV.NXT), with ISN = SND.NXT +
  65537 as Linux; any other segment goes to the TIME-WAIT connection.
- Ephemeral ports for connect: 32768–60999, wrapping; a port bound with
  ``bind()`` is skipped, a port used by other connections is taken when the
  4-tuple is new (Linux ``__inet_hash_connect``).
- ISNs as RFC 6528 §3 and Linux ``secure_tcp_seq``: ISN = M + F(4-tuple,
  secret), M the clock in 64 ns ticks, F a keyed hash; the secret is drawn
  from the node's seeded stream ``tcp:isn:<node>``. A reconnection on the
  same 4-tuple therefore starts above the old sequence space (RFC 6191),
  and so do timestamps, whose offset is F(addresses) (``secure_tcp_ts_off``).
- ICMP errors reach the connection by the quoted 4-tuple (RFC 5927 §4.1:
  the connection checks the quoted sequence number). Fragmentation Needed
  about a segment in flight also lowers the node's path MTU cache; errors
  for no connection or out of window change nothing (Linux tcp_v4_err).
- Backpressure at the node's own NIC (see ``TxQueue``): a segment is never
  tail-dropped by its sender's own interface queue.
- TCP Fast Open (RFC 7413, fastopen.py): a listener decides each SYN's cookie
  and data (a Fast Open child goes to the accept queue at once, at most the
  listener's Fast Open queue length of them still in SYN-RECEIVED); the client's
  cookie cache per destination (Linux tcp_metrics) lives here.
"""

import hashlib

from simulator.engine.drops import Drop
from simulator.engine.sim import Timer
from simulator.stack.errno import Errno, SocketError
from simulator.stack.hostpath import HostSendPath
from simulator.stack.ports import PortAllocator
from simulator.stack.tcp import fastopen
from simulator.stack.tcp.connection import State, TcpConnection
from simulator.stack.tcp.fastopen_host import FastOpenHostMixin
from simulator.stack.tcp.states import CLOSED, TIME_WAIT
from simulator.stack.tcp.seq import seq_add, seq_gt, seq_le, seq_lt
from simulator.stack.tcp.txqueue import TxQueue
from simulator.wire.addr import IPv4Address
from simulator.wire.icmp import DEST_UNREACHABLE, FRAGMENTATION_NEEDED
from simulator.wire.ipv4 import PROTO_TCP
from simulator.wire.tcp import (ACK, FIN, RST, SYN, Mss, Sack, SackPermitted, TcpSegment,
                                Timestamps, WindowScale, flags_str)

IP_TCP_HEADERS = 40                 # IPv4 + TCP headers without options (MSS = MTU - 40)
TIME_WAIT_ISN_GAP = 65535 + 2       # Linux tcp_timewait_state_process: isn = snd_nxt + this


class Endpoint:
    """The driver's record of one connection: its key, timer and owner socket."""

    __slots__ = ("conn", "key", "timer", "owner", "listener", "name", "local", "remote",
                 "loopback")

    def __init__(self, conn: TcpConnection, key: tuple, owner, listener=None):
        self.conn = conn
        self.key = key
        self.timer: Timer | None = None
        self.owner = owner              # receives ``tcp_events(endpoint, events)``
        self.listener = listener        # the Listener of a not yet accepted child
        self.local = (IPv4Address(key[0]), key[1])
        self.remote = (IPv4Address(key[2]), key[3])
        self.name = f"{self.local[0]}:{key[1]}>{self.remote[0]}:{key[3]}"
        self.loopback = False           # to one of the node's own addresses


class Listener:
    """A listening socket's queues (Linux: the SYN queue and the accept queue)."""

    __slots__ = ("socket", "backlog", "syn_queue", "accept_queue", "ip", "port", "config",
                 "tfo_children")

    def __init__(self, socket, ip: int, port: int, backlog: int, config):
        self.socket = socket
        self.ip, self.port = ip, port
        self.backlog = backlog
        self.config = config
        self.syn_queue: list[Endpoint] = []        # SYN-RECEIVED children
        self.accept_queue: list[Endpoint] = []     # established, waiting for accept()
        self.tfo_children: list[Endpoint] = []     # Fast Open children (Linux fastopenq)

    def fastopen_queue_ok(self, flags: int) -> bool:
        """Room for one more Fast Open child still in SYN-RECEIVED
        (tcp_fastopen_queue_check)."""
        limit = fastopen.listener_qlen(flags, self.config.fastopen_qlen, self.backlog)
        self.tfo_children = [ep for ep in self.tfo_children
                             if ep.conn.state is State.SYN_RECEIVED]
        return len(self.tfo_children) < limit


class TcpLayer(FastOpenHostMixin):
    def __init__(self, ip, icmp, config):
        self.ip = ip
        self.sim = ip.sim
        self.node = ip.node
        self.config = config                        # the node's TcpConfig (node.tcp_config)
        ip.protocols[PROTO_TCP] = self.receive
        icmp.error_handlers[PROTO_TCP] = self._icmp_error
        self.connections: dict[tuple, Endpoint] = {}   # (lip, lport, rip, rport) as ints
        self.listeners: dict[tuple, Listener] = {}     # (lip or 0, lport)
        self.bound: dict[int, list] = {}               # port → sockets bound to it
        self.ports_in_use: dict[int, int] = {}         # port → connections using it
        self._ephemeral = PortAllocator()
        self._secret = self.sim.rng.stream(f"tcp:isn:{self.node.name}").randbytes(16)
        self.txq = TxQueue(ip, self._transmit)
        # IPv4.send, or the same with the common case fused (stack/hostpath.py)
        self._ip_send = HostSendPath(ip).send if self.sim.fast_path else ip.send
        self.resets_sent = 0
        self._init_fastopen()

    # -- for sockets -------------------------------------------------------------------
    def mss_limit(self, remote: IPv4Address) -> int:
        """The largest MSS the path allows: min(interface MTU, PMTU) - 40; to the
        node itself the largest datagram less 40 (Linux on lo announces 65495)."""
        if remote in self.ip.local:
            return 65535 - IP_TCP_HEADERS
        route = self.ip.routes.lookup(remote)
        mtu = route.iface.mtu if route is not None else 1500
        pmtu = self.ip.pmtu.get(remote)
        if pmtu is not None and pmtu < mtu:
            mtu = pmtu
        return mtu - IP_TCP_HEADERS

    def source_for(self, remote: IPv4Address) -> IPv4Address:
        """The source address for ``remote``: the outgoing interface's (RFC 1122 §3.3.4.3)."""
        if remote in self.ip.local:
            return remote
        route = self.ip.routes.lookup(remote)
        if route is None:
            raise SocketError(Errno.ENETUNREACH)
        return self.ip.addresses[route.iface].ip

    def bind(self, socket, ip: int, port: int, reuse: bool) -> int:
        """Reserve ``port`` (0: an ephemeral one) on address ``ip`` (0: any) for ``socket``."""
        if port == 0:
            port = self._ephemeral.allocate(
                lambda p: p not in self.bound and p not in self.ports_in_use)
            if port is None:
                raise SocketError(Errno.EADDRINUSE)
        elif self._bind_conflict(ip, port, reuse):
            raise SocketError(Errno.EADDRINUSE)
        self.bound.setdefault(port, []).append(socket)
        return port

    def _bind_conflict(self, ip: int, port: int, reuse: bool) -> bool:
        """Linux ``inet_bind_conflict``: another socket on an overlapping address holds
        the port, unless both set SO_REUSEADDR and it is not listening; connections
        on the port (TIME-WAIT ones included) yield only to SO_REUSEADDR."""
        for other in self.bound.get(port, ()):
            overlap = other.bound_ip == 0 or ip == 0 or other.bound_ip == ip
            if overlap and not (reuse and other.reuseaddr and other.listener is None):
                return True
        return port in self.ports_in_use and not reuse

    def unbind(self, socket, port: int) -> None:
        owners = self.bound.get(port)
        if owners and socket in owners:
            owners.remove(socket)
            if not owners:
                del self.bound[port]

    def listen(self, socket, ip: int, port: int, backlog: int, config) -> Listener:
        key = (ip, port)
        if key in self.listeners:
            raise SocketError(Errno.EADDRINUSE)
        listener = self.listeners[key] = Listener(socket, ip, port, backlog, config)
        return listener

    def unlisten(self, listener: Listener) -> None:
        """Close a listener: children not yet accepted are reset (Linux inet_csk_listen_stop)."""
        self.listeners.pop((listener.ip, listener.port), None)
        for ep in listener.syn_queue + listener.accept_queue:
            ep.listener = None
            self.call(ep, ep.conn.abort)
        listener.syn_queue.clear()
        listener.accept_queue.clear()

    def connect(self, owner, config, local_ip: IPv4Address, local_port: int,
                remote_ip: IPv4Address, remote_port: int, data: bytes | None = None,
                defer: bool = False) -> Endpoint:
        """Create a connection and send its SYN (RFC 9293 §3.10.1 OPEN, active).
        ``data`` (sendto with MSG_FASTOPEN): Fast Open, as much of it in the SYN as
        the cookie cache allows (``ep.conn.tfo_syn_data`` says how much).
        ``defer`` (TCP_FASTOPEN_CONNECT): no SYN until :meth:`fastopen_open`."""
        lip, rip = int(local_ip), int(remote_ip)
        if local_port == 0:
            local_port = self._ephemeral.allocate(lambda p: p not in self.bound and (
                lip, p, rip, remote_port) not in self.connections)
            if local_port is None:
                raise SocketError(Errno.EADDRNOTAVAIL)
        key = (lip, local_port, rip, remote_port)
        if key in self.connections:
            raise SocketError(Errno.EADDRNOTAVAIL)
        conn = TcpConnection(config, local_ip, local_port, remote_ip, remote_port,
                             isn=self.isn(key), mss_limit=self.mss_limit(remote_ip))
        conn.ts_offset = self._keyed_hash(key[0], key[2])
        if data is not None:
            self._fastopen_client(conn, rip, data)
        ep = self._add(conn, key, owner)
        if defer:
            return ep
        self.call(ep, conn.open_active)
        return ep

    def call(self, ep: Endpoint, method, *args):
        """Call ``method(*args, now)`` on the connection, then drain what it produced."""
        ep.conn.tracing = self.sim.tracer.on
        try:
            return method(*args, self.sim.env.now)
        finally:
            self.drain(ep)

    def power_off(self) -> None:
        """Every connection and listener vanishes without a segment sent
        (:meth:`TcpConnection.vanish`), as when a Linux host loses power."""
        for ep in list(self.connections.values()):
            self.call(ep, ep.conn.vanish)
        self.listeners.clear()

    def isn(self, key: tuple) -> int:
        """RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey)."""
        return (self._keyed_hash(*key) + (self.sim.env.now >> 6)) & 0xFFFFFFFF

    def _keyed_hash(self, *fields: int) -> int:
        data = b"".join(f.to_bytes(4, "big") for f in fields)
        return int.from_bytes(hashlib.blake2b(data, key=self._secret, digest_size=4).digest(),
                              "big")

    # -- the connection table ---------------------------------------------------------
    def _add(self, conn: TcpConnection, key: tuple, owner, listener=None) -> Endpoint:
        ep = Endpoint(conn, key, owner, listener)
        ep.loopback = ep.remote[0] in self.ip.local
        ep.timer = Timer(self.sim, lambda: self._timer_fires(ep))
        self.connections[key] = ep
        self.ports_in_use[key[1]] = self.ports_in_use.get(key[1], 0) + 1
        return ep

    def _remove(self, ep: Endpoint) -> None:
        if self.connections.get(ep.key) is not ep:
            return
        del self.connections[ep.key]
        ep.timer.cancel()
        port = ep.key[1]
        left = self.ports_in_use[port] - 1
        if left:
            self.ports_in_use[port] = left
        else:
            del self.ports_in_use[port]
        listener = ep.listener
        if listener is not None:
            if ep in listener.syn_queue:
                listener.syn_queue.remove(ep)

    def _timer_fires(self, ep: Endpoint) -> None:
        self.call(ep, ep.conn.timer_fires)

    def drain(self, ep: Endpoint) -> None:
        """Send what the connection queued, deliver its events, re-arm its timer."""
        conn = ep.conn
        # the queues are looked at before they are taken: most calls leave them empty
        if conn._trace:
            trace = conn.take_trace()
            tracer = self.sim.tracer
            if tracer.on:
                for record in trace:
                    event = record.pop("event")
                    tracer.emit(self.node.name, "tcp", event, conn=ep.name, **record)
        if conn._out:
            for seg in conn.take_output():
                self._output(ep, seg)
        if conn._events:
            events = conn.take_events()
            for kind, value in events:
                if kind == "tfo_cache":
                    self._fastopen_learn(value)
            if ep.listener is not None:
                self._child_events(ep, events)
            if ep.owner is not None:
                ep.owner.tcp_events(ep, events)
        deadline = conn.deadline
        timer = ep.timer
        if conn.state is CLOSED:
            self._remove(ep)
        elif deadline is None:
            timer.deadline = None                   # timer.cancel()
        elif deadline != timer.deadline:
            now = self.sim.env.now
            timer.start_at(deadline if deadline > now else now)

    def _child_events(self, ep: Endpoint, events) -> None:
        """A listener's child: established → accept queue; dead before → forgotten."""
        listener = ep.listener
        for kind, _value in events:
            if kind == "established" and ep in listener.syn_queue:
                listener.syn_queue.remove(ep)
                listener.accept_queue.append(ep)
                listener.socket.child_ready()
            elif kind == "closed" and ep in listener.syn_queue:
                listener.syn_queue.remove(ep)
                ep.listener = None

    # -- output -----------------------------------------------------------------------
    def _output(self, ep: Endpoint, seg: TcpSegment) -> None:
        self.txq.send(ep, seg)

    def _transmit(self, ep: Endpoint, seg: TcpSegment) -> None:
        """To IP with DF set (RFC 1191 PMTUD); a local refusal goes back to the connection."""
        if self.sim.tracer.on:
            self.sim.tracer.emit(self.node.name, "tcp", "tcp.tx", conn=ep.name,
                                 **segment_fields(seg))
        error = self._ip_send(ep.remote[0], PROTO_TCP, seg, df=True, src=ep.local[0])
        if error is None:
            return
        if error.errno is Errno.EMSGSIZE:
            # Linux: a DF datagram larger than the PMTU is reported to the socket as a
            # local "fragmentation needed" (ip_fragment → icmp_send → tcp_v4_err).
            self.call(ep, ep.conn.icmp_error, DEST_UNREACHABLE, FRAGMENTATION_NEEDED,
                      error.mtu, seg.seq)
        else:
            self.sim.tracer.drop(self.node.name, "tcp", error.errno.name, conn=ep.name,
                                 info=seg.info())

    # -- input ------------------------------------------------------------------------
    def receive(self, packet, iface) -> None:
        seg = packet.payload
        src, dst = packet.src, packet.dst
        tracer = self.sim.tracer
        if seg.checksum is not None and not seg.verify_checksum(src, dst):
            tracer.drop(self.node.name, "tcp", Drop.BAD_CHECKSUM, packet)
            return
        d, s = dst._ip, src._ip           # int(), without ipaddress's Python-level __int__
        if d >> 28 == 0xE or d in self.ip._broadcast_ints:     # RFC 9293 §3.10.7.2: unicast only
            tracer.drop(self.node.name, "tcp", Drop.NOT_UNICAST, packet)
            return
        key = (d, seg.dst_port, s, seg.src_port)
        ep = self.connections.get(key)
        if tracer.on:
            name = ep.name if ep else f"{dst}:{seg.dst_port}>{src}:{seg.src_port}"
            tracer.emit(self.node.name, "tcp", "tcp.rx", conn=name, **segment_fields(seg))
        if ep is not None:
            conn = ep.conn
            listener = ep.listener
            if (listener is not None and conn.state is State.SYN_RECEIVED
                    and len(listener.accept_queue) > listener.backlog and seg.flags & ACK
                    and not conn.tfo_child):
                # Linux (tcp_abort_on_overflow=0): the handshake's ACK is dropped while
                # the accept queue is full; the SYN-ACK retransmission asks again.
                tracer.drop(self.node.name, "tcp", Drop.LISTEN_OVERFLOW, packet)
                return
            if conn.state is TIME_WAIT and self._time_wait_reuse(ep, seg):
                listener = self._listener(d, seg.dst_port)
                if listener is not None:      # else TIME-WAIT re-ACKs it (Linux TCP_TW_SYN)
                    isn = seq_add(conn.snd_nxt, TIME_WAIT_ISN_GAP)
                    self._remove(ep)
                    self._listen_input(listener, key, seg, isn)
                    return
            una = conn.snd_una
            self.call(ep, conn.segment_arrives, seg)
            if conn.snd_una != una:       # new data acked: the neighbour is reachable
                self.ip.confirm_neighbour(src)     # (Linux dst_confirm_neigh)
            return
        listener = self._listener(d, seg.dst_port)
        if listener is not None:
            self._listen_input(listener, key, seg, None)
        else:
            self.send_reset(dst, src, seg)

    def _listener(self, ip: int, port: int) -> Listener | None:
        """The listener on (ip, port), else the wildcard one on port."""
        return self.listeners.get((ip, port)) or self.listeners.get((0, port))

    def _time_wait_reuse(self, ep: Endpoint, seg: TcpSegment) -> bool:
        """RFC 6191 §2 / Linux: may this SYN reopen a connection in TIME-WAIT?"""
        if seg.flags & (SYN | RST | ACK | FIN) != SYN:
            return False
        conn = ep.conn
        ts = seg.option(Timestamps)
        ts_recent = getattr(conn, "ts_recent", None)
        if ts is not None and ts_recent is not None:
            return seq_gt(ts.tsval, ts_recent)
        return seq_gt(seg.seq, conn.rcv_nxt)

    def _listen_input(self, listener: Listener, key: tuple, seg: TcpSegment, isn) -> None:
        """RFC 9293 §3.10.7.2, LISTEN: RST → ignore; ACK → RST; SYN → a new child."""
        flags = seg.flags
        if flags & RST:
            return
        if flags & ACK:
            self.send_reset(IPv4Address(key[0]), IPv4Address(key[2]), seg)
            return
        if not flags & SYN:
            return
        if len(listener.accept_queue) > listener.backlog:
            self.sim.tracer.drop(self.node.name, "tcp", Drop.LISTEN_OVERFLOW, info=seg.info())
            return
        remote = IPv4Address(key[2])
        cfg = listener.config
        flags = self.config.fastopen            # the host's sysctl, read live as Linux
        tfo = None
        if flags & fastopen.SERVER_ENABLE:
            tfo = fastopen.server_syn(flags, self.fastopen_key(cfg), seg, key[2], key[0],
                                      listener.fastopen_queue_ok(flags))
        conn = TcpConnection.open_passive(
            cfg, IPv4Address(key[0]), key[1], remote, key[3],
            isn=self.isn(key) if isn is None else isn,
            mss_limit=self.mss_limit(remote), syn=seg, now=self.sim.env.now, tfo=tfo)
        ep = self._add(conn, key, None, listener)
        if conn.tfo_child:                 # RFC 7413 §4.2.2: accepted before the ACK
            listener.tfo_children.append(ep)
            listener.accept_queue.append(ep)
            self.drain(ep)
            listener.socket.child_ready()
            return
        listener.syn_queue.append(ep)
        self.drain(ep)

    def send_reset(self, local: IPv4Address, remote: IPv4Address, seg: TcpSegment) -> None:
        """RFC 9293 §3.10.7.1: the reply to a segment for no connection. If its ACK bit
        is on, <SEQ=SEG.ACK><CTL=RST>; else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
        A RST is never answered."""
        if seg.flags & RST:
            return
        if seg.flags & ACK:
            rst = TcpSegment(seg.dst_port, seg.src_port, seg.ack, 0, RST, 0)
        else:
            seg_len = len(seg.payload) + bool(seg.flags & SYN) + bool(seg.flags & FIN)
            rst = TcpSegment(seg.dst_port, seg.src_port, 0, seq_add(seg.seq, seg_len),
                             RST | ACK, 0)
        self.resets_sent += 1
        if self.sim.tracer.on:
            self.sim.tracer.emit(self.node.name, "tcp", "tcp.tx",
                                 conn=f"{local}:{seg.dst_port}>{remote}:{seg.src_port}",
                                 **segment_fields(rst))
        self.ip.send(remote, PROTO_TCP, rst, df=True, src=local)

    # -- ICMP -------------------------------------------------------------------------
    def _icmp_error(self, reporter, message, quoted) -> None:
        """RFC 5927 §4.1 / RFC 1122 §4.2.3.9: hand the error to the connection that
        sent the quoted segment (it checks the sequence number and acts)."""
        if quoted.src_port is None:
            return
        key = (int(quoted.src), quoted.src_port, int(quoted.dst), quoted.dst_port)
        ep = self.connections.get(key)
        if ep is None:
            return
        mtu = getattr(message, "next_hop_mtu", 0)
        conn = ep.conn
        if (message.type == DEST_UNREACHABLE and message.code == FRAGMENTATION_NEEDED
                and seq_le(conn.snd_una, quoted.seq) and seq_lt(quoted.seq, conn.snd_nxt)):
            # RFC 1191: the node's path MTU cache learns it (the plateau below the
            # datagram when the router gave no MTU, §5), only for a segment in flight
            mtu = self.ip.pmtu.update(quoted.dst, mtu, quoted.total_len)
        self.call(ep, conn.icmp_error, message.type, message.code, mtu, quoted.seq)


def segment_fields(seg: TcpSegment) -> dict:
    """The trace fields of one segment (``tcp.tx``/``tcp.rx``; docs/sockets.md)."""
    fields = {"sport": seg.src_port, "dport": seg.dst_port, "seq": seg.seq, "ack": seg.ack,
              "len": len(seg.payload), "flags": flags_str(seg.flags), "win": seg.window}
    for opt in seg.options:
        kind = type(opt)
        if kind is Mss:
            fields["mss"] = opt.value
        elif kind is WindowScale:
            fields["wscale"] = opt.shift
        elif kind is SackPermitted:
            fields["sack_permitted"] = True
        elif kind is Sack:
            fields["sack"] = [list(block) for block in opt.blocks]
        elif kind is Timestamps:
            fields["tsval"], fields["tsecr"] = opt.tsval, opt.tsecr
        elif kind is fastopen.FastOpen:
            fields["tfo"] = opt.cookie.hex()         # "" for a cookie request
    return fields
