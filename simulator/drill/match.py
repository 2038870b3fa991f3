"""Comparing the segments the host sends with the script's ``>`` lines.

Sequence numbers are mapped as packetdrill maps them (socket.h): the host's
first SYN (or SYN-ACK) fixes the offset between its live ISN and the script's,
so the script's numbers are relative; the peer's SYN (or SYN-ACK) is sent as
written and fixes the peer's ISN, and its later segments' numbers (and the
host's ACKs and SACK blocks of them) are relative to it.
Timestamps likewise: the first outbound TSval the script names is the base
that inbound TSecr values are translated against. Field mismatches are
reported in packetdrill's words (``live packet field tcp_ack_seq: expected:
1 (0x1) vs actual: 1001 (0x3e9)``).
"""

from dataclasses import dataclass, replace

from simulator.drill.model import ANY_OPTIONS, PacketSpec, TcpOptionSpec
from simulator.wire.tcp import (ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG, Eol, FastOpen,
                                Mss, Nop, Sack, SackPermitted, Timestamps, WindowScale)

MOD = 1 << 32
# Back-to-back segments of one TSO burst reach the peer this close together (a
# 1514-byte frame takes 121 ns at the link's 100 Gbps).
BURST_GAP_NS = 10_000
_FLAG_BITS = (("F", FIN), ("S", SYN), ("R", RST), ("P", PSH), ("U", URG), ("E", ECE),
              ("W", CWR), ("A", AE), (".", ACK))
# packetdrill's field names, in the order verify_tcp() checks them
_FIELD_ORDER = (("tcp_fin", FIN), ("tcp_syn", SYN), ("tcp_rst", RST), ("tcp_psh", PSH),
                ("tcp_ack", ACK), ("tcp_urg", URG), ("tcp_ece", ECE), ("tcp_cwr", CWR),
                ("tcp_ae", AE))


# packetdrill's -D definitions of the Linux suite's IPv4 runs (run_all.py): the
# cookie of 192.0.2.1 → 192.168.0.1 under the test box's tcp_fastopen_key, and the
# ICMP code the icmp scripts send
DEFINES = {"TFO_COOKIE": "3021b9d889017eeb", "CODE": "host_unreachable"}


def cookie_hex(values: tuple) -> str:
    """An ``FO``/``FOEXP`` option's cookie as lowercase hex ("" for a request);
    ValueError if it is neither hex nor a known definition."""
    if not values:
        return ""
    text = DEFINES.get(values[0], values[0]).lower()
    bytes.fromhex(text)
    return text


def flag_bits(letters: str) -> int:
    bits = 0
    for letter, bit in _FLAG_BITS:
        if letter in letters:
            bits |= bit
    return bits


def flag_letters(bits: int) -> str:
    letters = "".join(letter for letter, bit in _FLAG_BITS if bits & bit)
    return letters or "-"


@dataclass(frozen=True)
class Observed:
    """An outbound segment in script space, as the matcher sees it."""

    time_ns: int
    flags: int
    seq: int
    length: int
    ack: int
    win: int
    urg: int
    options: tuple          # of TcpOptionSpec
    ecn: int = 0            # the IP ECN field

    def __str__(self):
        text = f"{flag_letters(self.flags)} {self.seq}:{(self.seq + self.length) % MOD}" \
               f"({self.length})"
        if self.flags & ACK:
            text += f" ack {self.ack}"
        text += f" win {self.win}"
        if self.options:
            text += " <" + ",".join(map(str, self.options)) + ">"
        return text


def spec_str(spec: PacketSpec) -> str:
    """The script line's packet, in packetdrill's short form."""
    if spec.protocol == "icmp":
        text = " ".join(filter(None, ("icmp", spec.icmp_type, spec.icmp_code)))
        if spec.icmp_mtu is not None:
            text += f" mtu {spec.icmp_mtu}"
        if spec.icmp_quoted is not None:
            quoted = spec.icmp_quoted
            text += f" [{quoted.seq}:{quoted.end}({quoted.length})]"
        return text
    text = f"{spec.flags} {spec.seq}:{spec.end}({spec.length})"
    if spec.ack is not None:
        text += f" ack {spec.ack}"
    if spec.win is not None:
        text += f" win {spec.win}"
    if spec.options == ANY_OPTIONS:
        text += " <...>"
    elif spec.options:
        text += " <" + ",".join(map(str, spec.options)) + ">"
    return text


