"""The ephemeral port range and its allocator, shared by TCP and UDP.

Linux picks local ports for ``connect()`` and ``bind(0)`` from
``net.ipv4.ip_local_port_range`` = 32768–60999. This allocator walks that
range from the port after the last one it gave out, wrapping at the end, and
returns the first port the caller's test accepts (TCP's test is 4-tuple
aware: a port may serve several connections to different peers).
"""

from typing import Callable

EPHEMERAL_PORTS = range(32768, 61000)      # Linux net.ipv4.ip_local_port_range


class PortAllocator:
    def __init__(self, ports: range = EPHEMERAL_PORTS):
        self.ports = ports
        self._next = ports.start

    def allocate(self, usable: Callable[[int], bool]) -> int | None:
        """The first port with ``usable(port)`` true, or None when all are taken."""
        first, count = self.ports.start, len(self.ports)
        offset = self._next - first
        for i in range(count):
            port = first + (offset + i) % count
            if usable(port):
                self._next = port + 1 if port + 1 < self.ports.stop else first
                return port
        return None
