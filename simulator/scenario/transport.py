"""YAML spec of a node's ``tcp:`` settings (the TCP apps' own specs live with
the apps, in :mod:`simulator.apps`). The reference for every field is
``docs/yaml.md``.
"""

from __future__ import annotations

from typing import Any, Literal

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

    profile: Literal["linux", "rfc", "ns3"] = "linux"
    # options
    sack: Bool | None = None
    dsack: Bool | None = None
    timestamps: Bool | None = None
    window_scaling: Bool | None = None
    rcv_wscale: Int | None = Field(None, ge=0, le=14)
    mss: Int | None = Field(None, ge=88, le=65495)               # TCP_MAXSEG clamp
    mss_default: Int | None = Field(None, ge=88, le=65495)
    ts_hz: Int | None = Field(None, ge=1, le=1_000_000)
    # retransmission timer (RFC 6298)
    rtt_estimator: Literal["rfc", "linux"] | None = None
    initial_rto: Nanoseconds | None = Field(None, gt=0)
    min_rto: Nanoseconds | None = Field(None, ge=0)
    max_rto: Nanoseconds | None = Field(None, gt=0)
    rto_granularity: Nanoseconds | None = Field(None, ge=0)
    syn_fallback_rto: Nanoseconds | None = Field(None, gt=0)
    synsent_rearm: Bool | None = None                             # bad ACK in SYN-SENT: SYN again
    syn_retries: Int | None = Field(None, ge=0, le=127)
    synack_retries: Int | None = Field(None, ge=0, le=127)
    retries2: Int | None = Field(None, ge=0, le=127)
    # acknowledgements
    delayed_ack: Nanoseconds | None = Field(None, ge=0)           # 0 = ACK every segment
    delayed_ack_segments: Int | None = Field(None, ge=1)
    quickack: Int | None = Field(None, ge=0)                      # quick ACKs at start
    # sending
    nagle: Bool | None = None
    nagle_minshall: Bool | None = None
    zero_window_probe: Literal["rfc", "linux"] | None = None
    window_update: Literal["rfc", "linux"] | None = None          # when a read sends one
    tso_psh: Bool | None = None                                   # PSH ends each burst
    sender_sws: Literal["rfc", "linux"] | None = None             # short segment at the edge
    ack_unsent: Literal["ack", "drop"] | None = None              # an ACK of unsent data
    rmem: Bytes | None = Field(None, ge=2048)                     # receive buffer
    rcv_ssthresh: Bool | None = None                              # Linux receive-window growth
    wmem: Bytes | None = Field(None, ge=2048)                     # send buffer
    # congestion control
    cc: CongestionControl | None = None
    initial_window: Int | None = Field(None, ge=1, le=1000)       # segments (RFC 6928)
    syn_loss_window_after: Int | None = Field(None, ge=0)         # SYN retries → cwnd 1
    abc: Int | None = Field(None, ge=0)                           # RFC 3465 L; 0 = no limit
    hystart: Bool | None = None
    cubic_c: float | None = Field(None, gt=0, le=10)               # RFC 9438 C
    cubic_beta: float | None = Field(None, gt=0, lt=1)             # RFC 9438 beta_cubic
    cubic_fast_convergence: Bool | None = None
    cubic_reno_friendly: Bool | None = None
    ca_byte_counting: Bool | None = None                          # RFC 3465 in CA
    cwnd_validation: Bool | None = None                           # grow only cwnd-limited
    recovery: Literal["prr", "classic"] | None = None
    newreno_impatient: Bool | None = None                         # RFC 6582 §4 Impatient
    prr_bound: Literal["ssrb", "crb"] | None = None               # RFC 6937 §5
    prr_recover_fs: Literal["flight", "cwnd"] | None = None       # RFC 6937 RecoverFS
    prr_units: Literal["bytes", "segments"] | None = None         # PRR share (Linux: segments)
    dupthresh: Int | None = Field(None, ge=1)
    limited_transmit: Bool | None = None
    rack: Bool | None = None                                      # RFC 8985 §6 with SACK
    tlp: Bool | None = None                                       # RFC 8985 §7 with SACK
    slow_start_after_idle: Bool | None = None
    idle_restart: Literal["rfc", "linux"] | None = None
    # lifetime
    time_wait: Nanoseconds | None = Field(None, ge=0)             # 2·MSL
    rst_on_unread_close: Bool | None = None
    # TCP Fast Open (RFC 7413)
    fastopen: Int | None = Field(None, ge=0, le=0xFFFFFFFF)      # net.ipv4.tcp_fastopen bits
    fastopen_key: str | None = Field(None, pattern=_FASTOPEN_KEY)  # w-x-y-z hex words
    fastopen_qlen: Int | None = Field(None, ge=0)                 # TCP_FASTOPEN queue
    fastopen_connect: Bool | None = None                          # TCP_FASTOPEN_CONNECT
    fastopen_no_cookie: Bool | None = None                        # TCP_FASTOPEN_NO_COOKIE

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
