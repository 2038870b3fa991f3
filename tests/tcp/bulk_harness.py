"""One bulk TCP transfer between two directly linked hosts, measured like iperf.

Used by the analytic acceptance tests (test_analytic.py) and benchmarks/tcp_mathis.py.
The sender writes for ever; the receiver reads everything at once. Goodput counts
the application bytes read between ``warmup`` and the end of the run.
"""

from dataclasses import dataclass, field

from simulator.stack.sockets import TCP_INFO
from tests.helpers import SECOND, two_hosts

PORT = 5201


@dataclass
class BulkResult:
    goodput_bps: float              # application bytes read per second after warm-up
    segments_per_ack: float         # frames the receiver got per frame it sent (b)
    retransmits: int
    snd_wnd: int                    # the window the receiver last advertised (bytes)
    cwnd_samples: list = field(default_factory=list)   # (ns after connect, segments)
    info: dict = field(default_factory=dict)            # the sender's final tcp_info


def bulk_transfer(config, rate: int, delay: int, seconds: float, seed: int = 1,
                  loss: float = 0.0, warmup: float = 1.0, queue_packets: int = 100,
                  cwnd_at=()) -> BulkResult:
    """Send from h1 to h2 for ``seconds``; ``loss`` hits the data direction only.

    ``cwnd_at`` lists times (ns after the connection is established) at which the
    sender's tcpi_snd_cwnd is sampled."""
    sim, a, b = two_hosts(rate=rate, delay=delay, seed=seed, loss=loss,
                          queue_packets=queue_packets)
    link = a.interfaces["eth0"].link
    link.ba.faults = None                           # ACKs are never lost
    a.tcp_config = b.tcp_config = config
    end = int(seconds * SECOND)
    state = {"read": 0, "at_warmup": None, "sock": None}

    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", PORT))
    listener.listen(1)

    def sink():
        sock, _ = yield listener.accept()
        while True:
            chunk = yield sock.recv(1 << 20)
            if not chunk:
                return
            state["read"] += len(chunk)

    def source():
        sock = a.socket("tcp")
        state["sock"] = sock
        yield sock.connect(("10.0.0.2", PORT))
        for t in cwnd_at:
            sim.process(sample(sock, sim.now + t, t))
        block = bytes(1 << 20)
        while True:
            yield sock.sendall(block)

    samples = []

    def sample(sock, at, t):
        yield sim.env.timeout(at - sim.now)
        samples.append((t, sock.getsockopt(TCP_INFO)["tcpi_snd_cwnd"]))

    def mark():
        yield sim.env.timeout(int(warmup * SECOND))
        state["at_warmup"] = state["read"]

    sim.process(sink())
    sim.process(source())
    sim.process(mark())
    sim.run(end)
    ib = b.interfaces["eth0"]
    info = state["sock"].getsockopt(TCP_INFO)
    return BulkResult(
        goodput_bps=(state["read"] - state["at_warmup"]) * 8 / (seconds - warmup),
        segments_per_ack=ib.rx_frames / max(ib.tx_frames, 1),
        retransmits=info["tcpi_total_retrans"],
        snd_wnd=state["sock"].conn.snd_wnd,
        cwnd_samples=sorted(samples),
        info=info)
