"""``netsim explain RUN_DIR``: the story of a run, and one frame taken apart.

:func:`story` reads ``trace.jsonl`` as a stream and gives one line per step:
simulated time (seconds, to the nanosecond), layer, and what the node did and
why — a switch learning or flooding, an ARP entry changing state, a router's
route lookup (route, next hop, TTL before → after, the MAC it rewrites the
frame with), a drop and its reason, a link going down, routes recomputed.
After each change to an ARP cache, MAC table or routing table a second line
shows that table as it now is.

:func:`frame_details` takes frame N of ``capture.pcapng`` (numbered from 1,
as Wireshark numbers it) and decodes it with this project's wire decoders
into Wireshark's two lower panes: the fields layer by layer, then the bytes
as ``tshark -x`` prints them.
"""

from pathlib import Path

from simulator.phy.pcapng import read_pcapng
from simulator.scenario.tables import Tables
from simulator.viz.trace_io import iter_trace
from simulator.wire.arp import ArpPacket
from simulator.wire.errors import DecodeError
from simulator.wire.ethernet import HEADER_LEN, EthernetFrame
from simulator.wire.icmp import IcmpEcho
from simulator.wire.ipv4 import PROTOCOL_NAMES, IPv4Packet
from simulator.wire.udp import UdpDatagram


def seconds(ns: int) -> str:
    return f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


def _why(e: dict) -> str | None:
    """What one trace event says, as a sentence starting with its node."""
    kind, node = e["event"], e["node"]
    if kind == "tx":
        fate = "" if e["fate"] == "ok" else f" ({e['fate']})"
        return f"{node}:{e['if']} sends {e['proto']} to {e['peer']}:{e['peer_if']}: {e['info']}{fate}"
    if kind == "flood":
        return f"{node} floods: {e['dst']} {e['why']} (in on {e['port']})"
    if kind == "learn":
        moved = f" (moved from {e['was']})" if e["was"] else ""
        return f"{node} learns {e['mac']} on {e['port']}{moved}"
    if kind == "arp_state":
        was = "new entry" if e["was"] is None else f"was {e['was']}"
        mac = f" is-at {e['mac']}" if e["mac"] else ""
        return f"{node} ARP {e['ip']}{mac}: {e['state']} ({was})"
    if kind == "route":
        via = f"via {e['via']}" if e["via"] else "on-link"
        return (f"{node} matched {e['route']} {via}, TTL {e['ttl']} → {e['ttl_out']}, "
                f"out {e['out']}, MAC rewritten (src {e['eth_src']})")
    if kind == "drop":
        where = f":{e['if']}" if e.get("if") else ""
        info = f": {e['info']}" if e.get("info") else ""
        return f"{node}{where} drops {e['reason']}{info}"
    if kind in ("link_down", "link_up"):
        return f"link {e['link']} goes {kind[5:]}"
    if kind == "routes_changed":
        return f"{node} routes: +{len(e['added'])} -{len(e['removed'])}"
    if kind == "converged":
        return f"routes recomputed: {e['routes']} auto routes installed"
    if kind == "port_state":
        return f"{node} port {e['port']} → {e['state']} ({e['role']})"
    return None


def parse_packet(text: str) -> tuple[str | None, int]:
    """``--packet``: ``ID`` or ``SRC:ID`` (IPv4 source and identification)."""
    src, _, ident = text.rpartition(":")
    if not ident.isdigit() or int(ident) > 0xFFFF:
        raise ValueError(f"'{text}' is not an IPv4 identification (0-65535), alone or as SRC:ID")
    return src or None, int(ident)


def _one_packet(events, src: str | None, ip_id: int):
    """The events of the IPv4 datagram(s) with identification ``ip_id`` (from ``src``):
    its hops (``tx``), the routers' lookups (``route``) and a drop where a hop arrived."""
    arrivals = set()
    for e in events:
        if (e.get("ip_id") == ip_id and e["event"] in ("tx", "route")
                and src in (None, e.get("ip_src"))):
            if e["event"] == "tx" and e["arrive_ns"] is not None:
                arrivals.add((e["peer"], e["arrive_ns"]))
            yield e
        elif e["event"] == "drop" and ((e["node"], e["ns"]) in arrivals):
            yield e


def story(run_dir: Path, node: str | None = None, packet: str | None = None):
    """The run's steps as lines ``time  layer  sentence``; only ``node``'s if given,
    only one datagram's if ``packet`` (``ID`` or ``SRC:ID``) is given."""
    tables = Tables()
    events = iter_trace(Path(run_dir) / "trace.jsonl")
    if packet is not None:
        events = _one_packet(events, *parse_packet(packet))
    for e in events:
        if node is not None and e["node"] not in (node, "*"):
            continue
        text = _why(e)
        if text is None:
            continue
        yield f"{seconds(e['ns'])}  {e['layer']:<7} {text}"
        table = tables.apply(e)
        if table is not None:
            name, _, now = table
            rows = [f"{k} {v}" for k, v in now.items()] if isinstance(now, dict) else now
            yield f"{'':11}  {'':<7}   ↳ {e['node']} {name}: " + ", ".join(rows)


