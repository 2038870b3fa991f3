"""``netsim explain RUN_DIR``: the story of a run, and one frame taken apart.

:func:`story` reads ``trace.jsonl`` as a stream and gives one line per step:
simulated time (seconds, to the nanosecond), layer, and what the node did and
why — a switch learning or flooding, an ARP entry changing state, a router's
route lookup (route, next hop, TTL before → after, the MAC it rewrites the
frame with), a drop and its reason, a link going down, routes recomputed.
After each change to an ARP cache, MAC table or routing table a second line
shows that table as it now is.

:func:`frame_details` takes frame N of ``capture.pcapng`` (numbered from 1,
as Wireshark numbers it) and decodes it as the viewer's PDU pane does
(:func:`simulator.viz.viewer.dissect.layers`: Ethernet, ARP, IPv4, UDP, TCP with
its flags and options, ICMP with an error's quoted headers) into Wireshark's two
lower panes: the fields layer by layer, then the bytes as ``tshark -x`` prints them.
"""

from pathlib import Path

from simulator.phy.pcapng import read_pcapng
from simulator.scenario.tables import Tables
from simulator.viz.ladder_labels import reassembled_info
from simulator.viz.trace_io import iter_trace
from simulator.viz.viewer.dissect import layers


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
    if kind == "fragment":
        return (f"{node} fragments datagram ID {e['ip_id']} into {e['fragments']} "
                f"for MTU {e['mtu']}: {e['info']}")
    if kind == "nat.map":
        return f"{node} NAT {e['proto']} {e['internal']} → {e['external']} (to {e['remote']})"
    if kind == "nat.expire":
        return (f"{node} NAT {e['proto']} {e['internal']} → {e['external']} expires "
                f"after {seconds(e['lifetime_ns'])} s")
    if kind == "dns_cache":
        what = f"{e['name']} {e['type']}"
        if e["change"] == "store":
            return f"{node} caches " + " ".join([what, *e["data"], f"TTL {e['ttl']}"])
        return f"{node} DNS cache drops {what} ({e['change']})"
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
    events = reassembled_info(iter_trace(Path(run_dir) / "trace.jsonl"))
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
            yield f"{'':11}  {'':<7}   ↳ {e['node']} {name}: " + (", ".join(rows) or "(empty)")


# ------------------------------------------------------------------ one frame

def hexdump(data: bytes) -> list[str]:
    """The bytes pane, as ``tshark -x`` prints it."""
    lines = []
    for at in range(0, len(data), 16):
        chunk = data[at:at + 16]
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{at:04x}  {' '.join(f'{b:02x}' for b in chunk):<47}   {text}")
    return lines


def frame_details(run_dir: Path, number: int) -> list[str]:
    """Frame ``number`` of ``capture.pcapng``: header line, fields, blank line, bytes."""
    path = Path(run_dir) / "capture.pcapng"
    packets = read_pcapng(path)
    if not 1 <= number <= len(packets):
        raise ValueError(f"{path} has frames 1 to {len(packets)}, not {number}")
    iface, ns, data = packets[number - 1]
    lines = [f"Frame {number}: {len(data)} bytes on interface {iface}, at {seconds(ns)} s"]
    for layer in layers(data):
        lines.append(layer["title"])
        lines += [f"    {f['n']}: {f['v']}" if f["v"] else f"    {f['n']}" for f in layer["fields"]]
    return lines + [""] + hexdump(data)
