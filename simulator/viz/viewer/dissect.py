"""A frame's layers as Wireshark's packet details pane lists them, for the viewer.

Each layer is ``{"title", "o", "l", "fields"}`` and each field ``{"n", "v", "o", "l"}``:
name, value (worded as tshark 4 prints it with ``-V``), and the byte range it covers,
so the page can light up a field's bytes. The bytes are decoded with this project's
``wire`` classes (RFC 894 Ethernet II, RFC 826 ARP, RFC 791 IPv4, RFC 792 ICMP,
RFC 768 UDP, RFC 9293 TCP with its flag bits and options; an 802.3 frame's LLC header
and 802.1D BPDU, as packet-llc.c and packet-stp.c word them); an ICMP error's quoted
IPv4 header and transport header are layers of their own, as Wireshark shows them;
what the wire classes refuse becomes a "Malformed" layer.
"""

from simulator.wire import (ETHERTYPE_ARP, ETHERTYPE_IPV4, ArpPacket, DecodeError,
                            EthernetFrame, IPv4Packet, TcpSegment, UdpDatagram)
from simulator.wire.icmp import CODE_NAMES, TYPE_NAMES, IcmpEcho
from simulator.wire.icmp_quote import parse_quote
from simulator.wire.ipv4 import PROTOCOL_NAMES
from simulator.wire.stp import FLAG_TC, FLAG_TCA, LLC_STP, TCN, Bpdu
from simulator.wire.tcp import flags_str
from simulator.wire.tcp_options import (Eol, Mss, Nop, Sack, SackPermitted, Timestamps,
                                        WindowScale)

ETHERTYPES = {ETHERTYPE_IPV4: "IPv4", ETHERTYPE_ARP: "ARP"}
ARP_OPCODES = {1: "request", 2: "reply", 3: "reverse request", 4: "reverse reply"}
HTYPES = {1: "Ethernet"}


def _f(name: str, value, offset: int, length: int) -> dict:
    return {"n": name, "v": str(value), "o": offset, "l": length}


def _layer(title: str, offset: int, length: int, fields: list[dict]) -> dict:
    return {"title": title, "o": offset, "l": length, "fields": fields}


def layers(data: bytes, has_fcs: bool = False) -> list[dict]:
    """The layers of one captured Ethernet frame (``has_fcs``: its last 4 bytes are the FCS)."""
    body = data[:-4] if has_fcs else data
    if len(body) < 14:
        return [_layer("Malformed frame", 0, len(data),
                       [_f("Error", f"truncated Ethernet header ({len(body)} bytes < 14)", 0, len(data))])]
    ethertype = int.from_bytes(body[12:14], "big")
    out = [None]
    try:
        end = 14 + _payload(EthernetFrame.unpack(body), body, out)
    except DecodeError as exc:
        out.append(_layer("Malformed packet", 14, len(body) - 14, [_f("Error", exc, 14, len(body) - 14)]))
        end = len(body)
    fields = [_f("Destination", _mac(body[0:6]), 0, 6), _f("Source", _mac(body[6:12]), 6, 6)]
    if ethertype >= 0x0600:
        fields.append(_f("Type", f"{ETHERTYPES.get(ethertype, 'Unknown')} (0x{ethertype:04x})", 12, 2))
    else:
        fields.append(_f("Length", ethertype, 12, 2))
    if end < len(body):
        fields.append(_f("Padding", body[end:].hex(), end, len(body) - end))
    if has_fcs:
        fields.append(_f("Frame check sequence", "0x" + data[-4:].hex(), len(body), 4))
    title = f"Ethernet II, Src: {_mac(body[6:12])}, Dst: {_mac(body[0:6])}" \
        if ethertype >= 0x0600 else "IEEE 802.3 Ethernet"
    out[0] = _layer(title, 0, len(data), fields)
    return out


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _payload(frame: EthernetFrame, body: bytes, out: list) -> int:
    """Append the layers above Ethernet; return how many bytes they cover."""
    p = frame.payload
    if isinstance(p, ArpPacket):
        out.append(_arp(p))
        return len(p)
    if isinstance(p, IPv4Packet):
        out.append(_ipv4(p, body))
        _transport(p, body[14 + p.header_len:14 + p.total_len], 14 + p.header_len, out)
        return p.total_len
    if int.from_bytes(body[12:14], "big") < 0x0600 and bytes(p[:3]) == LLC_STP:
        bpdu = Bpdu.unpack(p)
        out += _stp(bpdu)
        return len(bpdu)
    out.append(_layer("Data", 14, len(p), [_f("Data", bytes(p).hex(), 14, len(p))]))
    return len(p)


