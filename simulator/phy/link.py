"""Full-duplex point-to-point links.

A ``Link`` joins two interfaces with two independent ``Channel``s, one per
direction. A channel is the sending NIC's transmitter: a drop-tail FIFO
queue (limited in packets or bytes; the frame being serialized has left it,
as in Linux qdiscs and ns-3), a serializer at the link rate and a wire with a
propagation delay.

Timing (store-and-forward): a frame whose first bit leaves at ``start``
finishes serialization at ``start + bits / rate`` and its last bit reaches
the peer ``delay`` later, which is when the peer sees it. The queue is
computed analytically from ``busy_until``: a frame that finds the channel
idle costs one SimPy event (its arrival); only a frame that must wait costs
one more (the wake-up when the frame ahead of it is done). A repeater (a
hub) is handed the frame as its first bit arrives, ``ser`` earlier, so it
can repeat it cut-through while every event still happens at its own time.
"""

from collections import deque
from heapq import heappush

from simpy.events import NORMAL

from simulator.engine.drops import Drop
from simulator.engine.trace import json_fields
from simulator.phy.faults import CorruptedFrame, Faults
from simulator.wire.addr import ip_text
from simulator.wire.ipv4 import IPv4Packet

NS_PER_S = 1_000_000_000
_new = object.__new__


class Arrival:
    """A frame on the wire, scheduled for its arrival: an event as SimPy's
    ``Environment.step`` takes one (it reads ``callbacks``, calls each with the event,
    and reads ``_ok``; nothing else). What ``sim.call_later(wait, channel._arrive,
    (frame, epoch))`` pushes, the same heap entry and so the same order, made
    cheaper for every hop: slots, the channel's one callbacks tuple, no value tuple
    (tests/phy/test_arrival.py pins what ``step`` needs)."""

    __slots__ = ("callbacks", "frame", "epoch")
    _ok = True


