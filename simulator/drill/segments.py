"""The script's connections: building ``<`` segments, reading the host's.

packetdrill keeps one "socket" per connection the script drives: its ports
and its sequence-number and timestamp mappings (match.SeqSpace), and one
"socket under test". socket() makes a new one the socket under test; an
inbound segment while the socket under test is new or listening starts a
child connection from a fresh remote port; the host's first segment from a
connect() starts one too. Every other segment belongs to the socket under
test, unless the line names its ports (``4000>8080``).
"""

from dataclasses import replace

from simulator.drill import match
from simulator.drill.match import MOD, Observed, SeqSpace
from simulator.drill.model import ANY_OPTIONS, PacketSpec
from simulator.wire.icmp import (FRAGMENTATION_NEEDED, HOST_UNREACHABLE,
                                 NET_UNREACHABLE, PORT_UNREACHABLE, PROTOCOL_UNREACHABLE,
                                 IcmpDestUnreachable)
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_TCP, IPv4Packet
from simulator.wire.tcp import (ACK, SYN, Eol, FastOpen, Mss, Nop, Sack, SackPermitted,
                                TcpSegment, Timestamps, WindowScale)

DEFAULT_PORT = 8080              # packetdrill's --bind_port and --connect_port
FIRST_REMOTE_PORT = 48_000       # ports the script's side uses for inbound SYNs
_UNREACH_CODES = {"net_unreachable": NET_UNREACHABLE, "host_unreachable": HOST_UNREACHABLE,
                  "protocol_unreachable": PROTOCOL_UNREACHABLE,
                  "port_unreachable": PORT_UNREACHABLE, "frag_needed": FRAGMENTATION_NEEDED}


class Conn:
    """One scripted connection: (host port, peer port) and its mappings."""

    def __init__(self, local_port: int, remote_port: int):
        self.local_port = local_port
        self.remote_port = remote_port
        self.space = SeqSpace()


class Connections:
    def __init__(self):
        self.by_ports: dict[tuple, Conn] = {}
        self.current: Conn | None = None        # None: a new or listening socket
        self.listen_port: int | None = None
        self._next_remote = FIRST_REMOTE_PORT

    def on_socket(self) -> None:
        """socket(): the new socket is the one under test."""
        self.current, self.listen_port = None, None

    def on_listen(self, port: int) -> None:
        self.current, self.listen_port = None, port

    def _get(self, local_port: int, remote_port: int) -> Conn:
        conn = self.by_ports.get((local_port, remote_port))
        if conn is None:
            conn = self.by_ports[(local_port, remote_port)] = Conn(local_port, remote_port)
        self.current = conn
        return conn

    def for_inbound(self, spec: PacketSpec) -> Conn:
        if spec.ports is not None:
            return self._get(spec.ports[1], spec.ports[0])
        if self.current is None:           # packetdrill: a child of the listener
            self._next_remote += 1
            return self._get(self.listen_port or DEFAULT_PORT, self._next_remote - 1)
        return self.current

    # --- the host's segments
    def under_test(self, capture, spec: PacketSpec) -> bool:
        """Is the host's segment the test's? packetdrill (local mode) ignores the
        segments of sockets other than the one under test (an old connection's FIN)."""
        packet = capture.packet
        if packet.protocol != PROTO_TCP:
            return True
        seg = packet.payload
        if spec.ports is not None:
            return (seg.src_port, seg.dst_port) == (spec.ports[1], spec.ports[0])
        conn = self.current
        if conn is None:                   # a new socket: its own SYN comes first
            return bool(seg.flags & SYN)
        return (seg.src_port, seg.dst_port) == (conn.local_port, conn.remote_port)

    def observe(self, capture, spec: PacketSpec) -> Observed:
        """A captured TCP segment in script space (TS values still live)."""
        packet = capture.packet
        if packet.protocol != PROTO_TCP:
            raise ValueError(f"expected a TCP segment, the host sent IP protocol {packet.protocol}")
        seg = packet.payload
        conn = self._get(seg.src_port, seg.dst_port)
        if seg.flags & SYN and conn.space.local_offset is None:
            script_isn = spec.seq if match.flag_bits(spec.flags) & SYN else 0
            conn.space.learn_local_isn(script_isn, seg.seq)
        space = conn.space
        ack, map_sack = seg.ack, None
        if not seg.flags & SYN:            # a SYN-ACK acks the peer's ISN as written
            ack, map_sack = space.remote_to_script(seg.ack), space.remote_to_script
        return Observed(capture.time_ns, seg.flags,
                        space.local_to_script(seg.seq, bool(seg.flags & SYN)),
                        len(seg.payload), ack, seg.window, seg.urgent,
                        match.wire_options_to_specs(seg.options, map_sack), packet.ecn)

    def finish(self, spec: PacketSpec, actual: Observed) -> Observed:
        """Record the TSval mapping this match implies; TSval into script space."""
        space = self.current.space
        script_ts = _ts_of(spec.options) if spec.options != ANY_OPTIONS else None
        options = []
        for opt in actual.options:
            if opt.name == "TS":
                live = opt.values[0]
                val = space.observe_ts(script_ts if script_ts is not None else live, live)
                opt = type(opt)("TS", (val, opt.values[1]))
            options.append(opt)
        return replace(actual, options=tuple(options))


