"""IEEE 802.1D spanning tree (the classic protocol, 802.1D-1998 §8 / 802.1D-2004 §17 timers).

Every bridge starts out believing it is the root and sends Configuration BPDUs
on all its ports. A bridge keeps, per port, the best BPDU heard there (root id,
root path cost, designated bridge, designated port: smaller is better) and from
them computes:

* the root: the smallest root id heard or its own bridge id;
* its root port: the port with the best (root, cost + port path cost,
  designated bridge, designated port, own port id);
* its designated ports: those where the BPDU it would send beats the one
  recorded there (or the recorded one is its own);
* every other port is blocking (an alternate or backup port).

The root sends BPDUs every ``hello_time`` on its designated ports; the others
relay them down the tree when one arrives on their root port (message age + 1 s),
and answer an inferior BPDU heard on a designated port. Information not
refreshed within ``max_age`` is discarded. A port joining the tree goes
blocking → listening → learning → forwarding, one ``forward_delay`` (15 s) for
each of the last two steps, so a port forwards 30 s after it is chosen; a port
leaving the tree blocks at once. Frames other than BPDUs received on a port
that is not learning or forwarding are dropped (``STP_DISCARDING``).

Topology change (§8.5.5, §8.6.14, §8.6.15): when a port starts forwarding or
stops, the bridge sends a TCN BPDU on its root port every hello time until a
Configuration BPDU with TCA comes back; the designated bridge acknowledges and
passes the TCN up. The root then sets TC in its BPDUs for max age + forward
delay (35 s), and while a bridge hears TC its MAC entries age out after
forward delay (15 s) instead of ``aging``, so stale entries pointing into the
old tree go quickly.

Port path cost: 802.1D-2004 Table 17-3, 20 Tb/s ÷ link rate (100 Mb/s → 200,000).
"""

from __future__ import annotations

from simulator.wire.ethernet import EthernetFrame
from simulator.wire.stp import CONFIG, FLAG_TC, FLAG_TCA, STP_GROUP, TCN, Bpdu, BridgeId

SECOND = 1_000_000_000
MESSAGE_AGE_INCREMENT = SECOND
BLOCKING, LISTENING, LEARNING, FORWARDING, DISABLED = (
    "blocking", "listening", "learning", "forwarding", "disabled")


