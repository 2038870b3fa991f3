#!/usr/bin/env python
"""NewReno under random loss against the Mathis et al. (1997) model.

    python benchmarks/tcp_mathis.py [--loss 0.005,0.01,0.02] [--seeds 20]
                                    [--seconds 60] [--profile rfc]

Two hosts, 100 Mb/s, 25 ms each way (RTT 50 ms), random loss p on the data direction
only, 4 MiB buffers, NewReno. For each p: the mean goodput over the seeds (warm-up
2 s excluded), b = segments per ACK as measured, and the model
MSS/RTT · sqrt(3/(2b)) / sqrt(p) with MSS 1448 (timestamps). The acceptance band is
±25 % (issue 7); tests/tcp/test_analytic.py runs a smaller version.
"""

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulator.phy.link import serialization_ns  # noqa: E402
from simulator.stack.tcp.config import TcpConfig  # noqa: E402
from tests.tcp.bulk_harness import bulk_transfer  # noqa: E402

MS = 1_000_000
RATE, DELAY, MSS, FRAME = 100_000_000, 25 * MS, 1448, 1518


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loss", default="0.005,0.01,0.02")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--profile", default="rfc")
    args = parser.parse_args()
    config = TcpConfig.profile(args.profile, cc="newreno", rmem=4 << 20, wmem=4 << 20)
    rtt = (2 * DELAY + serialization_ns(FRAME, RATE)) / 1e9
    print(f"NewReno ({args.profile} profile), RTT {rtt * 1e3:.2f} ms, "
          f"{args.seeds} seeds x {args.seconds:g} s")
    print(f"{'p':>6} {'b':>5} {'goodput Mb/s':>13} {'model Mb/s':>11} {'ratio':>6} "
          f"{'min':>5} {'max':>5} {'retrans':>8} {'wall s':>7}")
    for p in (float(x) for x in args.loss.split(",")):
        start = time.perf_counter()
        runs = [bulk_transfer(config, RATE, DELAY, args.seconds, seed=seed, loss=p,
                              warmup=2) for seed in range(1, args.seeds + 1)]
        goodput = sum(r.goodput_bps for r in runs) / len(runs)
        b = sum(r.segments_per_ack for r in runs) / len(runs)
        model = MSS * 8 / rtt * math.sqrt(3 / (2 * b)) / math.sqrt(p)
        ratios = [r.goodput_bps / model for r in runs]
        print(f"{p:6.3f} {b:5.2f} {goodput / 1e6:13.3f} {model / 1e6:11.3f} "
              f"{goodput / model:6.3f} {min(ratios):5.2f} {max(ratios):5.2f} "
              f"{sum(r.retransmits for r in runs):8d} {time.perf_counter() - start:7.1f}")


if __name__ == "__main__":
    main()
