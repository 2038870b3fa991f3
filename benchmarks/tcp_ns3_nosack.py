#!/usr/bin/env python
"""Why ns-3 3.44's NewReno without SACK gets 6.52 Mb/s on tcp_bulk's topology.

    .venv-ns3/bin/python benchmarks/tcp_ns3_nosack.py [--sack] [--tsv PATH]
    .venv/bin/python benchmarks/tcp_ns3_nosack.py --netsim out/tcp_ns3_newreno_nosack/trace.jsonl

Runs benchmarks/ns3_bulk.py's scenario (the same C++ build) with the sender's TCP
switched to ``Sack=false`` and ``TcpClassicRecovery`` (the issue's reference run),
hooks the sender socket's trace sources (CongState, CongestionWindow,
SlowStartThreshold, RTO, Tx, Retransmission, Rx) and prints, per second: goodput (the
highest cumulative ACK's advance), transmissions, retransmissions, recovery entries,
and how many of those entries came on a *single* duplicate ACK (Open → Disorder →
Recovery at one instant: ns-3's emulated-SACK scoreboard said IsLost(HighACK+1)).
``--netsim TRACE`` prints the same table from a netsim run's trace.jsonl instead (the
sender's tcp.rx/tx/retransmit/cwnd/rto records; no ns-3 needed), for the second-by-
second comparison in docs/tcp.md ("ns-3's non-SACK recovery").
This is evidence for docs/tcp.md's account of the gap, not a timed benchmark.
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ns3_bulk  # noqa: E402

HOOKS = r"""
namespace netsim_nosack {
using namespace ns3;
std::vector<double> t; std::vector<int> kind; std::vector<double> a; std::vector<double> b;
static void Rec(int k, double x, double y) {
    t.push_back(Simulator::Now().GetSeconds()); kind.push_back(k); a.push_back(x); b.push_back(y);
}
static void Cwnd(uint32_t o, uint32_t n) { Rec(0, o, n); }
static void Ssth(uint32_t o, uint32_t n) { Rec(1, o, n); }
static void Cong(TcpSocketState::TcpCongState_t o, TcpSocketState::TcpCongState_t n) { Rec(2, o, n); }
static void Retx(Ptr<const Packet> p, const TcpHeader& h, const Address&, const Address&,
                 Ptr<const TcpSocketBase>) { Rec(3, h.GetSequenceNumber().GetValue(), p->GetSize()); }
static void Tx(Ptr<const Packet> p, const TcpHeader& h, Ptr<const TcpSocketBase>) {
    if (p->GetSize() > 0) Rec(4, h.GetSequenceNumber().GetValue(), p->GetSize());
}
static void Rx(Ptr<const Packet>, const TcpHeader& h, Ptr<const TcpSocketBase>) {
    Rec(5, h.GetAckNumber().GetValue(), 0);
}
static void Rto(Time o, Time n) { Rec(6, o.GetSeconds(), n.GetSeconds()); }
static void Hook() {
    std::string s = "/NodeList/0/$ns3::TcpL4Protocol/SocketList/0/";
    Config::ConnectWithoutContext(s + "CongestionWindow", MakeCallback(&Cwnd));
    Config::ConnectWithoutContext(s + "SlowStartThreshold", MakeCallback(&Ssth));
    Config::ConnectWithoutContext(s + "CongState", MakeCallback(&Cong));
    Config::ConnectWithoutContext(s + "Retransmission", MakeCallback(&Retx));
    Config::ConnectWithoutContext(s + "Tx", MakeCallback(&Tx));
    Config::ConnectWithoutContext(s + "Rx", MakeCallback(&Rx));
    Config::ConnectWithoutContext(s + "RTO", MakeCallback(&Rto));
}
// After netsim_bench::Build: sockets are made when BulkSend starts (inside Run), so
// the TcpSocketBase default still applies; the L4 protocols exist already.
void Configure(bool sack) {
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(sack));
    Config::Set("/NodeList/*/$ns3::TcpL4Protocol/RecoveryType",
                TypeIdValue(TypeId::LookupByName(sack ? "ns3::TcpPrrRecovery"
                                                      : "ns3::TcpClassicRecovery")));
    Simulator::Schedule(NanoSeconds(1), &Hook);
}
}
"""
KINDS = ["cwnd", "ssthresh", "cong", "retx", "tx", "ack", "rto"]
CA_DISORDER, CA_RECOVERY, CA_LOSS = 1, 3, 4            # TcpSocketState::TcpCongState_t
DURATION_S = 20


def run(sack: bool) -> tuple[int, list]:
    from ns3.ns import ns
    import cppyy

    cppyy.cppdef(ns3_bulk.CODE)
    cppyy.cppdef(HOOKS)
    cppyy.gbl.netsim_bench.Build(ns3_bulk.CC["newreno"], False)
    hooks = cppyy.gbl.netsim_nosack
    hooks.Configure(sack)
    ns.Simulator.Run()
    received = int(cppyy.gbl.netsim_bench.Received())
    events = [(t, KINDS[k], a, b) for t, k, a, b in zip(hooks.t, hooks.kind, hooks.a, hooks.b)]
    ns.Simulator.Destroy()
    return received, events


def per_second(events: list) -> list[dict]:
    rows = [{"s": s, "high_ack": 0, "tx": 0, "retx": 0, "recoveries": 0, "one_dupack": 0,
             "rto": 0} for s in range(DURATION_S)]
    entered_disorder_at = None
    for t, kind, a, b in events:
        row = rows[min(int(t), len(rows) - 1)]
        if kind == "ack":
            row["high_ack"] = max(row["high_ack"], a)
        elif kind in ("tx", "retx"):
            row[kind] += 1
        elif kind == "cong" and b == CA_LOSS:
            row["rto"] += 1                # an RTO expiry: ReTxTimeout enters CA_LOSS
        elif kind == "cong" and b == CA_DISORDER:
            entered_disorder_at = t
        elif kind == "cong" and b == CA_RECOVERY:
            row["recoveries"] += 1
            row["one_dupack"] += a == CA_DISORDER and entered_disorder_at == t
    return rows


def netsim_per_second(trace_path: str) -> list[dict]:
    """The per-second rows of a netsim run, from its sender's TCP records (goodput
    from the ACK numbers' advance past the first one seen)."""
    rows = [{"s": s, "high_ack": 0, "tx": 0, "retx": 0, "recoveries": 0, "one_dupack": 0,
             "rto": 0} for s in range(DURATION_S)]
    first = last_ack = None
    dupacks, state = 0, "open"
    with open(trace_path) as f:
        for line in f:
            e = json.loads(line)
            if e.get("node") != "sender" or e.get("layer") != "tcp":
                continue
            row = rows[min(e["ns"] // 1_000_000_000, DURATION_S - 1)]
            event = e["event"]
            if event == "tcp.rx":
                first = e["ack"] if first is None else first
                dupacks = dupacks + 1 if e["ack"] == last_ack and not e["len"] else 0
                last_ack = e["ack"]
                row["high_ack"] = max(row["high_ack"], (e["ack"] - first) % 2**32)
            elif event == "tcp.tx" and e["len"]:
                row["tx"] += 1
            elif event == "tcp.retransmit":
                row["retx"] += 1
            elif event == "tcp.rto":
                row["rto"] += 1
            elif event == "tcp.cwnd":
                if e["state"] == "recovery" and state != "recovery":
                    row["recoveries"] += 1
                    row["one_dupack"] += dupacks == 1
                state = e["state"]
    return rows


def print_rows(rows: list[dict], prev: int) -> None:
    print(" s  goodput Mb/s    tx  retx  recoveries (on 1 dupACK)  RTOs")
    for r in rows:
        mbps = max(r["high_ack"] - prev, 0) * 8 / 1e6
        prev = max(prev, r["high_ack"])
        print(f"{r['s']:2d}  {mbps:12.2f}  {r['tx']:4d}  {r['retx']:4d}  "
              f"{r['recoveries']:10d} ({r['one_dupack']:3d})            {r['rto']:2d}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sack", action="store_true", help="SACK + PRR (ns-3's defaults)")
    ap.add_argument("--tsv", help="write every traced event here (time, kind, a, b)")
    ap.add_argument("--netsim", metavar="TRACE", help="print a netsim run's table instead")
    args = ap.parse_args(argv)
    if args.netsim:
        rows = netsim_per_second(args.netsim)
        print(f"netsim {args.netsim}")
        print_rows(rows, 0)
        print(f"retransmissions: {sum(r['retx'] for r in rows)}")
        return 0
    why = ns3_bulk.available()
    if why:
        print(why, file=sys.stderr)
        return 1
    received, events = run(args.sack)
    if args.tsv:
        with open(args.tsv, "w") as f:
            f.writelines(f"{t:.9f}\t{k}\t{a:.10g}\t{b:.10g}\n" for t, k, a, b in events)
    print(f"ns-3 3.44 NewReno, {'SACK + PRR' if args.sack else 'no SACK, classic recovery'}: "
          f"{received} bytes by 20 s = {received * 8 / 20e6:.3f} Mb/s")
    print_rows(per_second(events), 1)      # ns-3's ISN is 0: data starts at 1
    total = sum(1 for e in events if e[1] == "retx")
    ssth = [e for e in events if e[1] == "ssthresh"]
    print(f"retransmissions: {total}; last ssthresh change: {ssth[-1][3]:.0f} B "
          f"at {ssth[-1][0]:.3f} s" if ssth else f"retransmissions: {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