class SeqSpace:
    """The live↔script mappings of one connection (packetdrill's socket state)."""

    def __init__(self):
        self.local_offset: int | None = None    # live ISN − script ISN, host side
        self.local_isn = 0                      # the host's live ISN
        self.remote_isn = 0                     # the peer's ISN (its SYN's seq as written)
        self.ts_map: dict[int, int] = {}        # script TSval -> live TSval
        self.ts_base: tuple[int, int] | None = None   # (first script TSval, live TSval)

    def learn_local_isn(self, script_seq: int, live_seq: int) -> None:
        self.local_offset = (live_seq - script_seq) % MOD
        self.local_isn = live_seq

    def _local(self, syn: bool) -> int:
        """packetdrill's local offset: a SYN's numbers against the script's ISN,
        every other segment's relative to the ISN (the script's ISN aside)."""
        return (self.local_offset or 0) if syn else self.local_isn

    def local_to_script(self, live: int, syn: bool = False) -> int:
        return (live - self._local(syn)) % MOD

    def local_to_live(self, script: int, syn: bool = False) -> int:
        return (script + self._local(syn)) % MOD

    def remote_to_live(self, script: int) -> int:
        """A peer sequence number of a segment without SYN, script → live."""
        return (script + self.remote_isn) % MOD

    def remote_to_script(self, live: int) -> int:
        return (live - self.remote_isn) % MOD

    def ecr_to_live(self, script_ecr: int) -> int:
        if script_ecr in self.ts_map:
            return self.ts_map[script_ecr]
        if self.ts_base is None:
            return script_ecr
        return (script_ecr - self.ts_base[0] + self.ts_base[1]) % MOD

    def observe_ts(self, script_val: int, live_val: int) -> int:
        """Record an outbound TSval; return it in script space."""
        self.ts_map[script_val] = live_val
        if self.ts_base is None:
            self.ts_base = (script_val, live_val)
        return (self.ts_base[0] + live_val - self.ts_base[1]) % MOD


def wire_options_to_specs(options, map_sack=None) -> tuple:
    specs = []
    for opt in options:
        kind = type(opt)
        if kind is Nop:
            specs.append(TcpOptionSpec("nop"))
        elif kind is Eol:
            specs.append(TcpOptionSpec("eol"))
        elif kind is Mss:
            specs.append(TcpOptionSpec("mss", (opt.value,)))
        elif kind is WindowScale:
            specs.append(TcpOptionSpec("wscale", (opt.shift,)))
        elif kind is SackPermitted:
            specs.append(TcpOptionSpec("sackOK"))
        elif kind is Sack:
            edges = [map_sack(e) if map_sack else e for block in opt.blocks for e in block]
            specs.append(TcpOptionSpec("sack", tuple(edges)))
        elif kind is Timestamps:
            specs.append(TcpOptionSpec("TS", (opt.tsval, opt.tsecr)))
        elif kind is FastOpen:
            specs.append(TcpOptionSpec("FOEXP" if opt.experimental else "FO",
                                       (opt.cookie.hex(),) if opt.cookie else ()))
        else:
            specs.append(TcpOptionSpec(f"kind{opt.kind}"))
    while len(specs) > 1 and specs[-1].name == "eol":      # header padding
        specs.pop()
    return tuple(specs)


def _field(name: str, expected: int, actual: int) -> str:
    return (f"live packet field {name}: expected: {expected} (0x{expected:x}) "
            f"vs actual: {actual} (0x{actual:x})")


