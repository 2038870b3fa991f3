"""traceroute, as Linux's traceroute prints it.

Probes go out with TTL 1, 2, 3..., ``probes`` per hop (3 by default). UDP
mode (the default) sends to port 33434 and up, one port per probe; ICMP
mode (``-I``) sends echo requests. A router that drops a probe for TTL
answers with Time Exceeded (its address is the hop); the destination answers
with Port Unreachable (UDP) or an echo reply (ICMP), which ends the trace.
Other unreachables are shown as Linux does: ``!N``, ``!H``, ``!P``, ``!F``.
A probe with no answer within ``wait`` is a ``*``. The trace stops after
the hop where the destination, or an unreachable, answered; ``reached``
says whether the destination itself did. A probe the host cannot send (no
route) ends the trace at once with Linux's message (``connect: Network is
unreachable``; ``send: ...`` with ``-I``), as ping reports it. Unlike Linux, which sends
up to 16 probes at once, probes are sent one after the other, so no probe
ever waits behind another's ARP resolution.
"""

from pydantic import Field

from simulator.apps import checks
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.lifecycle import Stoppable, process
from simulator.spec.values import S, Bool, Bytes, Int, IPv4Addr, Nanoseconds
from simulator.wire.icmp import DEST_UNREACHABLE, ECHO_REPLY, PORT_UNREACHABLE, IcmpEcho
from simulator.wire.ipv4 import PROTO_ICMP

SECOND = 1_000_000_000
BASE_PORT = 33434
ANNOTATIONS = {0: " !N", 1: " !H", 2: " !P", 4: " !F"}


class Traceroute(Stoppable):
    kind = "traceroute"

    def __init__(self, host, dst, max_hops: int = 30, probes: int = 3, wait_ns: int = 5 * SECOND,
                 size: int = 60, icmp: bool = False, port: int = BASE_PORT, name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.max_hops, self.probes, self.wait_ns = dst, max_hops, probes, wait_ns
        self.size, self.icmp, self.port = size, icmp, port
        self.name = name or "traceroute"
        self.hops: list[dict] = []
        self.reached = False
        self.error = None                # why a probe could not be sent, if one could not
        self.lines: list[str] = []
        self._waiting_for = None         # the key of the probe in flight
        self._answer = None
        self._socket = None
        self._ident = None

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        env = self.sim.env
        if self.icmp:
            self._ident = self.host.icmp.bind_echo(self)
        else:
            self._socket = self.host.udp.bind(0)
            self._socket.on_error = self.on_error
        self.lines.append(f"traceroute to {self.dst} ({self.dst}), {self.max_hops} hops max, "
                          f"{self.size} byte packets")
        sequence = 0
        for ttl in range(1, self.max_hops + 1):
            answers, stop = [], False
            for _ in range(self.probes):
                sequence += 1
                self._answer = env.event()
                sent = env.now
                self._waiting_for, error = self._send(ttl, sequence)
                if error is not None:
                    self.lines.append(f"{'send' if self.icmp else 'connect'}: {error}")
                    self.error = error
                    break
                outcome = yield self._answer | env.timeout(self.wait_ns)
                self._waiting_for = None
                if self._answer in outcome:
                    reporter, final, note = self._answer.value
                    answers.append({"addr": str(reporter), "rtt_ns": env.now - sent, "note": note})
                    self.reached = self.reached or reporter == self.dst
                    stop = stop or final
                else:
                    answers.append(None)
            if self.error is not None:
                break
            self.hops.append({"ttl": ttl, "probes": answers})
            self.lines.append(self._format(ttl, answers))
            if stop:
                break
        self.release()

    def release(self) -> None:
        """No more probes: the hops completed so far are the result (as traceroute
        interrupted mid-line)."""
        self._waiting_for = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _send(self, ttl: int, sequence: int):
        """Send one probe: (the key its answer will carry, the send error or None)."""
        data = bytes(self.size - 28)
        if self.icmp:
            request = IcmpEcho.request(self._ident, sequence, data)
            return sequence, self.host.ip.send(self.dst, PROTO_ICMP, request, ttl=ttl)
        port = self.port + sequence - 1
        return port, self._socket.sendto(data, self.dst, port, ttl=ttl)

    def _key(self, quoted):
        return quoted.seq if self.icmp else quoted.dst_port

    def _resolve(self, reporter, final: bool, note: str) -> None:
        if not self._answer.triggered:
            self._answer.succeed((reporter, final, note))

    def on_error(self, reporter, message, quoted) -> None:
        if self._waiting_for is None or self._key(quoted) != self._waiting_for:
            return
        if message.type == DEST_UNREACHABLE:
            final = True
            note = "" if message.code == PORT_UNREACHABLE and not self.icmp else ANNOTATIONS.get(
                message.code, f" !<{message.code}>")
        else:
            final, note = False, ""
        self._resolve(reporter, final, note)

    def on_echo_reply(self, packet, message) -> None:
        if message.type == ECHO_REPLY and message.seq == self._waiting_for:
            self._resolve(packet.src, True, "")

    @staticmethod
    def _format(ttl: int, answers: list) -> str:
        line, last = f"{ttl:2d} ", None
        for answer in answers:
            if answer is None:
                line += " *"
                continue
            if answer["addr"] != last:
                line += f" {answer['addr']} ({answer['addr']})"
                last = answer["addr"]
            line += f"  {answer['rtt_ns'] / 1e6:.3f} ms{answer['note']}"
        return line

    def result(self) -> dict:
        return {"app": "traceroute", "name": self.name, "node": self.host.name,
                "dst": str(self.dst), "reached": self.reached,
                "error": None if self.error is None else self.error.errno.name,
                "hops": [next((p["addr"] for p in h["probes"] if p), None) for h in self.hops],
                "detail": self.hops, "output": self.lines}


class TracerouteSpec(AppSpec):
    """traceroute as Linux does it: probes with TTL 1, 2, 3, … until the destination answers."""

    dst: IPv4Addr = Field(description="destination")
    max_hops: Int = Field(30, ge=1, le=255, description="highest TTL tried (`-m`)")
    probes: Int = Field(3, ge=1, le=10, description="probes per hop (`-q`)")
    wait: Nanoseconds = Field(5 * S, gt=0, description=(
        "how long to wait for each probe's answer (`-w`)"))
    size: Bytes = Field(60, ge=28, le=65535, description=(
        "whole IP packet of a probe (Linux's packet length)"))
    icmp: Bool = Field(False, description="ICMP echo probes instead of UDP (`-I`)")
    port: Int = Field(BASE_PORT, ge=1, le=65535, description=(
        "first UDP destination port (`-p`); unused with `icmp`"))


def build(node, spec: TracerouteSpec, name: str) -> Traceroute:
    return Traceroute(node, spec.dst, max_hops=spec.max_hops, probes=spec.probes,
                      wait_ns=spec.wait, size=spec.size, icmp=spec.icmp, port=spec.port, name=name)


def role(spec: TracerouteSpec) -> Role | None:
    """UDP probes leave from an ephemeral port; ICMP echo probes bind none."""
    return None if spec.icmp else Role.UDP_CLIENT


TRACEROUTE = AppKind("traceroute", TracerouteSpec, build,
                     (checks.REACHED, checks.HOPS, checks.OUTPUT_CONTAINS), role)