# ------------------------------------------------------------------ one frame

def hexdump(data: bytes) -> list[str]:
    """The bytes pane, as ``tshark -x`` prints it."""
    lines = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{at:04x}  {' '.join(f'{b:02x}' for b in chunk):<47}   {text}")
    return lines


def _ethernet(f: EthernetFrame, data: bytes) -> list[str]:
    names = {0x0800: "IPv4", 0x0806: "ARP"}
    lines = [f"Ethernet II, Src: {f.src}, Dst: {f.dst}",
             f"    Destination: {f.dst}", f"    Source: {f.src}",
             f"    Type: {names.get(f.ethertype, 'Unknown')} (0x{f.ethertype:04x})"]
    used = HEADER_LEN + (len(f.payload.pack()) if hasattr(f.payload, "pack") else len(f.payload))
    if len(data) > used:
        lines.append(f"    Padding: {data[used:].hex()}")
    return lines


def _arp(a: ArpPacket) -> list[str]:
    op = {1: "request", 2: "reply"}.get(a.oper, "unknown")
    return [f"Address Resolution Protocol ({op})",
            f"    Hardware type: Ethernet ({a.htype})" if a.htype == 1
            else f"    Hardware type: {a.htype}",
            f"    Protocol type: IPv4 (0x{a.ptype:04x})", f"    Hardware size: {a.hlen}",
            f"    Protocol size: {a.plen}", f"    Opcode: {op} ({a.oper})",
            f"    Sender MAC address: {a.sha}", f"    Sender IP address: {a.spa}",
            f"    Target MAC address: {a.tha}", f"    Target IP address: {a.tpa}"]


def _ipv4(p: IPv4Packet) -> list[str]:
    flags = (p.reserved_flag << 15) | (p.df << 14) | (p.mf << 13)
    proto = PROTOCOL_NAMES.get(p.protocol, "Unknown")
    return [f"Internet Protocol Version 4, Src: {p.src}, Dst: {p.dst}",
            "    Version: 4", f"    Header Length: {p.header_len} bytes ({p.header_len // 4})",
            f"    Differentiated Services Field: 0x{p.dscp << 2 | p.ecn:02x}",
            f"    Total Length: {p.total_len}",
            f"    Identification: 0x{p.identification:04x} ({p.identification})",
            f"    Flags: 0x{flags >> 13:x}" + (", Don't fragment" if p.df else "")
            + (", More fragments" if p.mf else ""),
            f"    Fragment Offset: {p.frag_offset * 8}", f"    Time to Live: {p.ttl}",
            f"    Protocol: {proto} ({p.protocol})",
            f"    Header Checksum: 0x{p.checksum:04x}",
            f"    Source Address: {p.src}", f"    Destination Address: {p.dst}"]


def _transport(m) -> list[str]:
    if isinstance(m, UdpDatagram):
        return [f"User Datagram Protocol, Src Port: {m.src_port}, Dst Port: {m.dst_port}",
                f"    Source Port: {m.src_port}", f"    Destination Port: {m.dst_port}",
                f"    Length: {8 + len(m.payload)}", f"    Checksum: 0x{m.checksum:04x}",
                f"    Data ({len(m.payload)} bytes)"]
    if hasattr(m, "type") and hasattr(m, "code"):
        lines = ["Internet Control Message Protocol", f"    Type: {m.type} ({m.info()})",
                 f"    Code: {m.code}", f"    Checksum: 0x{m.checksum:04x}"]
        if isinstance(m, IcmpEcho):
            lines += [f"    Identifier (BE): {m.ident} (0x{m.ident:04x})",
                      f"    Sequence Number (BE): {m.seq} (0x{m.seq:04x})",
                      f"    Data ({len(m.data)} bytes)"]
        elif getattr(m, "original", None) is not None:
            lines.append(f"    Quoted datagram: {len(m.original)} bytes")
        return lines
    return [f"{type(m).__name__}: {m.info()}"] if hasattr(m, "info") else []


def frame_details(run_dir: Path, number: int) -> list[str]:
    """Frame ``number`` of ``capture.pcapng``: header line, fields, blank line, bytes."""
    path = Path(run_dir) / "capture.pcapng"
    packets = read_pcapng(path)
    if not 1 <= number <= len(packets):
        raise ValueError(f"{path} has frames 1 to {len(packets)}, not {number}")
    iface, ns, data = packets[number - 1]
    lines = [f"Frame {number}: {len(data)} bytes on interface {iface}, at {seconds(ns)} s"]
    try:
        frame = EthernetFrame.unpack(data)
    except DecodeError as error:
        lines.append(f"    (does not decode: {error})")
    else:
        lines += _ethernet(frame, data)
        payload = frame.payload
        if isinstance(payload, ArpPacket):
            lines += _arp(payload)
        elif isinstance(payload, IPv4Packet):
            lines += _ipv4(payload)
            if not isinstance(payload.payload, (bytes, bytearray, memoryview)):
                lines += _transport(payload.payload)
    return lines + [""] + hexdump(data)