def path_cost(rate_bps: int) -> int:
    """802.1D-2004 Table 17-3 recommended port path cost for a link rate."""
    return min(max(20_000_000_000_000 // rate_bps, 1), 200_000_000)


class _Port:
    __slots__ = ("iface", "id", "state", "role", "info", "info_seen", "generation")

    def __init__(self, iface, number: int):
        self.iface = iface
        self.id = 0x8000 | number           # default port priority 128, 802.1D-2004 §17.13.10
        self.state = BLOCKING
        self.role = "designated"
        self.info: Bpdu | None = None       # the best configuration BPDU recorded here
        self.info_seen = 0                  # when it was received (ns)
        self.generation = 0                 # bumped to cancel the pending state step

    @property
    def cost(self) -> int:
        return path_cost(self.iface.link.rate) if self.iface.link is not None else 200_000_000


def _vector(bpdu: Bpdu) -> tuple:
    return (bpdu.root, bpdu.cost, bpdu.bridge, bpdu.port)


class SpanningTree:
    def __init__(self, switch, priority: int = 32768, max_age: int = 20 * SECOND,
                 hello_time: int = 2 * SECOND, forward_delay: int = 15 * SECOND):
        self.switch = switch
        self.sim = switch.sim
        self.bridge = switch.bridge
        self.priority = priority
        self.max_age, self.hello_time, self.forward_delay = max_age, hello_time, forward_delay
        self.ports: dict = {}               # interface → _Port
        self.bridge_id: BridgeId | None = None
        self.root_id: BridgeId | None = None
        self.root_cost = 0
        self.root_port: _Port | None = None
        self.topology_change = False        # TC set: in our BPDUs, and short MAC aging
        self.tc_detected = False            # a TCN is being sent towards the root
        self._tc_generation = 0             # cancels the root's TC timer or the TCN timer
        self._aging = switch.bridge.aging_ns
        self.sim.link_listeners.append(self._link_changed)

    # ------------------------------------------------------------------ set-up

    def add_port(self, iface) -> None:
        self.ports[iface] = _Port(iface, len(self.ports) + 1)
        self.bridge.blocked.add(iface)

    def start(self) -> None:
        """Begin at time 0: the bridge id is the first port's MAC (802.1D §7.12.5)."""
        first = next(iter(self.ports))
        self.bridge_id = self.root_id = BridgeId(self.priority, bytes(first.mac))
        for port in self.ports.values():
            if port.iface.link is None or not port.iface.link.up:
                self._set_state(port, DISABLED)
        self._recompute()
        self._hello(None)

    # ----------------------------------------------------------------- receive

    def receive(self, iface, frame) -> None:
        """A frame for the STP group address arrived on ``iface`` (802.1D §8.7.1)."""
        port = self.ports[iface]
        bpdu = frame.payload
        if port.state == DISABLED or not isinstance(bpdu, Bpdu):
            return
        if bpdu.type == TCN:
            if port.role == "designated":     # §8.6.15: pass it up, acknowledge it
                self._detect_topology_change()
                self._transmit(port, ack=True)
            return
        if bpdu.type != CONFIG or bpdu.message_age >= bpdu.max_age:
            return
        if port.role == "designated":
            superior = _vector(bpdu) < self._offer(port)
            if not superior:
                self._transmit(port)         # ours is better: tell the sender (§8.6.1.3.3)
                return
        elif port.info is not None and (bpdu.bridge, bpdu.port) != (port.info.bridge,
                                                                      port.info.port) \
                and not _vector(bpdu) < _vector(port.info):
            return                           # neither a refresh nor better: ignored
        port.info = bpdu
        self.sim.call_later(self.max_age - bpdu.message_age, self._age_out, (port, bpdu))
        before = self._signature()
        self._recompute()
        if port is self.root_port:
            self.max_age, self.hello_time = bpdu.max_age, bpdu.hello_time
            self.forward_delay = bpdu.forward_delay
            if bpdu.flags & FLAG_TCA and self.tc_detected:
                self.tc_detected = False     # §8.6.6: the TCN timer stops
                self._tc_generation += 1
            self._set_topology_change(bool(bpdu.flags & FLAG_TC))
            self._send_config()              # relay the root's BPDU down the tree
        elif self._signature() != before:
            self._send_config()

    @property
    def is_root(self) -> bool:
        return self.root_id == self.bridge_id

    def _offer(self, port: _Port) -> tuple:
        """The BPDU vector this bridge sends on ``port``."""
        return (self.root_id, self.root_cost, self.bridge_id, port.id)

    def _signature(self) -> tuple:
        return (self.root_id, self.root_cost, self.root_port,
                tuple(p.role for p in self.ports.values()))

    def _age_out(self, event) -> None:
        port, bpdu = event.value
        if port.info is bpdu:                # not refreshed within max_age (§8.6.11)
            port.info = None
            self._recompute()
            self._send_config()

    def _link_changed(self, link) -> None:
        for iface in (link.a, link.b):
            port = self.ports.get(iface)
            if port is None:
                continue
            port.info = None
            if link.up and port.state == DISABLED:
                self._set_state(port, BLOCKING)
            elif not link.up:
                self._set_state(port, DISABLED)
            self._recompute()
            self._send_config()

    # ------------------------------------------------------------- computation

    def _recompute(self) -> None:
        """Root, root port and port roles from the recorded BPDUs (802.1D §8.6.8, §8.6.9)."""
        candidates = [((p.info.root, p.info.cost + p.cost, p.info.bridge, p.info.port, p.id), p)
                      for p in self.ports.values()
                      if p.info is not None and p.state != DISABLED
                      and p.info.bridge != self.bridge_id]
        best = min(candidates, key=lambda c: c[0], default=None)
        if best is not None and best[0][0] < self.bridge_id:
            (self.root_id, self.root_cost, *_), self.root_port = best
        else:
            self.root_id, self.root_cost, self.root_port = self.bridge_id, 0, None
        for port in self.ports.values():
            if port.state == DISABLED:
                port.role = "disabled"
                continue
            if port is self.root_port:
                port.role = "root"
            elif port.info is None or self._offer(port) <= _vector(port.info):
                port.role, port.info = "designated", None    # the port now holds our information
            else:
                port.role = "alternate" if port.info.bridge != self.bridge_id else "backup"
            if port.role in ("root", "designated"):
                if port.state == BLOCKING:
                    self._set_state(port, LISTENING)
            elif port.state != BLOCKING:
                self._set_state(port, BLOCKING)

    def _set_state(self, port: _Port, state: str) -> None:
        if self.bridge_id is not None and (state == FORWARDING or (
                port.state in (LEARNING, FORWARDING) and state in (BLOCKING, DISABLED))):
            self._detect_topology_change()
        port.state = state
        port.generation += 1
        if state == FORWARDING:
            self.bridge.blocked.discard(port.iface)
        else:
            self.bridge.blocked.add(port.iface)
        if state not in (LEARNING, FORWARDING):
            self.bridge.forget_port(port.iface)
        if state in (LISTENING, LEARNING):
            self.sim.call_later(self.forward_delay, self._step, (port, port.generation))
        self.bridge.ports = [p for p in self.ports if p not in self.bridge.blocked]
        tracer = self.sim.tracer
        if tracer.on:
            tracer.emit(self.switch.name, "stp", "port_state", port=port.iface.name,
                        state=state, role=port.role)

    def _step(self, event) -> None:
        port, generation = event.value
        if generation == port.generation:
            self._set_state(port, LEARNING if port.state == LISTENING else FORWARDING)

    # --------------------------------------------------------- topology change

    def _detect_topology_change(self) -> None:
        """§8.6.14: the root announces TC itself; any other bridge tells the root."""
        if self.is_root:
            self._set_topology_change(True)
            self._tc_generation += 1
            self.sim.call_later(self.max_age + self.forward_delay, self._tc_over,
                                self._tc_generation)
        elif not self.tc_detected:
            self.tc_detected = True
            self._tc_generation += 1
            generation = self._tc_generation       # sent once the roles are recomputed
            self.sim.call_later(0, lambda _event: self._send_tcn(generation))

    def _tc_over(self, event) -> None:
        if event.value == self._tc_generation and self.is_root:
            self._set_topology_change(False)

    def _send_tcn(self, generation) -> None:
        if generation != self._tc_generation or not self.tc_detected or self.root_port is None:
            return
        tcn = Bpdu(type=TCN)
        self.root_port.iface.send(EthernetFrame(STP_GROUP, self.root_port.iface.mac, len(tcn), tcn))
        self.sim.call_later(self.hello_time, lambda _event: self._send_tcn(generation))

    def _set_topology_change(self, on: bool) -> None:
        self.topology_change = on
        self.bridge.aging_ns = self.forward_delay if on else self._aging

    # ----------------------------------------------------------------- sending

    def _hello(self, _event) -> None:
        if self.is_root:
            self._send_config()
        self.sim.call_later(self.hello_time, self._hello)

    def _send_config(self) -> None:
        for port in self.ports.values():
            if port.role == "designated":
                self._transmit(port)

    def _transmit(self, port: _Port, ack: bool = False) -> None:
        root_info = self.root_port.info if self.root_port is not None else None
        message_age = 0 if root_info is None else root_info.message_age + MESSAGE_AGE_INCREMENT
        if message_age >= self.max_age:
            return                             # 802.1D §8.6.2.3.2: too old to pass on
        flags = (FLAG_TC if self.topology_change else 0) | (FLAG_TCA if ack else 0)
        bpdu = Bpdu(flags=flags, root=self.root_id, cost=self.root_cost, bridge=self.bridge_id,
                    port=port.id, message_age=message_age, max_age=self.max_age,
                    hello_time=self.hello_time, forward_delay=self.forward_delay)
        port.iface.send(EthernetFrame(STP_GROUP, port.iface.mac, len(bpdu), bpdu))

    # ----------------------------------------------------------------- summary

    def summary(self) -> dict:
        return {"bridge_id": str(self.bridge_id), "root_id": str(self.root_id),
                "root_cost": self.root_cost,
                "root_port": self.root_port.iface.name if self.root_port else None,
                "ports": {p.iface.name: {"role": p.role, "state": p.state, "cost": p.cost}
                          for p in self.ports.values()}}
