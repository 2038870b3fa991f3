"""The path MTU cache of a host (RFC 1191).

Learned from ICMP "fragmentation needed" messages (§4): the next-hop MTU
they carry, or, from a router too old to fill it in, the next plateau below
the size of the datagram that did not fit (§5, Table 7-1). Only ever
lowered by a message; an entry is forgotten ``expiry`` after it was learned
(§6.3 suggests 10 minutes), so a path that grew is tried again.
"""

PLATEAUS = (65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68)
MIN_MTU = 68                                    # RFC 791: every host must take 68 bytes


class PmtuCache:
    def __init__(self, sim, expiry_ns: int = 600_000_000_000):
        self.sim = sim
        self.expiry_ns = expiry_ns
        self._entries: dict = {}                # destination → (mtu, expires_ns)

    def get(self, dst) -> int | None:
        if not self._entries:
            return None                         # the usual case: no hashing of ``dst``
        entry = self._entries.get(dst)
        if entry is None:
            return None
        if self.sim.env.now >= entry[1]:
            del self._entries[dst]
            return None
        return entry[0]

    def update(self, dst, next_hop_mtu: int, datagram_len: int) -> int:
        """Record a "fragmentation needed" report about a datagram to ``dst``."""
        if next_hop_mtu == 0 or next_hop_mtu >= datagram_len:
            next_hop_mtu = next(p for p in PLATEAUS if p < datagram_len or p == MIN_MTU)
        mtu = max(next_hop_mtu, MIN_MTU)
        current = self.get(dst)
        if current is None or mtu < current:
            self._entries[dst] = (mtu, self.sim.env.now + self.expiry_ns)
        return self.get(dst)

    def entries(self) -> dict[str, int]:
        return {str(dst): mtu for dst, (mtu, _) in sorted(self._entries.items())}