def _stp(b: Bpdu) -> list[dict]:
    """The LLC header (DSAP/SSAP 0x42, UI) and the BPDU (IEEE 802.1D-2004 §9.3)."""
    sap = "Spanning Tree BPDU (0x42)"
    llc = _layer("Logical-Link Control", 14, 3, [
        _f("DSAP", sap, 14, 1), _f("SSAP", sap, 15, 1),
        _f("Control field", "U, func=UI (0x03)", 16, 1)])
    fields = [_f("Protocol Identifier", "Spanning Tree Protocol (0x0000)", 17, 2),
              _f("Protocol Version Identifier", "Spanning Tree (0)", 19, 1),
              _f("BPDU Type", "Topology Change Notification (0x80)" if b.type == TCN
                 else "Configuration (0x00)", 20, 1)]
    if b.type != TCN:
        def yes(flag: int) -> str:
            return "Yes" if b.flags & flag else "No"
        fields += [
            _f("BPDU flags", f"0x{b.flags:02x}", 21, 1),
            _f("Topology Change Acknowledgment", yes(FLAG_TCA), 21, 1),
            _f("Topology Change", yes(FLAG_TC), 21, 1),
            _f("Root Identifier", str(b.root).replace("/", " / "), 22, 8),
            _f("Root Path Cost", b.cost, 30, 4),
            _f("Bridge Identifier", str(b.bridge).replace("/", " / "), 34, 8),
            _f("Port identifier", f"0x{b.port:04x}", 42, 2)]
        for i, (name, ns) in enumerate((("Message Age", b.message_age), ("Max Age", b.max_age),
                                        ("Hello Time", b.hello_time),
                                        ("Forward Delay", b.forward_delay))):
            fields.append(_f(name, f"{ns / 1_000_000_000:g}", 44 + 2 * i, 2))   # seconds
    return [llc, _layer("Spanning Tree Protocol", 17, len(b) - 3, fields)]


def _arp(a: ArpPacket) -> dict:
    h, pl, o = a.hlen, a.plen, 14
    op = ARP_OPCODES.get(a.oper, "unknown")
    fields = [_f("Hardware type", f"{HTYPES.get(a.htype, 'Unknown')} ({a.htype})", o, 2),
              _f("Protocol type", f"{ETHERTYPES.get(a.ptype, 'Unknown')} (0x{a.ptype:04x})", o + 2, 2),
              _f("Hardware size", h, o + 4, 1), _f("Protocol size", pl, o + 5, 1),
              _f("Opcode", f"{op} ({a.oper})", o + 6, 2),
              _f("Sender MAC address", a.sha, o + 8, h), _f("Sender IP address", a.spa, o + 8 + h, pl),
              _f("Target MAC address", a.tha, o + 8 + h + pl, h),
              _f("Target IP address", a.tpa, o + 8 + 2 * h + pl, pl)]
    return _layer(f"Address Resolution Protocol ({op})", o, len(a), fields)


def _flag(on: bool) -> str:
    return "Set" if on else "Not set"


def _ipv4(p: IPv4Packet, body: bytes) -> dict:
    o = 14
    raw = body[o:o + p.header_len]
    tos, flags = raw[1], int.from_bytes(raw[6:8], "big")
    proto = PROTOCOL_NAMES.get(p.protocol, "Unknown")
    fields = [_f("Version", 4, o, 1), _f("Header Length", f"{p.header_len} bytes ({p.header_len // 4})", o, 1),
              _f("Differentiated Services Field", f"0x{tos:02x}", o + 1, 1),
              _f("Total Length", p.total_len, o + 2, 2),
              _f("Identification", f"0x{p.identification:04x} ({p.identification})", o + 4, 2),
              _f("Flags", f"0x{flags >> 13:x}", o + 6, 1),
              _f("Reserved bit", _flag(p.reserved_flag), o + 6, 1),
              _f("Don't fragment", _flag(p.df), o + 6, 1), _f("More fragments", _flag(p.mf), o + 6, 1),
              _f("Fragment Offset", p.frag_offset * 8, o + 6, 2), _f("Time to Live", p.ttl, o + 8, 1),
              _f("Protocol", f"{proto} ({p.protocol})", o + 9, 1),
              _f("Header Checksum", "0x" + raw[10:12].hex(), o + 10, 2),
              _f("Source Address", p.src, o + 12, 4), _f("Destination Address", p.dst, o + 16, 4)]
    if p.options:
        fields.append(_f("Options", p.options.hex(), o + 20, len(p.options)))
    return _layer(f"Internet Protocol Version 4, Src: {p.src}, Dst: {p.dst}", o, p.total_len, fields)


