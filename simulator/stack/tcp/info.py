"""tcp_info as Linux's getsockopt(TCP_INFO) reports it (include/uapi/linux/tcp.h):
times in microseconds, cwnd and ssthresh in segments."""

from .seq import seq_sub

_CA_STATE = {"open": 0, "recovery": 3, "loss": 4}   # 1 = disorder (dupACKs seen)


def build(conn) -> dict:
    cc = conn.cc
    mss = conn.snd_mss
    rtt = conn.rtt
    ssthresh = cc.ssthresh if cc else 0x7FFFFFFF
    return {
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
        "tcpi_retrans": _retrans_out(conn.sb, mss) if conn.sb else 0,
        "tcpi_total_retrans": conn.total_retrans,
        "tcpi_segs_out": conn.segs_out,
        "tcpi_segs_in": conn.segs_in,
    }


def _retrans_out(sb, mss: int) -> int:
    """Linux retrans_out: retransmitted segments not yet acked or SACKed."""
    return sum(_segments(s.length, mss) for s in sb.outstanding()
               if s.retransmitted and not s.sacked)


def _segments(nbytes: int, mss: int) -> int:
    """Bytes as Linux's packet counts (sacked_out, lost_out): whole segments."""
    return -(-nbytes // mss) if mss else 0
