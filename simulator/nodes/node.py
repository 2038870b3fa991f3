"""What every device has: a name, interfaces, and a way to receive frames."""

from simulator.phy.nic import Interface
from simulator.wire.addr import MacAddress


def next_port_name(taken) -> str:
    """The first of p1, p2, ... not already taken (ports can also be named in YAML)."""
    n = 1
    while f"p{n}" in taken:
        n += 1
    return f"p{n}"


class Node:
    kind = "node"
    repeater = False         # a hub: repeats frames bit by bit, FCS unchecked

    def __init__(self, sim, name: str):
        self.sim = sim
        self.name = name
        self.interfaces: dict[str, Interface] = {}

    def add_interface(self, name: str, mac: MacAddress | None = None, mtu: int = 1500) -> Interface:
        if name in self.interfaces:
            raise ValueError(f"{self.name} already has an interface {name}")
        if mac is None:
            mac = MacAddress.local(self.sim.next_mac_index())
        iface = self.interfaces[name] = Interface(self, name, mac, mtu)
        return iface

    def receive(self, iface: Interface, frame) -> None:
        """Called when the last bit of ``frame`` has arrived on ``iface``."""
        raise NotImplementedError

    def counters(self) -> dict:
        """Per-interface counters for the run summary."""
        return {name: {"tx_frames": i.tx_frames, "tx_bytes": i.tx_bytes,
                       "rx_frames": i.rx_frames, "rx_bytes": i.rx_bytes,
                       **({"forwarded": i.forwarded} if i.forwarded else {}),
                       **({"drops": dict(sorted(i.drops.items()))} if i.drops else {})}
                for name, i in self.interfaces.items()}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