# the IP ECN field (RFC 3168 §5) of a written codepoint
ECN_CODEPOINTS = {"noecn": 0, "ect1": 1, "ect0": 2, "ce": 3}


def compare(spec: PacketSpec, actual: Observed, ts_tolerance=None) -> str | None:
    """The first difference packetdrill would report, or None when they match.
    ``ts_tolerance`` (usecs per TS tick, tolerance usecs) checks TSval drift."""
    if spec.length != actual.length:
        return f"live packet payload: expected {spec.length} bytes vs actual {actual.length} bytes"
    if spec.ecn == "ect01":
        if actual.ecn not in (1, 2):
            return f"live packet field ip_ecn: expected: 0x1 or 0x2 vs actual: 0x{actual.ecn:x}"
    elif spec.ecn is not None and ECN_CODEPOINTS[spec.ecn] != actual.ecn:
        return _field("ip_ecn", ECN_CODEPOINTS[spec.ecn], actual.ecn)
    want = flag_bits(spec.flags)
    for name, bit in _FIELD_ORDER:
        if (want & bit) != (actual.flags & bit):
            return _field(name, int(bool(want & bit)), int(bool(actual.flags & bit)))
    if spec.seq != actual.seq:
        return _field("tcp_seq", spec.seq, actual.seq)
    if (spec.ack or 0) != (actual.ack if actual.flags & ACK else 0):
        return _field("tcp_ack_seq", spec.ack or 0, actual.ack if actual.flags & ACK else 0)
    if spec.win is not None and spec.win != actual.win:
        return _field("tcp_window", spec.win, actual.win)
    if (spec.urg or 0) != actual.urg:
        return _field("tcp_urg_ptr", spec.urg or 0, actual.urg)
    if spec.options != ANY_OPTIONS:
        problem = _compare_options(tuple(spec.options or ()), actual.options, ts_tolerance)
        if problem:
            return problem
    return None


def _compare_options(want: tuple, got: tuple, ts_tolerance) -> str | None:
    if len(want) != len(got) or any(w.name != g.name for w, g in zip(want, got)):
        return ("bad outbound TCP options: expected <" + ",".join(map(str, want)) +
                "> vs actual <" + ",".join(map(str, got)) + ">")
    for w, g in zip(want, got):
        if w.name == "TS":           # packetdrill checks TSval only with --tcp_ts_tick_usecs
            if ts_tolerance and abs(((g.values[0] - w.values[0] + (1 << 31)) % MOD) - (1 << 31)) \
                    * ts_tolerance[0] > ts_tolerance[1]:
                return f"bad outbound TCP timestamp value, tolerance {ts_tolerance[1]}"
        elif w.name in ("FO", "FOEXP"):
            try:
                same = cookie_hex(w.values) == cookie_hex(g.values)
            except ValueError:
                same = False
            if not same:
                return (f"bad value in outbound TCP option ({w.name}): expected: {w} "
                        f"actual: {g}")
        elif w.values != g.values:
            return (f"bad value in outbound TCP option ({w.name}): expected: {w} actual: {g}")
    return None


def can_coalesce(first: Observed, last: Observed, nxt: Observed) -> bool:
    """Linux's TSO view: ``nxt`` continues the burst ``first..last`` (contiguous data,
    same ACK, same flags but PSH/FIN, equal-sized earlier pieces)."""
    keep = ~(PSH | FIN)
    return (nxt.length > 0 and last.length > 0 and not last.flags & FIN
            and nxt.time_ns - last.time_ns <= BURST_GAP_NS
            and nxt.seq == (last.seq + last.length) % MOD and nxt.ack == last.ack
            and (nxt.flags & keep) == (first.flags & keep)
            and (last is first or last.length == first.length))


def coalesce(parts: list[Observed]) -> Observed:
    """One segment out of a TSO burst: the first header, the flags of all."""
    first, last = parts[0], parts[-1]
    flags = first.flags
    for part in parts[1:]:
        flags |= part.flags
    return replace(first, flags=flags, length=sum(p.length for p in parts), win=last.win)
