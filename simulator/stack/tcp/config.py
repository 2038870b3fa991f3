"""Every TCP knob, and the two profiles ``rfc`` and ``linux``.

Times are integer nanoseconds, sizes bytes, windows in segments only where the name
says so (``initial_window``). Names follow Linux's sysctls where one exists
(net.ipv4.tcp_sack → ``sack``, tcp_syn_retries → ``syn_retries``, ...). A per-socket
override is ``config.replace(knob=value)``; docs/tcp.md lists every knob.
"""

import dataclasses
from dataclasses import dataclass

from .fastopen import parse_key

MS = 1_000_000
S = 1_000_000_000

_CHOICES = {
    "rtt_estimator": ("rfc", "linux"),
    "cc": ("reno", "newreno", "cubic"),
    "recovery": ("prr", "classic"),
    "zero_window_probe": ("rfc", "linux"),
    "idle_restart": ("rfc", "linux"),
    "prr_bound": ("ssrb", "crb"),
    "window_update": ("rfc", "linux"),
    "sender_sws": ("rfc", "linux"),
    "prr_recover_fs": ("flight", "cwnd"),
    "prr_units": ("bytes", "segments"),
    "ack_unsent": ("ack", "drop"),
    "reno_sack_emulation": ("off", "ns3"),
    "retries_rule": ("time", "count"),
    "cwnd_growth": ("acked", "delivered"),
}