def _transport(p: IPv4Packet, raw: bytes, o: int, out: list) -> None:
    seg, n = p.payload, len(raw)
    if isinstance(seg, UdpDatagram):
        fields = [_f("Source Port", seg.src_port, o, 2), _f("Destination Port", seg.dst_port, o + 2, 2),
                  _f("Length", n, o + 4, 2), _f("Checksum", "0x" + raw[6:8].hex(), o + 6, 2)]
        if n > 8:
            fields.append(_f(f"Data ({n - 8} bytes)", raw[8:].hex(), o + 8, n - 8))
        out.append(_layer(f"User Datagram Protocol, Src Port: {seg.src_port}, Dst Port: {seg.dst_port}",
                          o, n, fields))
    elif isinstance(seg, TcpSegment):
        out.append(_tcp(seg, raw, o))
    elif p.protocol == 1 and not p.is_fragment and n >= 4:
        out.extend(_icmp(seg, raw, o))
    elif n:
        out.append(_layer("Data", o, n, [_f(f"Data ({n} bytes)", raw.hex(), o, n)]))


TCP_BITS = (("Reserved", 0xE00), ("Accurate ECN", 0x100), ("Congestion Window Reduced", 0x80),
            ("ECN-Echo", 0x40), ("Urgent", 0x20), ("Acknowledgment", 0x10), ("Push", 0x08),
            ("Reset", 0x04), ("Syn", 0x02), ("Fin", 0x01))


def _tcp(seg: TcpSegment, raw: bytes, o: int) -> dict:
    """RFC 9293 §3.1: the header, each flag bit and each option, as tshark -V words them."""
    hl, n = seg.header_len, len(raw)
    flags = int.from_bytes(raw[12:14], "big") & 0xFFF
    fields = [_f("Source Port", seg.src_port, o, 2), _f("Destination Port", seg.dst_port, o + 2, 2),
              _f("Sequence Number (raw)", seg.seq, o + 4, 4),
              _f("Acknowledgment number (raw)", seg.ack, o + 8, 4),
              _f("Header Length", f"{hl} bytes ({hl // 4})", o + 12, 1),
              _f("Flags", f"0x{flags:04x} ({flags_str(flags)})", o + 12, 2)]
    fields += [_f(name, _flag(flags & bit), o + 12, 2) for name, bit in TCP_BITS]
    fields += [_f("Window", seg.window, o + 14, 2), _f("Checksum", "0x" + raw[16:18].hex(), o + 16, 2),
               _f("Urgent Pointer", int.from_bytes(raw[18:20], "big"), o + 18, 2)]
    at = o + 20
    for opt in seg.options:
        fields.append(_f(*_option(opt), at, len(opt)))
        at += len(opt)
    if n > hl:
        fields.append(_f(f"TCP payload ({n - hl} bytes)", raw[hl:].hex(), o + hl, n - hl))
    return _layer(f"Transmission Control Protocol, Src Port: {seg.src_port}, Dst Port: "
                  f"{seg.dst_port}, Seq: {seg.seq}, Ack: {seg.ack}, Len: {n - hl}", o, n, fields)


def _option(opt) -> tuple[str, str]:
    """One TCP option's name and value (RFC 9293 §3.2, RFC 7323, RFC 2018)."""
    if isinstance(opt, Mss):
        return "TCP Option - Maximum segment size", f"{opt.value} bytes"
    if isinstance(opt, WindowScale):
        return "TCP Option - Window scale", f"{opt.shift} (multiply by {1 << min(opt.shift, 14)})"
    if isinstance(opt, Timestamps):
        return "TCP Option - Timestamps", f"TSval {opt.tsval}, TSecr {opt.tsecr}"
    if isinstance(opt, SackPermitted):
        return "TCP Option - SACK permitted", ""
    if isinstance(opt, Sack):
        return "TCP Option - SACK", " ".join(f"{a}-{b}" for a, b in opt.blocks)
    if isinstance(opt, Nop):
        return "TCP Option - No-Operation (NOP)", ""
    if isinstance(opt, Eol):
        return "TCP Option - End of Option List (EOL)", ""
    return f"TCP Option - Unknown (kind {opt.kind})", opt.pack().hex()


ICMP_ERRORS = (3, 4, 5, 11, 12)      # the types that quote the offending datagram (RFC 792)


