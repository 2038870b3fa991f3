"""What the viewer shows, gathered from a run folder: nodes and links, the first events
of the trace (streamed, at most ``max_events``), and each frame's captured bytes.

Links are the topology's, from ``summary.json`` (``links``), those that carried no frame
too; a summary from before it had them gives the links the trace saw carry a frame
(``tx`` events name both ends). Nodes are drawn where the YAML's ``pos`` put them
(``summary.json``'s ``nodes.<name>.pos``), else by the topology figure's layout. The
bytes of a ``tx`` event come from the sender's capture (record at its first bit, ``ns``)
or else the receiver's (at its last bit, ``arrive_ns``), so a frame is shown as sent.
"""

import struct
from pathlib import Path

import orjson

from simulator.viz.ladder_labels import reassembled_info
from simulator.viz.topology_layout import place
from simulator.viz.trace_io import iter_trace

from .dissect import layers

MAX_EVENTS = 5000
PCAP_MAGIC_NS = 0xA1B23C4D


def read_pcap(path: Path) -> list[tuple[int, bytes]]:
    """``(ns, bytes)`` of every record of one of netsim's nanosecond pcap files."""
    data = path.read_bytes()
    if len(data) < 24 or struct.unpack_from("<I", data)[0] != PCAP_MAGIC_NS:
        return []
    out, off = [], 24
    while off + 16 <= len(data):
        sec, nsec, caplen, _ = struct.unpack_from("<IIII", data, off)
        off += 16
        out.append((sec * 1_000_000_000 + nsec, data[off:off + caplen]))
        off += caplen
    return out


def _captures(run_dir: Path, nodes: dict) -> dict[tuple[str, str, int], list[bytes]]:
    """(node, iface, ns) → the records captured there then, from ``<node>-<iface>.pcap``."""
    index: dict[tuple[str, str, int], list[bytes]] = {}
    for node, info in nodes.items():
        for iface in info.get("interfaces", {}):
            path = run_dir / f"{node}-{iface}.pcap"
            if path.is_file():
                for ns, raw in read_pcap(path):
                    index.setdefault((node, iface, ns), []).append(raw)
    return index


def _frame_bytes(event: dict, index: dict) -> tuple[bytes, str] | None:
    """The captured bytes of a ``tx`` event and where they were captured, or None."""
    for key in ((event["node"], event["if"], event["ns"]),
                (event["peer"], event.get("peer_if"), event.get("arrive_ns"))):
        records = index.get(key)
        if records:
            for raw in records:       # several at one instant: the one of this length
                if len(raw) in (event["bytes"], event["bytes"] - 4):
                    return raw, f"{key[0]}:{key[1]}"
    return None


def layout(nodes: list[str], links: list[dict], positions=None) -> dict[str, list[float]]:
    """Positions in [0, 1]² (y down): the topology figure's deterministic layout
    (:func:`simulator.viz.topology_layout.place`) over these nodes and links, ``positions``
    (the YAML's, y up) honoured."""
    if len(nodes) < 2:
        return {n: [0.5, 0.5] for n in nodes}
    pos = place(nodes, [(k["a"], k["b"]) for k in links], positions)   # in [-1, 1]², y up
    return {n: [round((float(pos[n][0]) + 1) / 2, 4), round((1 - float(pos[n][1])) / 2, 4)] for n in nodes}


def gather(run_dir: Path, max_events: int = MAX_EVENTS) -> dict:
    """Everything the page embeds, as plain JSON-able data."""
    summary = orjson.loads((run_dir / "summary.json").read_bytes())
    nodes = summary.get("nodes", {})
    index = _captures(run_dir, nodes)
    events, frames, frame_ids, links = [], [], {}, {}
    total = 0
    trace = run_dir / "trace.jsonl"
    for event in (reassembled_info(iter_trace(trace)) if trace.is_file() else ()):
        total += 1
        if total > max_events:
            continue
        event.pop("t", None)
        if event.get("event") == "tx" and event.get("peer") is not None:
            ends = sorted([(event["node"], event["if"]), (event["peer"], event.get("peer_if"))])
            links.setdefault(tuple(ends), {"a": ends[0][0], "a_if": ends[0][1],
                                           "b": ends[1][0], "b_if": ends[1][1]})
            found = _frame_bytes(event, index)
            if found is not None:
                raw, where = found
                if raw not in frame_ids:
                    frame_ids[raw] = len(frames)
                    has_fcs = len(raw) == event["bytes"]
                    frames.append({"hex": raw.hex(), "fcs": has_fcs, "layers": layers(raw, has_fcs)})
                event["frame"] = frame_ids[raw]
                event["captured_at"] = where
        events.append(event)
    names = list(nodes)
    for link in summary.get("links", []):              # the topology's: idle ones too
        ends = sorted([(link["a"], link["a_if"]), (link["b"], link["b_if"])])
        links.setdefault(tuple(ends), {"a": ends[0][0], "a_if": ends[0][1],
                                       "b": ends[1][0], "b_if": ends[1][1]})
    links_list = [links[k] for k in sorted(links)]
    positions = {n: nodes[n]["pos"] for n in names if nodes[n].get("pos")}
    return {
        "scenario": summary.get("scenario", ""), "seed": summary.get("seed"),
        "until_ns": summary.get("until_ns"), "ended": summary.get("ended"),
        "passed": summary.get("passed"),
        "nodes": [{"name": n, "kind": nodes[n].get("kind", "host"),
                   "addresses": {i: a["address"] for i, a in nodes[n].get("addresses", {}).items()},
                   "routes": nodes[n].get("routes", []), "arp": nodes[n].get("arp", {}),
                   "mac_table": nodes[n].get("mac_table", {})} for n in names],
        "links": links_list, "positions": layout(names, links_list, positions),
        "events": events, "events_total": total, "frames": frames,
        "apps": [{"name": a.get("name"), "node": a.get("node"), "output": a.get("output", [])}
                 for a in summary.get("apps", [])],
    }