@dataclass(frozen=True)
class TcpConfig:
    """One connection's parameters. Defaults are the ``linux`` profile's."""

    profile_name: str = "linux"
    # --- options (RFC 9293 §3.7.1, RFC 7323, RFC 2018, RFC 2883)
    sack: bool = True                   # offer/accept SACK-permitted
    dsack: bool = True                  # report duplicates as D-SACK (RFC 2883)
    timestamps: bool = True             # RFC 7323 timestamps (RTTM, PAWS)
    window_scaling: bool = True         # RFC 7323 window scale
    rcv_wscale: int | None = 7          # our shift (Linux: 7, from tcp_rmem max 6 MiB);
                                        # None: the smallest that covers rmem
    mss: int | None = None              # TCP_MAXSEG: clamp on the MSS we announce/use
    mss_default: int = 536              # peer's MSS when its SYN has no MSS option
    ts_hz: int = 1000                   # TSval clock rate (Linux: 1 ms ticks)
    # --- retransmission timer (RFC 6298)
    rtt_estimator: str = "linux"        # "rfc" (RFC 6298 §2) or Linux's estimator
    initial_rto: int = 1 * S            # §2.1
    min_rto: int = 200 * MS             # §2.4 says 1 s; Linux TCP_RTO_MIN 200 ms
    max_rto: int = 120 * S              # §2.5; Linux TCP_RTO_MAX
    rto_granularity: int = 1 * MS       # G (the clock tick; Linux: one jiffy, HZ=1000)
    syn_fallback_rto: int = 3 * S       # §5.7: RTO after a retransmitted SYN
    synsent_rearm: bool = True          # a bad ACK in SYN-SENT resends the SYN in 2 ms
                                        # (Linux tcp_rcv_synsent_state_process)
    syn_retries: int = 6                # SYN retransmissions before ETIMEDOUT
    synack_retries: int = 5             # SYN-ACK retransmissions before giving up
    retries2: int = 15                  # data/FIN/probe retransmissions before ETIMEDOUT
    retries_rule: str = "time"          # "time": the counts become Linux's time budget
                                        # (retransmits_timed_out); "count": RFC 1122 R2
    user_timeout: int = 0               # TCP_USER_TIMEOUT (RFC 5482); 0 = none
    # --- acknowledgements (RFC 9293 §3.8.6.3, RFC 5681 §4.2)
    delayed_ack: int = 40 * MS          # delayed-ACK timer; 0 = ACK every segment
    delayed_ack_segments: int = 2       # ACK at least every Nth full-sized segment
    quickack: int = 16                  # ACKs sent at once at connection start (Linux)
    pingpong_thresh: int = 1            # replies sent within an ATO of data received
                                        # that start Linux's pingpong mode (delayed
                                        # ACKs ride on replies); 0 = never
    # --- sending
    nagle: bool = True                  # RFC 9293 §3.7.4; False = TCP_NODELAY
    nagle_minshall: bool = True         # Linux: hold a small segment only while an
                                        # earlier small one is unacked
    zero_window_probe: str = "linux"    # "rfc": 1 new byte; "linux": SND.UNA-1, no data
    sender_sws: str = "linux"           # when a short segment may fill the window edge
    window_update: str = "linux"        # when a read sends a window update (output.py)
    tso_psh: bool = True                # PSH on the last segment of each burst (Linux)
    rcv_ssthresh: bool = True           # Linux's receive window growth (output.py)
    rmem: int = 131072                  # receive buffer (Linux tcp_rmem default)
    wmem: int = 4194304                 # send buffer (Linux tcp_wmem max; no autotuning)
    rmem_max: int | None = 212992       # SO_RCVBUF / SO_SNDBUF are capped at these
    wmem_max: int | None = 212992       # before Linux doubles them (net.core.rmem_max,
                                        # wmem_max; sock_setsockopt); None: no cap
    # --- congestion control (RFC 5681, 6582, 6675, 6937, 9438)
    cc: str = "cubic"
    initial_window: int | None = 10     # segments (RFC 6928); None: RFC 5681 §3.1 rule
    syn_loss_window_after: int = 2      # this many SYN/SYN-ACK retransmissions start
                                        # the transfer at cwnd 1 (RFC 5681 §3.1: 1;
                                        # Linux tcp_init_transfer: more than 1); 0 = never
    abc: int = 0                        # RFC 3465 L (segments per ACK); 0 = no limit
    hystart: bool = True                # CUBIC's HyStart (Linux)
    cubic_c: float = 0.4                # RFC 9438 C
    cubic_beta: float = 0.7             # RFC 9438 beta_cubic
    cubic_fast_convergence: bool = True
    cubic_reno_friendly: bool = True
    ca_byte_counting: bool = True       # congestion avoidance counts bytes (RFC 3465,
                                        # Linux); False: SMSS²/cwnd per ACK (RFC 5681)
    cwnd_validation: bool = True        # grow only while cwnd-limited (Linux)
    cwnd_growth: str = "delivered"      # what an ACK grows cwnd by: the bytes it
                                        # "acked" (RFC 5681) or newly "delivered"
                                        # (Linux: not those SACKed before)
    idle_restart: str = "linux"         # "rfc": cwnd = min(IW, cwnd); "linux": halve per RTO
    recovery: str = "prr"               # "prr" (RFC 6937) or "classic" (RFC 5681/6675)
    prr_bound: str = "ssrb"             # PRR reduction bound: "ssrb" or "crb"
    prr_recover_fs: str = "cwnd"        # RecoverFS: "flight" (RFC 6937) or the cwnd at
                                        # the start of recovery (Linux prior_cwnd)
    prr_units: str = "segments"         # PRR's share counted in "bytes" (RFC 6937's
                                        # pseudocode, ns-3) or whole "segments" (Linux)
    newreno_impatient: bool = False     # restart the RTO on the first partial ACK only
                                        # (RFC 6582 §4 "Impatient"; Linux: on every ACK)
    reno_sack_emulation: str = "off"    # without SACK: "ns3" = ns-3 3.44's emulated
                                        # SACK scoreboard (ns3_reno_sack.py) with
                                        # recovery "classic"; "off" = RFC 5681/6582
    sack_whole_segments: bool = True    # a SACK block marks only segments it covers
                                        # whole (Linux); False: any bytes (RFC 2018)
    dupthresh: int = 3                  # RFC 5681 §3.2 / RFC 6675 DupThresh
    limited_transmit: bool = True       # RFC 3042
    rack: bool = True                   # RACK loss detection with SACK (RFC 8985 §6;
                                        # Linux tcp_recovery & 1); False: DupThresh
    tlp: bool = True                    # tail loss probe with SACK (RFC 8985 §7;
                                        # Linux tcp_early_retrans 3 or 4)
    slow_start_after_idle: bool = True  # RFC 5681 §4.1 restart window
    # --- keep-alives (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6; keepalive.py)
    keepalive: bool = False             # SO_KEEPALIVE
    keepalive_time: int = 7200 * S      # idle time before the first probe (TCP_KEEPIDLE)
    keepalive_intvl: int = 75 * S       # between unanswered probes (TCP_KEEPINTVL)
    keepalive_probes: int = 9           # unanswered probes before ETIMEDOUT (TCP_KEEPCNT)
    # --- connection lifetime
    time_wait: int = 60 * S             # 2·MSL (Linux TCP_TIMEWAIT_LEN)
    rst_on_unread_close: bool = True    # close() with unread data sends RST (Linux)
    ack_unsent: str = "drop"            # an ACK of unsent data: "ack" it (RFC 9293
                                        # §3.10.7.4) or "drop" it silently (Linux)
    # --- TCP Fast Open (RFC 7413; fastopen.py)
    fastopen: int = 1                   # net.ipv4.tcp_fastopen bits (Linux 1: client)
    fastopen_key: str | None = None     # tcp_fastopen_key / TCP_FASTOPEN_KEY, w-x-y-z
                                        # hex words; None: a random key per host
    fastopen_qlen: int = 0              # TCP_FASTOPEN: a listener's Fast Open queue
    fastopen_connect: bool = False      # TCP_FASTOPEN_CONNECT: data of the first
                                        # write goes in the SYN
    fastopen_no_cookie: bool = False    # TCP_FASTOPEN_NO_COOKIE

    def __post_init__(self):
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"TcpConfig.{name}: {getattr(self, name)!r} is not one of "
                                 f"{', '.join(allowed)}")
        if self.fastopen_key is not None:
            parse_key(self.fastopen_key)          # ValueError if malformed
        if self.rcv_wscale is not None and not 0 <= self.rcv_wscale <= 14:
            raise ValueError(f"TcpConfig.rcv_wscale: {self.rcv_wscale} not in 0..14")
        if self.user_timeout < 0:
            raise ValueError("TcpConfig.user_timeout: must not be negative")
        if not 0 <= self.pingpong_thresh <= 255:
            raise ValueError(f"TcpConfig.pingpong_thresh: {self.pingpong_thresh} not in 0..255")
        for name in ("rmem", "wmem", "mss_default", "delayed_ack_segments", "dupthresh",
                     "ts_hz", "initial_rto", "max_rto", "keepalive_time", "keepalive_intvl",
                     "keepalive_probes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"TcpConfig.{name}: must be positive")

    @classmethod
    def profile(cls, name: str, **overrides) -> "TcpConfig":
        """The ``rfc`` or ``linux`` profile, with ``overrides`` applied."""
        if name not in _PROFILES:
            raise ValueError(f"TcpConfig.profile: unknown profile {name!r} "
                             f"(known: {', '.join(_PROFILES)})")
        return cls(profile_name=name, **{**_PROFILES[name], **overrides})

    @classmethod
    def knobs(cls) -> tuple[str, ...]:
        """The names of every knob, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls) if f.name != "profile_name")

    def replace(self, **kw) -> "TcpConfig":
        """A copy with the given knobs changed (unknown names raise ValueError)."""
        unknown = sorted(kw.keys() - set(self.knobs()))
        if unknown:
            raise ValueError(f"TcpConfig: unknown knob(s) {', '.join(unknown)}")
        return dataclasses.replace(self, **kw)

    def initial_window_bytes(self, mss: int) -> int:
        """IW in bytes: ``initial_window`` segments, or RFC 5681 §3.1's rule."""
        if self.initial_window is not None:
            return self.initial_window * mss
        if mss > 2190:
            return 2 * mss
        if mss > 1095:
            return 3 * mss
        return 4 * mss

    def wscale_for(self, space: int) -> int:
        """Our window-scale shift: ``rcv_wscale``, or the smallest shift that lets the
        16-bit window field cover ``space`` bytes (RFC 7323 §2.3), at most 14."""
        if self.rcv_wscale is not None:
            return self.rcv_wscale
        shift = 0
        while shift < 14 and (space >> shift) > 65535:
            shift += 1
        return shift


_RFC = {
    "rtt_estimator": "rfc", "min_rto": 1 * S, "delayed_ack": 200 * MS, "quickack": 0,
    "pingpong_thresh": 0, "nagle_minshall": False, "tso_psh": False, "window_update": "rfc",
    "sender_sws": "rfc", "prr_recover_fs": "flight", "prr_units": "bytes", "ack_unsent": "ack",
    "zero_window_probe": "rfc", "cc": "newreno", "initial_window": None, "abc": 1,
    "hystart": False, "recovery": "classic", "ca_byte_counting": False,
    "syn_loss_window_after": 1, "cwnd_validation": False, "idle_restart": "rfc",
    "time_wait": 240 * S, "rcv_wscale": None, "newreno_impatient": True,
    "rcv_ssthresh": False, "synsent_rearm": False, "rack": False, "tlp": False,
    "sack_whole_segments": False, "cwnd_growth": "acked",
    "retries_rule": "count", "rmem_max": None, "wmem_max": None,
}
_PROFILES = {
    "linux": {},
    "rfc": _RFC,
    # ns-3 3.44's TcpSocketBase/TcpNewReno defaults, as the issue's comparison ran
    # them: IW10, delayed ACK 2 segments / 200 ms, min RTO 1 s, SYN timeout 3 s,
    # TcpNoDelay, PRR recovery, no cwnd validation, no idle restart, 2·MSL = 240 s.
    "ns3": {**_RFC, "initial_window": 10, "nagle": False, "recovery": "prr",
            "initial_rto": 3 * S, "slow_start_after_idle": False,
            "syn_loss_window_after": 0, "reno_sack_emulation": "ns3"},
}
