"""An IEEE 802.1D transparent learning bridge over a set of ports.

The source MAC of every frame is learned against its ingress port; a known
unicast destination leaves by its one port, broadcast, multicast and unknown
unicast are flooded to every port but the ingress. A frame whose
destination sits behind its own ingress port is filtered. Entries age out
(300 s by default, 802.1D §7.9.2); a full table learns nothing new until
entries age out, so unknown hosts are flooded (the classic CAM overflow).

A port is anything with ``send(frame)``: a NIC, or the routed interface of an
L3 switch. With spanning tree (``simulator.stack.stp``) ``ports`` holds the
forwarding ports only and ``blocked`` the others: nothing is sent to those.

With tracing on, a new or moved entry is traced (``learn``) and so is every
flood with its cause (``flood``: ``unknown``, ``aged out``, ``broadcast``,
``multicast``).
"""

from simulator.wire.addr import MacAddress

SECOND = 1_000_000_000


class Bridge:
    def __init__(self, sim, ports=(), aging_ns: int = 300 * SECOND, table_size: int = 8192):
        self.sim = sim
        self.ports = list(ports)
        self.aging_ns = aging_ns
        self.table_size = table_size
        self.mac_port: dict = {}        # MAC → port
        self.mac_seen: dict = {}        # MAC → last time seen as a source (ns)
        self.filtered = 0
        self.blocked: set = set()       # ports spanning tree keeps from forwarding

    def forward(self, ingress, frame) -> None:
        now = self.sim.env.now
        src = frame.src
        if not src[0] & 1:
            self._learn(src, ingress, now)
        dst = frame.dst
        why = None                          # a group address
        if not dst[0] & 1:
            out = self.mac_port.get(dst)
            why = "unknown"
            if out is not None:
                if now - self.mac_seen[dst] <= self.aging_ns:
                    if out is ingress:
                        self.filtered += 1
                    elif out not in self.blocked:
                        out.send(frame)
                    return
                del self.mac_port[dst], self.mac_seen[dst]
                why = "aged out"
        tracer = self.sim.tracer
        if tracer.on:
            why = why or ("broadcast" if dst == MacAddress.BROADCAST else "multicast")
            tracer.emit(_owner(ingress), "l2", "flood", dst=str(dst), why=why, port=ingress.name)
        for out in self.ports:
            if out is not ingress:
                out.send(frame)

    def learn(self, mac, port) -> None:
        """Learn a unicast source address without forwarding (an STP learning port)."""
        if not mac[0] & 1:
            self._learn(mac, port, self.sim.env.now)

    def forget_port(self, port) -> None:
        """Drop the entries learned on ``port`` (it stopped forwarding)."""
        for mac in [m for m, p in self.mac_port.items() if p is port]:
            del self.mac_port[mac], self.mac_seen[mac]

    def _learn(self, mac, port, now) -> None:
        table = self.mac_port
        if mac not in table and len(table) >= self.table_size:
            self._age_out(now)
            if len(table) >= self.table_size:
                return
        tracer = self.sim.tracer
        if tracer.on and table.get(mac) is not port:
            moved = table.get(mac)
            tracer.emit(_owner(port), "l2", "learn", mac=str(mac), port=port.name,
                        was=None if moved is None else moved.name)
        table[mac] = port
        self.mac_seen[mac] = now

    def _age_out(self, now) -> None:
        for mac in [m for m, seen in self.mac_seen.items() if now - seen > self.aging_ns]:
            del self.mac_port[mac], self.mac_seen[mac]

    def table(self) -> dict[str, str]:
        """The learned MAC table as text, for summaries."""
        return {str(mac): port.name for mac, port in sorted(self.mac_port.items())}


def _owner(port) -> str:
    """The name of the node a bridge port belongs to (an L3 switch's SVI: its switch)."""
    node = getattr(port, "node", None)
    return (node or port.svi.node).name
