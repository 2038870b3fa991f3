"""Backpressure at the sender's own NIC, as Linux's qdisc and TSQ give it.

On Linux a TCP socket never loses a segment to its own interface queue:
TCP Small Queues caps what one socket may have in the qdisc and the driver,
and a segment the qdisc refuses stays in the socket's write queue and is
sent again when transmit completions free room (``tcp_tsq_handler``). Here
the interface queue is the link ``Channel``'s drop-tail FIFO; before a
segment is handed down, ``TxQueue`` asks the channel whether it has room.
If not (or while earlier segments already wait), the segment waits here, in
order, and the channel calls back when its transmitter takes the next
frame off its queue — the moment a slot frees, with no extra event. The
connection has already counted the segment as sent: its RTT samples and
RTO include the time it waited, exactly as if the queue had been longer.
"""

from collections import deque

FRAME_OVERHEAD = 14 + 4 + 20         # Ethernet header + FCS, IPv4 header
MIN_FRAME = 14 + 4 + 46


class TxQueue:
    def __init__(self, ip, transmit):
        self.ip = ip
        self._transmit = transmit                # transmit(endpoint, segment): to IP now
        self._waiting: dict = {}                 # Channel → deque of (endpoint, segment)

    def send(self, ep, seg) -> None:
        """Transmit ``seg`` now if its interface queue has room, else when it has."""
        route = None if ep.loopback else self.ip.routes.lookup_int(ep.remote[0]._ip)
        channel = route.iface.channel if route is not None else None
        if channel is not None:
            waiting = self._waiting.get(channel)
            if waiting is not None:
                waiting.append((ep, seg))
                return
            if not channel.has_room(max(FRAME_OVERHEAD + len(seg), MIN_FRAME)):
                self._waiting[channel] = deque(((ep, seg),))
                channel.notify_room(self._room)
                return
        self._transmit(ep, seg)

    def waiting(self) -> int:
        """Segments held back, all interfaces together."""
        return sum(len(q) for q in self._waiting.values())

    def _room(self, channel) -> None:
        waiting = self._waiting[channel]
        while waiting and (not channel.link.up or channel.has_room(
                max(FRAME_OVERHEAD + len(waiting[0][1]), MIN_FRAME))):
            ep, seg = waiting.popleft()
            self._transmit(ep, seg)
        if waiting:
            channel.notify_room(self._room)
        else:
            del self._waiting[channel]
