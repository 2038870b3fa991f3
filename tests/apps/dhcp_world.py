"""A virtual clock and an ideal LAN (or relayed campus) for the sans-I/O DHCP logic:
every datagram arrives ``latency`` ns after it is sent, clients' timers fire at their
deadlines, ARP probes of an address in ``in_use`` find it taken."""

import heapq
import itertools

from simulator.apps.dhcp.transmit import BROADCAST

MS = 1_000_000


class World:
    def __init__(self, server, clients, server_ip, latency=MS, in_use=(), relay=None,
                 subnet_of=None):
        self.server, self.clients, self.server_ip = server, list(clients), server_ip
        self.latency, self.in_use = latency, set(in_use)
        self.relay, self.subnet_of = relay, subnet_of or {}   # client → relay interface ip
        self.now = 0
        self.queue = []                                # (time, seq, handler, argument)
        self.seq = itertools.count()
        self.deadlines = {}                            # client → ns
        self.leases = {}                               # client → Lease
        self.log = []                                  # (time, who, Transmit)
        self.events = []

    def at(self, delay, handler, arg):
        heapq.heappush(self.queue, (self.now + delay, next(self.seq), handler, arg))

    def start(self, client, at=0):
        self.deadlines[client] = None
        heapq.heappush(self.queue, (at, next(self.seq), self._start, client))

    def _start(self, client):
        self.step(client, client.start(self.now))

    def step(self, client, step):
        self.deadlines[client] = step.deadline
        self.events += step.events
        if step.deconfigure is not None:
            self.leases.pop(client, None)
        if step.configure is not None:
            self.leases[client] = step.configure
        for transmit in step.sends:
            self.log.append((self.now, client, transmit))
            self.at(self.latency, self._to_server, (client, transmit))
        if step.probe is not None and step.probe in self.in_use:
            self.at(self.latency, self._conflict, client)

    def _conflict(self, client):
        self.step(client, client.conflict(self.now))

    def _to_server(self, arg):
        client, transmit = arg
        message = transmit.message
        if self.relay is not None and transmit.dst == BROADCAST:
            for out in self.relay.from_client(message, self.subnet_of[client]):
                self.at(self.latency, self._server_receive, (out.message, None))
            return
        self._server_receive((message, self.server_ip))

    def _server_receive(self, arg):
        message, local_ip = arg
        for reply in self.server.receive(message, self.now, local_ip):
            self.log.append((self.now, self.server, reply))
            self.at(self.latency, self._to_clients, reply)

    def _to_clients(self, reply):
        if self.relay is not None and reply.port == 67:
            local = sorted(set(self.subnet_of.values()))
            for out in self.relay.from_server(reply.message, local):
                self.at(self.latency, self._to_clients, out)
            return
        for client in self.clients:
            lease = self.leases.get(client)
            heard = (reply.dst == BROADCAST or reply.mac == client.mac
                     or (lease is not None and lease.interface.ip == reply.dst))
            if heard and (reply.via is None or self.subnet_of.get(client) == reply.via):
                self.step(client, client.receive(reply.message, self.now))

    def run(self, until):
        while True:
            timers = [(t, c) for c, t in self.deadlines.items() if t is not None]
            next_timer = min(timers, key=lambda tc: tc[0], default=None)
            next_packet = self.queue[0][0] if self.queue else None
            if next_packet is not None and (next_timer is None or next_packet <= next_timer[0]):
                if next_packet > until:
                    break
                self.now, _, handler, arg = heapq.heappop(self.queue)
                handler(arg)
            elif next_timer is not None and next_timer[0] <= until:
                self.now, client = next_timer
                self.deadlines[client] = None
                self.step(client, client.timer(self.now))
            else:
                break
        self.now = until

    def sent(self, who=None, kind=None):
        return [(t, tr) for t, w, tr in self.log if (who is None or w is who)
                and (kind is None or tr.message.message_type == kind)]
