"""One merged capture of a run: a pcapng file (draft-ietf-opsawg-pcapng).

One Section Header Block, then one Interface Description Block per captured
interface (``if_name`` ``node:iface``, ``if_tsresol`` 9: nanoseconds,
``if_fcslen`` 4 where the FCS is kept), then an Enhanced Packet Block per
frame in the order the frames were seen, as the per-interface pcaps hold
them. A timestamp is the simulated time plus ``epoch_s`` seconds (0 by
default: Wireshark's absolute time is then the trace's ``t``).

Drops and run events (a link going down or up, routes recomputed, a
spanning-tree port changing state) become packet comments (``opt_comment``):
a drop at the node and time a frame was captured is commented on that
frame; anything else is commented on the next frame captured, with its time,
and what is left at the end on the last one. Comments come from the trace
(:meth:`PcapngWriter.on_event` is a tracer sink), so ``trace: off`` or a trace
filter that leaves drops out leaves them out of the capture too.
"""

import struct

BLOCK_SHB, BLOCK_IDB, BLOCK_EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
LINKTYPE_ETHERNET = 1
SNAPLEN = 262144
OPT_ENDOFOPT, OPT_COMMENT = 0, 1
SHB_USERAPPL = 4
IF_NAME, IF_TSRESOL, IF_FCSLEN = 2, 9, 13
RUN_EVENTS = {"link_down", "link_up", "converged", "port_state"}


def _option(code: int, value: bytes) -> bytes:
    pad = -len(value) % 4
    return struct.pack("<HH", code, len(value)) + value + bytes(pad)


def _options(options: list[bytes]) -> bytes:
    return b"".join(options) + struct.pack("<HH", OPT_ENDOFOPT, 0) if options else b""


def _block(kind: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def describe(event: dict) -> str:
    """An event as a comment line: ``1.000000000 s r1 drop TTL_EXPIRED (...)``."""
    ns, node, kind = event["ns"], event["node"], event["event"]
    head = f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d} s {node}"
    if kind == "drop":
        where = f":{event['if']}" if event.get("if") else ""
        info = f": {event['info']}" if event.get("info") else ""
        return f"{head}{where} {event['layer']} drop {event['reason']}{info}"
    if kind in ("link_down", "link_up"):
        return f"{head} link {event['link']} {kind[5:]}"
    if kind == "converged":
        return f"{head} routes recomputed ({event['routes']} auto routes)"
    return f"{head} stp port {event['port']} {event['state']} ({event['role']})"


class _Tap:
    """One interface's entry point, with ``write(ns, frame)`` like a PcapWriter."""

    __slots__ = ("writer", "index", "node", "fcs")

    def __init__(self, writer, index: int, node: str, fcs: bool):
        self.writer, self.index, self.node, self.fcs = writer, index, node, fcs

    def write(self, ns: int, frame) -> None:
        self.writer.packet(self, ns, frame.pack_with_fcs() if self.fcs else frame.pack())


class PcapngWriter:
    """``capture.pcapng``: call :meth:`interface` for each captured interface before the
    run, hang the taps on the interfaces, add :meth:`on_event` as a tracer sink."""

    def __init__(self, path, epoch_s: int = 0):
        self.path = str(path)
        self.offset_ns = epoch_s * 1_000_000_000
        self.frames = 0
        self._file = open(path, "wb")
        body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
        self._file.write(_block(BLOCK_SHB, body + _options([_option(SHB_USERAPPL, b"netsim")])))
        self.taps: list[_Tap] = []
        self._held: list = []           # [tap, ns, data, comments] of the latest time seen
        self._pending: list[str] = []   # comments for the next frame

    def interface(self, name: str, node: str, fcs: bool = False) -> _Tap:
        options = [_option(IF_NAME, name.encode()), _option(IF_TSRESOL, b"\x09")]
        if fcs:
            options.append(_option(IF_FCSLEN, b"\x04"))
        body = struct.pack("<HHI", LINKTYPE_ETHERNET, 0, SNAPLEN) + _options(options)
        self._file.write(_block(BLOCK_IDB, body))
        tap = _Tap(self, len(self.taps), node, fcs)
        self.taps.append(tap)
        return tap

    def packet(self, tap: _Tap, ns: int, data: bytes) -> None:
        if self._held and self._held[-1][1] != ns:
            self._flush()
        self._held.append([tap, ns, data, self._pending])
        self._pending = []

    def on_event(self, event: dict) -> None:
        """Tracer sink: a drop or run event becomes a comment."""
        kind = event["event"]
        if kind != "drop" and kind not in RUN_EVENTS:
            return
        text = describe(event)
        if kind == "drop":
            for held in reversed(self._held):
                if held[0].node == event["node"] and held[1] == event["ns"]:
                    held[3].append(text)
                    return
        self._pending.append(text)

    def _flush(self) -> None:
        for tap, ns, data, comments in self._held:
            self._write_epb(tap.index, ns, data, comments)
        self._held = []

    def _write_epb(self, index: int, ns: int, data: bytes, comments: list[str]) -> None:
        ts = ns + self.offset_ns
        options = _options([_option(OPT_COMMENT, c.encode()) for c in comments])
        body = (struct.pack("<IIIII", index, ts >> 32, ts & 0xFFFFFFFF, len(data), len(data))
                + data + bytes(-len(data) % 4) + options)
        self._file.write(_block(BLOCK_EPB, body))
        self.frames += 1

    def close(self) -> None:
        if self._pending and self._held:
            self._held[-1][3].extend(self._pending)
        self._flush()
        self._file.close()


def read_pcapng(path) -> list[tuple[str, int, bytes]]:
    """The packets of a little-endian pcapng file as ``(interface name, ns, bytes)``, in
    file order (timestamps read at the interface's ``if_tsresol``, 10^-6 s by default)."""
    data = open(path, "rb").read()
    names, scales, packets, at = [], [], [], 0
    while at + 12 <= len(data):
        kind, length = struct.unpack_from("<II", data, at)
        if length < 12 or at + length > len(data):
            raise ValueError(f"{path}: truncated block at byte {at}")
        body = data[at + 8:at + length - 4]
        if kind == BLOCK_IDB:
            options = _read_options(body[8:])
            names.append(options.get(IF_NAME, b"").decode(errors="replace"))
            resol = options.get(IF_TSRESOL, b"\x06")[0]
            scales.append(10 ** (9 - resol) if resol <= 9 else 1)
        elif kind == BLOCK_EPB:
            index, high, low, captured, _ = struct.unpack_from("<IIIII", body)
            packets.append((names[index], ((high << 32) | low) * scales[index],
                            body[20:20 + captured]))
        at += length
    return packets


def _read_options(raw: bytes) -> dict[int, bytes]:
    options, at = {}, 0
    while at + 4 <= len(raw):
        code, length = struct.unpack_from("<HH", raw, at)
        if code == OPT_ENDOFOPT:
            break
        options.setdefault(code, raw[at + 4:at + 4 + length])
        at += 4 + length + (-length % 4)
    return options