def _ts_of(options):
    for opt in options or ():
        if opt.name == "TS":
            return opt.values[0]
    return None


def build_inbound(spec: PacketSpec, conns: Connections, runner) -> IPv4Packet:
    """The IPv4 packet the peer sends for a ``<`` line (ValueError: unsupported)."""
    if spec.protocol == "icmp":
        return _icmp(spec, conns, runner)
    if spec.protocol != "tcp":
        raise ValueError(f"{spec.protocol} packets")
    conn = conns.for_inbound(spec)
    flags = match.flag_bits(spec.flags)
    space = conn.space
    ack = space.local_to_live(spec.ack or 0, bool(flags & SYN)) if flags & ACK else 0
    if flags & SYN:
        space.remote_isn = spec.seq
        seq = spec.seq
    else:
        seq = space.remote_to_live(spec.seq)
    options = [] if spec.options in (None, ANY_OPTIONS) else [
        _wire_option(opt, space, bool(flags & ACK)) for opt in spec.options]
    seg = TcpSegment(conn.remote_port, conn.local_port, seq, ack, flags, spec.win,
                     bytes(spec.length), options, urgent=spec.urg or 0)
    return IPv4Packet(runner.remote_ip, runner.local_ip, PROTO_TCP, seg,
                      ecn=match.ECN_CODEPOINTS.get(spec.ecn, 2 if spec.ecn == "ect01" else 0))


def _wire_option(opt, space: SeqSpace, has_ack: bool):
    name, values = opt.name, opt.values
    if name == "nop":
        return Nop()
    if name == "eol":
        return Eol()
    if name == "mss":
        return Mss(values[0])
    if name == "wscale":
        return WindowScale(values[0])
    if name == "sackOK":
        return SackPermitted()
    if name == "sack":
        edges = [space.local_to_live(v) for v in values]
        return Sack(list(zip(edges[0::2], edges[1::2])))
    if name == "TS":
        ecr = space.ecr_to_live(values[1]) if has_ack else values[1]
        return Timestamps(values[0] % MOD, ecr)
    if name in ("FO", "FOEXP"):
        try:
            return FastOpen(bytes.fromhex(match.cookie_hex(values)), name == "FOEXP")
        except ValueError:
            raise ValueError(f"TCP option {name} {values[0]} (not hex)") from None
    raise ValueError(f"TCP option {name}")


def _icmp(spec: PacketSpec, conns: Connections, runner) -> IPv4Packet:
    code = match.DEFINES.get(spec.icmp_code, spec.icmp_code) or "net_unreachable"  # code 0
    if spec.icmp_type != "unreachable" or code not in _UNREACH_CODES:
        raise ValueError(f"ICMP {spec.icmp_type} {spec.icmp_code or ''}".rstrip())
    conn = conns.current
    if conn is None or spec.icmp_quoted is None:
        raise ValueError("an ICMP error needs a connection and a quoted [start:end(len)]")
    quoted_seg = TcpSegment(conn.local_port, conn.remote_port,
                            conn.space.local_to_live(spec.icmp_quoted.seq), 0, ACK, 0,
                            bytes(spec.icmp_quoted.length))
    original = IPv4Packet(runner.local_ip, runner.remote_ip, PROTO_TCP, quoted_seg, df=True)
    message = IcmpDestUnreachable(_UNREACH_CODES[code], original.quote(8),
                                  spec.icmp_mtu or 0)
    return IPv4Packet(runner.remote_ip, runner.local_ip, PROTO_ICMP, message)
