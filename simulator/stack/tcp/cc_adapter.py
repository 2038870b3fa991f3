"""The connection's door to congestion control and PRR.

Interim: until stack/tcp/cc/ and prr.py (T1b) exist, a plain RFC 5681 Reno window
stands in so that the connection runs end to end.
"""


class _Reno:
    def __init__(self, config, mss: int):
        self.name = config.cc
        self.mss = mss
        self.cwnd = config.initial_window_bytes(mss)
        self.ssthresh = 0x7FFFFFFF
        self._acc = 0

    def set_mss(self, mss: int) -> None:
        self.mss = mss

    def in_slow_start(self) -> bool:
        return self.cwnd < self.ssthresh

    def on_ack(self, now, acked, rtt_ns, flight) -> None:
        if self.in_slow_start():
            self.cwnd += min(acked, self.mss)
        else:
            self._acc += acked
            if self._acc >= self.cwnd:
                self._acc -= self.cwnd
                self.cwnd += self.mss

    def on_congestion_event(self, now, flight) -> None:
        self.ssthresh = max(flight // 2, 2 * self.mss)

    def on_recovery_exit(self, now) -> None:
        self.cwnd = self.ssthresh

    def on_rto(self, now, flight) -> None:
        self.ssthresh = max(flight // 2, 2 * self.mss)
        self.cwnd = self.mss

    def on_idle_restart(self, now, rto_ns) -> None:
        self.cwnd = min(self.cwnd, 10 * self.mss)


def make_cc(config, mss: int):
    return _Reno(config, mss)


def make_prr(ssthresh: int, recover_fs: int, mss: int):
    return None
