"""tcp_info as Linux's getsockopt(TCP_INFO) reports it (include/uapi/linux/tcp.h):
times in microseconds, cwnd and ssthresh in segments."""

from .seq import seq_sub

_CA_STATE = {"open": 0, "recovery": 3, "loss": 4}   # 1 = disorder (dupACKs seen)


def build(conn, now: int | None = None) -> dict:
    cc = conn.cc
    mss = conn.snd_mss
    rtt = conn.rtt
    ssthresh = cc.ssthresh if cc else 0x7FFFFFFF
    info = {
        "tcpi_state": conn.linux_state,
        "tcpi_state_name": conn.state.value,
        "tcpi_ca_state": _CA_STATE[conn.ca_state] + (conn.ca_state == "open" and conn.dupacks > 0),
        "tcpi_retransmits": conn.retransmits,
        "tcpi_probes": conn._probes,
        "tcpi_backoff": rtt.backoffs,
        "tcpi_rto": rtt.rto_ns // 1000,
        "tcpi_ato": conn.config.delayed_ack // 1000,
        "tcpi_snd_mss": mss,
        "tcpi_advmss": conn.adv_mss,
        "tcpi_rcv_mss": conn.rcv_mss,
        "tcpi_unacked": -(-max(seq_sub(conn.snd_nxt, conn.snd_una), 0) // mss) if mss else 0,
        "tcpi_rtt": (rtt.srtt_ns or 0) // 1000,
        "tcpi_rttvar": (rtt.rttvar_ns or 0) // 1000,
        "tcpi_snd_ssthresh": (0x7FFFFFFF if ssthresh >= 0x7FFFFFFF or not mss
                              else ssthresh // mss),
        "tcpi_snd_cwnd": cc.cwnd // mss if cc and mss else 0,
        "tcpi_snd_wnd": conn.snd_wnd,
        "tcpi_rcv_wnd": conn.rcv_wnd,
        "tcpi_snd_wscale": conn.neg.snd_wscale if conn.neg else 0,
        "tcpi_rcv_wscale": conn.neg.rcv_wscale if conn.neg else 0,
        "tcpi_options_ts": bool(conn.neg and conn.neg.timestamps),
        "tcpi_options_sack": bool(conn.neg and conn.neg.sack),
        "tcpi_options_syn_data": conn.syn_data_acked,     # RFC 7413: SYN data taken
        "tcpi_delivered": conn.delivered,
        "tcpi_sacked": _segments(conn.sb.sacked_bytes, mss) if conn.sb else 0,
        "tcpi_lost": _segments(conn.sb.lost_bytes, mss) if conn.sb else 0,
        "tcpi_retrans": _segments(conn.sb.retrans_bytes, mss) if conn.sb else 0,
        "tcpi_reordering": conn.reordering,
        "tcpi_reord_seen": conn.reord_seen,
        "tcpi_min_rtt": (conn._min_rtt or 0) // 1000,
        "tcpi_total_retrans": conn.total_retrans,
        "tcpi_segs_out": conn.segs_out,
        "tcpi_segs_in": conn.segs_in,
    }
    if now is not None:                      # milliseconds, as Linux's jiffies deltas
        info["tcpi_last_data_recv"] = (now - conn._data_rcv_ns) // 1_000_000
        info["tcpi_last_ack_recv"] = (now - conn._heard_ns) // 1_000_000
    return info


def _segments(nbytes: int, mss: int) -> int:
    """Bytes as Linux's packet counts (sacked_out, lost_out): whole segments."""
    return -(-nbytes // mss) if mss else 0
