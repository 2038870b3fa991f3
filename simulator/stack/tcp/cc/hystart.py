"""HyStart: leaving slow start before the first loss, as Linux's tcp_cubic.c does it.

Linux 6.x (hystart_update, times in µs there, ns here). Only while cwnd is at least
``LOW_WINDOW`` segments, and at most once until the next RTO. A *round* lasts until
SND.UNA passes the SND.NXT of its first ACK. Two detectors, either ends slow start
(the caller then sets ssthresh = cwnd):

- ACK train: ACKs keep arriving no more than ``ACK_DELTA_NS`` apart and the train has
  lasted longer than half of (min RTT + the TSO/GRO cushion) since the round began. The
  cushion is min(1 ms, 4·GSO_MAX_SIZE / pacing rate), the pacing rate being Linux's
  slow-start rate 2·cwnd/RTT (we use the min RTT for the RTT).
- Delay increase: once ``MIN_SAMPLES`` RTT samples of the round have been seen, the
  round's smallest RTT exceeds min RTT + clamp(min RTT / 8, 4 ms, 16 ms).
"""

LOW_WINDOW = 16                   # hystart_low_window (segments)
ACK_DELTA_NS = 2_000_000          # hystart_ack_delta_us
MIN_SAMPLES = 8                   # HYSTART_MIN_SAMPLES
DELAY_MIN_NS = 4_000_000          # HYSTART_DELAY_MIN
DELAY_MAX_NS = 16_000_000         # HYSTART_DELAY_MAX
_GSO_MAX_SIZE = 65536
_ACK_DELAY_MAX_NS = 1_000_000


class HyStart:
    def __init__(self):
        self.found = False
        self._round_left = 0          # bytes still to be acked before the round ends
        self._round_start = self._last_ack = 0
        self._curr_rtt: int | None = None
        self._samples = 0

    def reset(self) -> None:
        """Start over (connection start, RTO): detection is armed again."""
        self.__init__()

    def on_acked(self, acked_bytes: int) -> None:
        """SND.UNA advanced by ``acked_bytes`` (called for every cumulative ACK)."""
        self._round_left -= acked_bytes

    def update(self, now: int, rtt_ns: int, min_rtt_ns: int, cwnd: int, mss: int,
               outstanding: int) -> bool:
        """An RTT sample in slow start; True when slow start should end now.

        ``outstanding`` is SND.NXT - SND.UNA after this ACK (the next round's length)."""
        if self._round_left < 0:                       # after(snd_una, end_seq)
            self._round_start = self._last_ack = now
            self._round_left = outstanding
            self._curr_rtt = None
            self._samples = 0
        if cwnd < LOW_WINDOW * mss:
            return False
        if now - self._last_ack <= ACK_DELTA_NS:
            self._last_ack = now
            cushion = min(_ACK_DELAY_MAX_NS, 2 * _GSO_MAX_SIZE * min_rtt_ns // cwnd)
            if now - self._round_start > (min_rtt_ns + cushion) // 2:
                self.found = True
        if self._curr_rtt is None or rtt_ns < self._curr_rtt:
            self._curr_rtt = rtt_ns
        if self._samples < MIN_SAMPLES:
            self._samples += 1
        elif self._curr_rtt > min_rtt_ns + min(max(min_rtt_ns // 8, DELAY_MIN_NS),
                                               DELAY_MAX_NS):
            self.found = True
        return self.found
