"""Named, seeded random streams.

Every random draw in a run comes from a stream named for what it models
(``link:pc1-sw#0:pc1>sw:loss``: the link's two nodes, its index among the
links between them, the direction and the fault), derived from the scenario seed and the name
alone. Adding a node or a fault elsewhere therefore never shifts what an
unrelated stream draws, and the same seed gives the same run. A
``random.Random`` holds 2.5 KB of state, so the streams every link direction
and interface may draw from (loss, jitter, ARP's reachable time...) are
``lazy``: made on their first draw, and most never are.
"""

import hashlib
import random


class RngStreams:
    """A factory of independent ``random.Random`` streams keyed by name."""

    def __init__(self, seed: int):
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def stream(self, name: str) -> random.Random:
        """The stream called ``name``; the same object on every call."""
        rng = self._streams.get(name)
        if rng is None:
            digest = hashlib.sha256(f"{self.seed}:{name}".encode()).digest()
            rng = self._streams[name] = random.Random(int.from_bytes(digest[:16], "big"))
        return rng

    def lazy(self, name: str) -> "LazyStream":
        """The stream called ``name``, made on its first draw."""
        return LazyStream(self, name)


class LazyStream:
    """Stands for ``streams.stream(name)``: the first use of a drawing method
    (``random``, ``randrange``...) makes the stream and keeps the bound method."""

    def __init__(self, streams: RngStreams, name: str):
        self._streams = streams
        self._name = name

    def __getattr__(self, method: str):
        if method.startswith("_"):            # not a drawing method (copy, pickle...)
            raise AttributeError(method)
        bound = getattr(self._streams.stream(self._name), method)
        setattr(self, method, bound)
        return bound
