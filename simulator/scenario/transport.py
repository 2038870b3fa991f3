"""YAML spec of a node's ``tcp:`` settings (the TCP apps' own specs live with
the apps, in :mod:`simulator.apps`). The reference for every field is
``docs/yaml.md``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from simulator.apps.sockopts import CongestionControl
from simulator.spec.model import Model
from simulator.spec.values import Bool, Bytes, Int, Nanoseconds

from ..stack.tcp.config import TcpConfig

_FASTOPEN_KEY = r"^[0-9a-fA-F]{1,8}(-[0-9a-fA-F]{1,8}){3}$"


class TcpSpec(Model):
    """A node's TCP settings: a profile, then any knob overridden (``None`` = the
    profile's value). The knobs are :class:`~simulator.stack.tcp.config.TcpConfig`'s,
    named after the Linux sysctls (``net.ipv4.tcp_sack`` → ``sack``)."""

    doc_profile: ClassVar = TcpConfig.profile("linux")     # docs/yaml.md's defaults

    profile: Literal["linux", "rfc", "ns3"] = Field("linux", description=(
        "the profile the knobs start from (table above)"))
    # options
    sack: Bool | None = Field(None, description="offer SACK-permitted (RFC 2018)")
    dsack: Bool | None = Field(None, description="report duplicates as D-SACK (RFC 2883)")
    timestamps: Bool | None = Field(None, description="offer timestamps (RFC 7323)")
    window_scaling: Bool | None = Field(None, description="offer window scaling (RFC 7323)")
    rcv_wscale: Int | None = Field(None, ge=0, le=14, description=(
        "our window-scale shift (none: the smallest that covers `rmem`)"))
    mss: Int | None = Field(None, ge=88, le=65495, description=(
        "clamp on the MSS (`TCP_MAXSEG`)"))
    mss_default: Int | None = Field(None, ge=88, le=65495, description=(
        "the peer's MSS when its SYN carries none"))
    ts_hz: Int | None = Field(None, ge=1, le=1_000_000, description=(
        "TSval clock rate (1000: Linux's 1 ms ticks)"))
    # retransmission timer (RFC 6298)
    rtt_estimator: Literal["rfc", "linux"] | None = Field(None, description=(
        "RFC 6298 §2 or Linux's `tcp_rtt_estimator`"))
    initial_rto: Nanoseconds | None = Field(None, gt=0, description="RFC 6298 §2.1 initial RTO")
    min_rto: Nanoseconds | None = Field(None, ge=0, description=(
        "RFC 6298 §2.4 lower bound of the RTO (≤ `max_rto`)"))
    max_rto: Nanoseconds | None = Field(None, gt=0, description=(
        "RFC 6298 §2.5 upper bound of the RTO"))
    rto_granularity: Nanoseconds | None = Field(None, ge=0, description=(
        "RFC 6298 G, the clock granularity"))
    syn_fallback_rto: Nanoseconds | None = Field(None, gt=0, description=(
        "RFC 6298 §5.7: the RTO after a retransmitted SYN"))
    synsent_rearm: Bool | None = Field(None, description=(
        "a bad ACK in SYN-SENT resends the SYN soon after (Linux)"))
    syn_retries: Int | None = Field(None, ge=0, le=127, description=(
        "SYN retransmissions before giving up (ETIMEDOUT)"))
    synack_retries: Int | None = Field(None, ge=0, le=127, description=(
        "SYN-ACK retransmissions before giving up"))
    retries2: Int | None = Field(None, ge=0, le=127, description=(
        "data, FIN and probe retransmissions before giving up (ETIMEDOUT)"))
    retries_rule: Literal["time", "count"] | None = Field(None, description=(
        "`time` (`linux`): `retries2` becomes Linux's time budget (924.6 s for 15, "
        "counted from the first retransmission); `count` (`rfc`, `ns3`): RFC 1122's count"))
    user_timeout: Nanoseconds | None = Field(None, ge=0, description=(
        "`TCP_USER_TIMEOUT` (RFC 5482): give up when data stays unacknowledged this long; "
        "`0` = none"))
    # acknowledgements
    delayed_ack: Nanoseconds | None = Field(None, ge=0, description=(
        "delayed-ACK timer; `0` ACKs every segment"))
    delayed_ack_segments: Int | None = Field(None, ge=1, description=(
        "ACK at least every Nth full-sized segment"))
    quickack: Int | None = Field(None, ge=0, description=(
        "ACKs sent at once at connection start (Linux; `0` for none)"))
    pingpong_thresh: Int | None = Field(None, ge=0, le=255, description=(
        "replies sent within the delayed-ACK time of data received that start Linux's "
        "pingpong mode (ACKs wait to ride on the reply); `0` = never (`rfc`, `ns3`)"))
    # sending
    nagle: Bool | None = Field(None, description="Nagle's algorithm (RFC 9293 §3.7.4)")
    nagle_minshall: Bool | None = Field(None, description="Minshall's variant of Nagle")
    zero_window_probe: Literal["rfc", "linux"] | None = Field(None, description=(
        "which zero-window probes to follow"))
    window_update: Literal["rfc", "linux"] | None = Field(None, description=(
        "when a read sends a window update"))
    tso_psh: Bool | None = Field(None, description=(
        "PSH on the last segment of each burst (Linux)"))
    sender_sws: Literal["rfc", "linux"] | None = Field(None, description=(
        "a short segment at the window edge: RFC sender SWS avoidance or Linux"))
    ack_unsent: Literal["ack", "drop"] | None = Field(None, description=(
        "an ACK of data not yet sent: answered with an ACK (RFC 9293) or dropped (Linux)"))
    rmem: Bytes | None = Field(None, ge=2048, description="receive buffer")
    rcv_ssthresh: Bool | None = Field(None, description=(
        "Linux's receive-window growth (`rcv_ssthresh`) instead of the whole free buffer"))
    wmem: Bytes | None = Field(None, ge=2048, description="send buffer")
    rmem_max: Bytes | None = Field(None, ge=2048, description=(
        "cap on an app's `rcvbuf` before it is doubled (Linux `net.core.rmem_max`; "
        "`rfc`, `ns3`: no cap)"))
    wmem_max: Bytes | None = Field(None, ge=2048, description=(
        "cap on an app's `sndbuf` before it is doubled (Linux `net.core.wmem_max`; "
        "`rfc`, `ns3`: no cap)"))
    # congestion control
    cc: CongestionControl | None = Field(None, description=(
        "congestion control (RFC 5681, RFC 6582, RFC 9438)"))
    initial_window: Int | None = Field(None, ge=1, le=1000, description=(
        "initial window in segments (RFC 6928)"))
    syn_loss_window_after: Int | None = Field(None, ge=0, description=(
        "this many SYN retransmissions start the transfer at cwnd 1"))
    abc: Int | None = Field(None, ge=0, description=(
        "RFC 3465 L (segments per ACK in slow start); `0` = no limit"))
    hystart: Bool | None = Field(None, description="CUBIC's HyStart")
    cubic_c: float | None = Field(None, gt=0, le=10, description="RFC 9438 C")
    cubic_beta: float | None = Field(None, gt=0, lt=1, description=(
        "RFC 9438 β"))
    cubic_fast_convergence: Bool | None = Field(None, description="RFC 9438 fast convergence")
    cubic_reno_friendly: Bool | None = Field(None, description="RFC 9438 Reno-friendly region")
    ca_byte_counting: Bool | None = Field(None, description=(
        "byte counting in congestion avoidance (RFC 3465)"))
    cwnd_validation: Bool | None = Field(None, description=(
        "grow cwnd only while cwnd-limited"))
    cwnd_growth: Literal["acked", "delivered"] | None = Field(None, description=(
        "what an ACK grows cwnd by: the bytes it `acked` (RFC 5681) or newly "
        "`delivered` (Linux: not those SACKed before)"))
    recovery: Literal["prr", "classic"] | None = Field(None, description=(
        "loss recovery: PRR (RFC 6937) or RFC 5681/6675"))
    newreno_impatient: Bool | None = Field(None, description=(
        "RFC 6582 §4's Impatient variant: restart the RTO on the first partial ACK only"))
    prr_bound: Literal["ssrb", "crb"] | None = Field(None, description=(
        "PRR's reduction bound (RFC 6937 §5)"))
    prr_recover_fs: Literal["flight", "cwnd"] | None = Field(None, description=(
        "PRR's RecoverFS: the flight (RFC 6937) or the cwnd at entry (Linux)"))
    prr_units: Literal["bytes", "segments"] | None = Field(None, description=(
        "PRR's share in bytes (RFC 6937, ns-3) or whole segments (Linux)"))
    reno_sack_emulation: Literal["off", "ns3"] | None = Field(None, description=(
        "without SACK and with `recovery: classic`: ns-3 3.44's emulated-SACK scoreboard "
        "(`ns3`, the `ns3` profile) or RFC 5681/6582 (`off`); docs/tcp.md \"ns-3's non-SACK "
        "recovery\""))
    dupthresh: Int | None = Field(None, ge=1, description="duplicate ACKs that mean a loss")
    sack_whole_segments: Bool | None = Field(None, description=(
        "a SACK block marks only the segments it covers whole (Linux); `false`: every "
        "byte it covers (RFC 2018)"))
    limited_transmit: Bool | None = Field(None, description="limited transmit (RFC 3042)")
    rack: Bool | None = Field(None, description=(
        "RACK loss detection with SACK (RFC 8985 §6)"))
    tlp: Bool | None = Field(None, description=(
        "the tail loss probe with SACK (RFC 8985 §7)"))
    slow_start_after_idle: Bool | None = Field(None, description=(
        "RFC 5681 §4.1 restart window after idle"))
    idle_restart: Literal["rfc", "linux"] | None = Field(None, description=(
        "cwnd after idle: RFC 5681 §4.1 or Linux"))
    # keep-alives (RFC 9293 §3.8.4)
    keepalive: Bool | None = Field(None, description="`SO_KEEPALIVE`: probe an idle connection")
    keepalive_time: Nanoseconds | None = Field(None, ge=1_000_000_000, description=(
        "idle time before the first probe (`TCP_KEEPIDLE`)"))
    keepalive_intvl: Nanoseconds | None = Field(None, ge=1_000_000_000, description=(
        "time between unanswered probes (`TCP_KEEPINTVL`)"))
    keepalive_probes: Int | None = Field(None, ge=1, le=127, description=(
        "unanswered probes before the connection is reset (`TCP_KEEPCNT`)"))
    # lifetime
    time_wait: Nanoseconds | None = Field(None, ge=0, description=(
        "TIME-WAIT duration (2·MSL)"))
    rst_on_unread_close: Bool | None = Field(None, description=(
        "close() with unread data sends a RST (Linux)"))
    # TCP Fast Open (RFC 7413)
    fastopen: Int | None = Field(None, ge=0, le=0xFFFFFFFF, description=(
        "`net.ipv4.tcp_fastopen` bits: 0x1 client, 0x2 server, 0x4 client without "
        "cookie, 0x200 server without cookie, 0x400 every listener (docs/tcp.md)"))
    fastopen_key: str | None = Field(None, pattern=_FASTOPEN_KEY, description=(
        "the server's cookie key `w-x-y-z` (four hex words, `tcp_fastopen_key`); "
        "none: a random one per host"))
    fastopen_qlen: Int | None = Field(None, ge=0, description=(
        "a listener's queue of Fast Open children (`TCP_FASTOPEN`)"))
    fastopen_connect: Bool | None = Field(None, description=(
        "connect() defers the SYN to the first write (`TCP_FASTOPEN_CONNECT`)"))
    fastopen_no_cookie: Bool | None = Field(None, description=(
        "SYN data without a cookie (`TCP_FASTOPEN_NO_COOKIE`)"))

    @model_validator(mode="after")
    def _rto_order(self) -> TcpSpec:
        if self.min_rto is not None and self.max_rto is not None and self.min_rto > self.max_rto:
            raise ValueError("min_rto is above max_rto")
        return self

    def given(self) -> dict[str, Any]:
        """The knobs this spec overrides (those not ``None``), profile excluded."""
        return {k: getattr(self, k) for k in TcpSpec.model_fields
                if k != "profile" and getattr(self, k) is not None}

    def config(self) -> TcpConfig:
        """The node's :class:`~simulator.stack.tcp.config.TcpConfig`."""
        return TcpConfig.profile(self.profile, **self.given())