def serialization_ns(wire_bytes: int, rate_bps: int) -> int:
    """Time to clock ``wire_bytes`` onto a ``rate_bps`` wire, rounded to the nearest ns.

    The one place serialization time is computed.
    """
    return (wire_bytes * 8 * NS_PER_S + rate_bps // 2) // rate_bps


class Channel:
    """One direction of a link: ``src`` interface → ``dst`` interface."""

    def __init__(self, sim, link, src, dst, faults: Faults | None):
        self.sim = sim
        self.link = link
        self.src = src
        self.dst = dst
        self.impairments = faults   # kept when inactive, for a change of loss or jitter
        self.faults = faults if faults is not None and faults.active else None
        self.queue: deque = deque()
        self.queued_bytes = 0
        self.busy_until = 0
        self.epoch = 0              # bumped when the link goes down: frames in flight die
        self._wakeup_pending = False
        self._room_waiters: list = []   # called with the channel when a queue slot frees
        self._series = f"queue:{src.label}"
        self._cut_through = dst.node.repeater   # the peer acts at the first bit, not the last
        self._tx_ns: dict[int, int] = {}        # frame length -> serialization ns, for send_idle
        self._on_arrival = (self._arrive,)      # every Arrival's callbacks
        self._env, self._heap, self._eids = sim.env, sim.env._queue, sim.env._eid  # SimPy's
        self._tx_json: dict = {}                # (MACs, length) -> tx_line's constant part

    def tx_time(self, wire_bytes: int) -> int:
        return serialization_ns(wire_bytes + self.link.overhead_bytes, self.link.rate)

    def send(self, frame) -> None:
        """Queue ``frame`` for transmission."""
        link = self.link
        if not link.up:
            self.src.drop(frame, Drop.LINK_DOWN)
            return
        if frame.wire_len > link.max_frame:
            self.src.drop(frame, Drop.OVERSIZE)
            return
        now = self.sim.env.now
        if self.queue or now < self.busy_until:
            if (len(self.queue) >= link.queue_packets
                    or self.queued_bytes + frame.wire_len > link.queue_bytes):
                self.src.drop(frame, Drop.QUEUE_FULL)
                return
            self.queue.append((frame, now))
            self.queued_bytes += frame.wire_len
            if not self._wakeup_pending:
                self._wakeup_pending = True
                self.sim.call_later(self.busy_until - now, self._wakeup)
            if self.sim.tracer.on:
                self._trace_queue()
            return
        self._transmit(frame, now)

    def send_idle(self, frame) -> bool:
        """The fast path's send: :meth:`send` and :meth:`_transmit` fused for the common
        case (link up, frame within the MTU, channel idle and nothing queued, no faults,
        no capture on the sender). Sends ``frame`` exactly as they would and returns
        True (with the trace on, the caller then calls :meth:`trace_idle`); otherwise
        does nothing and returns False, and the caller takes the layered path."""
        now = self._env._now
        link, src = self.link, self.src
        wire_len = frame.wire_len
        if (now < self.busy_until or self.queue or self.faults is not None or not link.up
                or wire_len > link.max_frame or src.captures):
            return False
        ser = self._tx_ns.get(wire_len)
        if ser is None:
            ser = self._tx_ns[wire_len] = self.tx_time(wire_len)
        self.busy_until = now + ser
        src.tx_frames += 1
        src.tx_bytes += wire_len
        # self._schedule(wait, frame), inlined
        arrival = Arrival()
        arrival.callbacks, arrival.frame, arrival.epoch = self._on_arrival, frame, self.epoch
        wait = link.delay if self._cut_through else ser + link.delay
        heappush(self._heap, (now + wait, NORMAL, next(self._eids), arrival))
        return True

    def trace_idle(self, frame) -> None:
        """Trace the frame :meth:`send_idle` has just sent, as :meth:`_transmit` traces it."""
        now, end = self.sim.env._now, self.busy_until
        self._trace_tx(frame, now, now, end, end + self.link.delay, "ok")

    def tx_line(self, frame, head: bytes, datagram: bytes, enqueued: int) -> bytes:
        """The line of the ``tx`` event of the frame being sent now (its serialization
        ends at ``busy_until``), as the JSON-lines sink would write the record:
        ``head`` is the sink's for now, ``datagram`` the frame's IPv4 datagram's fields
        (``packet_texts``), the rest :meth:`tx_fields`' (``TX_LINE``'s order)."""
        return TX_LINE % (head, self.tx_fields(frame), self.busy_until + self.link.delay,
                          enqueued, datagram, frame.payload.ttl)

    def tx_fields(self, frame) -> bytes:
        """The fields from ``node`` to ``eth_dst`` of :meth:`tx_line`, made once per
        sender and receiver MAC, frame length and rate."""
        ser = self.busy_until - self._env._now
        key = (frame.src, frame.dst, frame.wire_len)
        hit = self._tx_json.get(key)
        if hit is None or hit[0] != ser:        # (a new rate: a new ser_ns)
            src, dst = self.src, self.dst
            if len(self._tx_json) >= 1 << 8:
                self._tx_json.clear()
            hit = self._tx_json[key] = (ser, json_fields({
                "node": src.node.name, "layer": "phy", "event": "tx", "fate": "ok",
                "if": src.name, "peer": dst.node.name, "peer_if": dst.name, "ser_ns": ser,
                "bytes": frame.wire_len, "eth_src": mac_text(frame.src),
                "eth_dst": mac_text(frame.dst)}))
        return hit[1]

    def has_room(self, wire_bytes: int) -> bool:
        """Would a frame of ``wire_bytes`` be accepted now (sent or queued, not dropped)?"""
        if not self.queue and self.sim.env.now >= self.busy_until:
            return True
        link = self.link
        return (len(self.queue) < link.queue_packets
                and self.queued_bytes + wire_bytes <= link.queue_bytes)

    def notify_room(self, fn) -> None:
        """Call ``fn(channel)`` once, when the transmitter next takes a frame off the
        queue, the wire falls idle, or the queue is flushed: the sender's
        backpressure hook."""
        self._room_waiters.append(fn)
        if not self.queue and not self._wakeup_pending:
            # nothing queued (the frame did not fit even an empty queue): the wire's
            # being free is what the waiter needs
            self._wakeup_pending = True
            self.sim.call_later(self.busy_until - self.sim.env.now, self._wakeup)

    def _wake_room_waiters(self) -> None:
        waiters, self._room_waiters = self._room_waiters, []
        for fn in waiters:
            fn(self)

    def _wakeup(self, _event) -> None:
        self._wakeup_pending = False
        if not self.queue:
            if self._room_waiters:
                self._wake_room_waiters()
            return
        frame, enqueued = self.queue.popleft()
        self.queued_bytes -= frame.wire_len
        if self.sim.tracer.on:
            self._trace_queue()
        self._transmit(frame, self.sim.env.now, enqueued)
        if self.queue:
            self._wakeup_pending = True
            self.sim.call_later(self.busy_until - self.sim.env.now, self._wakeup)
        if self._room_waiters:
            self._wake_room_waiters()

    def _transmit(self, frame, start: int, enqueued: int | None = None) -> None:
        """Serialize ``frame`` from ``start`` (now) and schedule its arrival."""
        src = self.src
        end = start + self.tx_time(frame.wire_len)
        if enqueued is None:
            enqueued = start
        self.busy_until = end
        src.tx_frames += 1
        src.tx_bytes += frame.wire_len
        for tap in src.captures:
            tap.write(start, frame)
        arrive = end + self.link.delay
        # when the peer acts, from now (= start): at the last bit in, or the first for a hub
        wait = self.link.delay if self._cut_through else arrive - start
        faults = self.faults
        if faults is None:
            self._schedule(wait, frame)
            if self.sim.tracer.on:
                self._trace_tx(frame, enqueued, start, end, arrive, "ok")
            return
        if faults.lost():
            self._trace_tx(frame, enqueued, start, end, None, "lost")
            self.sim.tracer.drop(src.node.name, "phy", Drop.LINK_LOSS, frame, **{"if": src.name})
            return
        copies = 2 if faults.duplicated() else 1
        for _ in range(copies):
            extra = faults.extra_delay()
            wire_frame = faults.damage(frame)
            self._schedule(wait + extra, wire_frame)
            if self.sim.tracer.on:
                self._trace_tx(frame, enqueued, start, end, arrive + extra,
                               "ok" if wire_frame is frame else "corrupt")

    def _schedule(self, wait: int, frame) -> None:
        """``frame`` reaches the peer ``wait`` ns from now, unless the link goes down
        meanwhile (:meth:`flush`)."""
        arrival = Arrival()
        arrival.callbacks, arrival.frame, arrival.epoch = self._on_arrival, frame, self.epoch
        heappush(self._heap, (self._env._now + wait, NORMAL, next(self._eids), arrival))

    def _arrive(self, arrival: Arrival) -> None:
        frame = arrival.frame
        dst = self.dst
        if arrival.epoch != self.epoch:
            dst.drop(frame, Drop.LINK_DOWN)
            return
        if dst.captures or frame.__class__ is CorruptedFrame:
            dst.deliver(frame)
            return
        # Interface.deliver's common case, inlined (one call less for every frame)
        dst.rx_frames += 1
        dst.rx_bytes += frame.wire_len
        dst.node.receive(dst, frame)

    def flush(self) -> None:
        """The link went down: everything queued or on the wire is lost."""
        self.epoch += 1
        self.busy_until = self.sim.env.now
        while self.queue:
            self.src.drop(self.queue.popleft()[0], Drop.LINK_DOWN)
        self.queued_bytes = 0
        if self._room_waiters:
            self._wake_room_waiters()

    def _trace_tx(self, frame, enqueued, start, end, arrive, fate) -> None:
        """One hop of one frame: queued at ``enqueued``, first bit out at ``start``
        (the event's time), last bit out at ``end``, last bit in at ``arrive``."""
        tracer = self.sim.tracer
        if not tracer.on:
            return
        if frame.__class__ is CorruptedFrame:      # repeated damaged by a hub
            frame, fate = frame.original or frame, "corrupt"
        packet, sink = frame.payload, tracer.lines
        if (sink is None or fate != "ok" or packet.__class__ is not IPv4Packet
                or packet.mf or packet.frag_offset or arrive != end + self.link.delay):
            tracer.emit_record(self._tx_record(frame, fate, enqueued, start, end, arrive))
            return
        # the common case, where the JSON-lines sink alone takes tx events: its line
        sink.write(self.tx_line(frame, sink.head(start), packet_texts(packet)[4][1], enqueued))

    def _tx_record(self, frame, fate, enqueued, start, end, arrive) -> dict:
        """The ``tx`` event of :meth:`_trace_tx`, built in one dict display (a frame of
        every hop of a traced run passes here). Its keys run from those constant for
        the channel to those of the datagram, as :meth:`tx_line` groups them."""
        payload = frame.payload
        src, dst = self.src, self.dst
        if payload.__class__ is not IPv4Packet:
            return {"t": start / 1e9, "ns": start, "node": src.node.name, "layer": "phy",
                    "event": "tx", "fate": fate, "if": src.name, "peer": dst.node.name,
                    "peer_if": dst.name, "ser_ns": end - start, "bytes": frame.wire_len,
                    "eth_src": mac_text(frame.src), "eth_dst": mac_text(frame.dst),
                    "arrive_ns": arrive, "queued_ns": enqueued, "info": frame.info(),
                    "proto": _L2_PROTO.get(payload.__class__.__name__, "Ethernet")}
        info, proto, ip_src, ip_dst, _ = packet_texts(payload)
        record = {"t": start / 1e9, "ns": start, "node": src.node.name, "layer": "phy",
                  "event": "tx", "fate": fate, "if": src.name, "peer": dst.node.name,
                  "peer_if": dst.name, "ser_ns": end - start, "bytes": frame.wire_len,
                  "eth_src": _MAC_TEXT.get(frame.src) or mac_text(frame.src),
                  "eth_dst": _MAC_TEXT.get(frame.dst) or mac_text(frame.dst),
                  "arrive_ns": arrive, "queued_ns": enqueued, "info": info, "proto": proto,
                  "ip_src": ip_src, "ip_dst": ip_dst, "ip_id": payload.identification,
                  "ttl": payload.ttl}
        if payload.mf or payload.frag_offset:      # a fragment: RFC 791 §3.1's MF and offset
            record["mf"] = payload.mf
            record["off"] = payload.frag_offset * 8
        return record

    def _trace_queue(self) -> None:
        tracer = self.sim.tracer
        tracer.sample(self._series, len(self.queue))
        tracer.emit(self.src.node.name, "phy", "queue", **{"if": self.src.name},
                    packets=len(self.queue), bytes=self.queued_bytes)


_IP_PROTO = {1: "ICMP", 6: "TCP", 17: "UDP"}     # a tx event's proto, by IPv4 protocol
_L2_PROTO = {"ArpPacket": "ARP", "Bpdu": "STP"}   # by payload type, not IPv4 (a BPDU:
                                                  # Wireshark's packet-stp.c names it STP)
_MAC_TEXT: dict[bytes, str] = {}


def packet_texts(packet: IPv4Packet) -> tuple:
    """``(info, proto, ip_src, ip_dst, json)`` of an IPv4 packet, as its trace events
    write them; ``json``, for lines made whole: a ``route`` line's ``ip_src``, ``dst``
    and ``ip_id``, and a ``tx`` line's ``info``, ``proto``, ``ip_src``, ``ip_dst`` and
    ``ip_id`` (``json_fields``). Memoised in the packet's ``texts`` slot, which every
    hop's copy carries (``IPv4Packet.forwarded``): made once a datagram, not twice a
    hop. A fragment's (whose Info names its offset) are made each time."""
    texts = packet.texts
    if texts is not None:
        return texts
    info, proto = packet.info(), _IP_PROTO.get(packet.protocol, "IPv4")
    src, dst, ip_id = ip_text(packet.src), ip_text(packet.dst), packet.identification
    texts = (info, proto, src, dst, (
        json_fields({"ip_src": src, "dst": dst, "ip_id": ip_id}),
        json_fields({"info": info, "proto": proto, "ip_src": src, "ip_dst": dst,
                     "ip_id": ip_id})))
    if not (packet.mf or packet.frag_offset):
        packet.texts = texts
    return texts


# a tx line: head, tx_fields, arrive_ns, queued_ns, packet_texts' json, ttl (_tx_record's)
TX_LINE = b'%b%b"arrive_ns":%d,"queued_ns":%d,%b"ttl":%d}\n'


def mac_text(mac: bytes) -> str:
    """``02:00:00:00:00:01``, memoised (a trace writes the same few MACs for every frame;
    the memo is bounded)."""
    text = _MAC_TEXT.get(mac)
    if text is None:
        if len(_MAC_TEXT) >= 1 << 16:
            _MAC_TEXT.clear()
        text = _MAC_TEXT[mac] = mac.hex(":")
    return text


class Link:
    """A full-duplex point-to-point link between interfaces ``a`` and ``b``."""

    def __init__(self, sim, a, b, rate: int, delay: int, mtu: int = 1500,
                 queue_packets: int | None = 100, queue_bytes: int | None = None,
                 loss=0.0, corrupt=0.0, duplicate=0.0, jitter: int = 0,
                 overhead_bytes: int = 0, up: bool = True, cost: int = 1,
                 stream: str | None = None):
        self.sim = sim
        self.a, self.b = a, b
        self.name = f"{a.label}-{b.label}"
        self.rate = rate
        self.delay = delay
        self.mtu = mtu
        self.max_frame = 14 + max(mtu, 46) + 4
        self.queue_packets = queue_packets if queue_packets is not None else 1 << 62
        self.queue_bytes = queue_bytes if queue_bytes is not None else 1 << 62
        self.overhead_bytes = overhead_bytes    # 20 B of preamble + inter-frame gap, if asked for
        self.cost = cost
        self.up = up
        # Random streams are named by ``stream`` (the builder passes the two node names and
        # the link's index among links between them), not by port names a switch numbers
        # in link order, so adding a link elsewhere never changes this link's draws.
        stream = stream or self.name
        fault_args = dict(loss=loss, corrupt=corrupt, duplicate=duplicate, jitter_ns=jitter)
        self.ab = Channel(sim, self, a, b, Faults(sim.rng, f"{stream}:{a.node.name}>{b.node.name}",
                                                  **fault_args))
        self.ba = Channel(sim, self, b, a, Faults(sim.rng, f"{stream}:{b.node.name}>{a.node.name}",
                                                  **fault_args))
        for iface, channel in ((a, self.ab), (b, self.ba)):
            if iface.channel is not None:
                raise ValueError(f"{iface.label} is already linked")
            iface.channel, iface.link = channel, self

    def peer(self, iface):
        return self.b if iface is self.a else self.a

    def change(self, rate: int | None = None, delay: int | None = None, loss: float | None = None,
               jitter: int | None = None, mtu: int | None = None) -> None:
        """New parameters mid-run (``None``: unchanged). Each frame takes the rate, delay,
        loss and jitter in force when its first bit leaves (``_transmit``): a frame already
        serializing keeps its end and its arrival; one still queued gets the new values.
        An MTU applies to both ends' interfaces and to the next frame sent."""
        if rate is not None:
            self.rate = rate
        if delay is not None:
            self.delay = delay
        if mtu is not None:
            self.mtu, self.max_frame = mtu, 14 + max(mtu, 46) + 4
            self.a.mtu = self.b.mtu = mtu
        for channel in (self.ab, self.ba):
            if rate is not None:
                channel._tx_ns.clear()      # send_idle's memo holds times at the old rate
            faults = channel.impairments
            if loss is not None:
                faults.loss = loss
            if jitter is not None:
                faults.jitter_ns = jitter
            channel.faults = faults if faults.active else None

    def set_up(self, up: bool) -> None:
        """Bring the link up or down; going down loses every frame queued or in flight."""
        if up == self.up:
            return
        self.up = up
        if not up:
            self.ab.flush()
            self.ba.flush()
        if self.sim.tracer.on:
            self.sim.tracer.emit(self.a.node.name, "phy", "link_up" if up else "link_down",
                                 link=self.name)
        for listener in self.sim.link_listeners:
            listener(self)