def _icmp(msg, raw: bytes, o: int) -> list[dict]:
    """RFC 792: the ICMP header; an error's quoted IPv4 header and first 8 bytes of its
    data as layers of their own, as Wireshark nests them."""
    kind, code = raw[0], raw[1]
    codes = CODE_NAMES.get(kind, ())
    fields = [_f("Type", f"{kind} ({TYPE_NAMES.get(kind, 'Unknown ICMP type')})", o, 1),
              _f("Code", f"{code} ({codes[code]})" if code < len(codes) else code, o + 1, 1),
              _f("Checksum", "0x" + raw[2:4].hex(), o + 2, 2)]
    rest, quoted = 8, []
    if isinstance(msg, IcmpEcho):
        fields += [_f("Identifier (BE)", f"{msg.ident} (0x{msg.ident:04x})", o + 4, 2),
                   _f("Sequence Number (BE)", f"{msg.seq} (0x{msg.seq:04x})", o + 6, 2)]
    elif kind == 3 and code == 4:                       # RFC 1191 §4
        fields += [_f("Unused", raw[4:6].hex(), o + 4, 2),
                   _f("MTU of next hop", int.from_bytes(raw[6:8], "big"), o + 6, 2)]
    elif kind == 5:
        fields.append(_f("Gateway address", ".".join(map(str, raw[4:8])), o + 4, 4))
    else:
        fields.append(_f("Unused" if kind in ICMP_ERRORS else "Rest of header", raw[4:8].hex(),
                         o + 4, 4))
    if kind in ICMP_ERRORS and len(raw) >= rest + 20:
        quoted = _quoted(raw[rest:], o + rest)
    elif len(raw) > rest:
        fields.append(_f(f"Data ({len(raw) - rest} bytes)", raw[rest:].hex(), o + rest, len(raw) - rest))
    return [_layer("Internet Control Message Protocol", o, len(raw), fields)] + quoted


def _quoted(q: bytes, o: int) -> list[dict]:
    """The datagram an ICMP error quotes: its IPv4 header, then its transport's first bytes."""
    try:
        d = parse_quote(q)
    except DecodeError as exc:
        return [_layer("Quoted datagram (malformed)", o, len(q), [_f("Error", exc, o, len(q))])]
    hl = (q[0] & 0x0F) * 4
    proto = PROTOCOL_NAMES.get(d.protocol, "Unknown")
    ip = _layer(f"Internet Protocol Version 4 (quoted), Src: {d.src}, Dst: {d.dst}", o, hl, [
        _f("Total Length", d.total_len, o + 2, 2),
        _f("Identification", f"0x{d.identification:04x} ({d.identification})", o + 4, 2),
        _f("Don't fragment", _flag(d.df), o + 6, 1), _f("More fragments", _flag(d.mf), o + 6, 1),
        _f("Fragment Offset", d.frag_offset * 8, o + 6, 2), _f("Time to Live", d.ttl, o + 8, 1),
        _f("Protocol", f"{proto} ({d.protocol})", o + 9, 1),
        _f("Header Checksum", "0x" + q[10:12].hex(), o + 10, 2),
        _f("Source Address", d.src, o + 12, 4), _f("Destination Address", d.dst, o + 16, 4)])
    l4, at = q[hl:], o + hl
    if d.src_port is None and d.icmp_type is None:
        return [ip] + ([_layer("Data (quoted)", at, len(l4), [_f("Data", l4.hex(), at, len(l4))])]
                       if l4 else [])
    if d.protocol == 17 and len(l4) >= 8:
        title = f"User Datagram Protocol (quoted), Src Port: {d.src_port}, Dst Port: {d.dst_port}"
        fields = [_f("Source Port", d.src_port, at, 2), _f("Destination Port", d.dst_port, at + 2, 2),
                  _f("Length", int.from_bytes(l4[4:6], "big"), at + 4, 2),
                  _f("Checksum", "0x" + l4[6:8].hex(), at + 6, 2)]
    elif d.protocol == 6:
        title = f"Transmission Control Protocol (quoted), Src Port: {d.src_port}, Dst Port: {d.dst_port}"
        fields = [_f("Source Port", d.src_port, at, 2), _f("Destination Port", d.dst_port, at + 2, 2)]
        if d.seq is not None:
            fields.append(_f("Sequence Number (raw)", d.seq, at + 4, 4))
    else:
        title = "Internet Control Message Protocol (quoted)"
        fields = [_f("Type", f"{d.icmp_type} ({TYPE_NAMES.get(d.icmp_type, 'Unknown ICMP type')})", at, 1),
                  _f("Code", d.icmp_code, at + 1, 1)]
        if d.ident is not None:
            fields += [_f("Identifier (BE)", f"{d.ident} (0x{d.ident:04x})", at + 4, 2),
                       _f("Sequence Number (BE)", f"{d.seq} (0x{d.seq:04x})", at + 6, 2)]
    return [ip, _layer(title, at, len(l4), fields)]
