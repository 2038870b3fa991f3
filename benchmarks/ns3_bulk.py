"""ns-3's side of the TCP benchmark: tcp_bulk's topology in ns-3 3.44 (PyPI ``ns3``).

sender –100 Mbps/1 ms– r1 –10 Mbps/20 ms– r2 –100 Mbps/1 ms– receiver, PointToPoint
links with DropTail 100-packet device queues and the traffic-control layer's default
FqCoDel removed, TcpNewReno (or TcpCubic) with SACK and PRR recovery (ns-3's defaults),
MSS 1448 with timestamps, 4 MiB buffers, delayed ACK every 2nd segment / 200 ms, IW10,
min RTO 1 s, BulkSend 0–20 s to a PacketSink.

The scenario is built in C++ through cppyy (the bindings' own compiler), so the only
thing timed from Python is ``Simulator::Run()``. ``run(cc, count_tx)`` returns a dict;
with ``count_tx`` a C++ trace sink counts PhyTxBegin on every device (kept out of the
timed runs, though it costs next to nothing).

ns-3's wheel and ns.py (the chain benchmark's baseline) both install a top-level
``ns`` package; whichever pip writes last owns ``ns/__init__.py``, and ns-3's stub
there replaces ``ns`` by its bindings, which breaks ``import ns.packet``. So this
module imports ns-3 as ``ns3.ns``, which works whichever of the two won.
"""

import importlib
import time

CODE = r"""
#include "ns3/core-module.h"
#include "ns3/network-module.h"
#include "ns3/internet-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/applications-module.h"
#include "ns3/traffic-control-module.h"

namespace netsim_bench {
using namespace ns3;
static uint64_t g_tx = 0;
static Ptr<PacketSink> g_sink;

static void CountTx(Ptr<const Packet>) { ++g_tx; }

static NetDeviceContainer Link(PointToPointHelper& p2p, Ptr<Node> a, Ptr<Node> b,
                               const char* rate, const char* delay) {
    p2p.SetDeviceAttribute("DataRate", StringValue(rate));
    p2p.SetChannelAttribute("Delay", StringValue(delay));
    return p2p.Install(a, b);
}

void Build(const std::string& cc, bool count_tx) {
    Config::SetDefault("ns3::TcpL4Protocol::SocketType", StringValue(cc));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(4194304));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(4194304));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
    Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(2));
    Config::SetDefault("ns3::TcpSocket::DelAckTimeout", TimeValue(MilliSeconds(200)));
    Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(Seconds(1)));
    Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(true));
    Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(true));

    NodeContainer n;
    n.Create(4);                                   // sender, r1, r2, receiver
    PointToPointHelper p2p;
    p2p.SetQueue("ns3::DropTailQueue", "MaxSize", StringValue("100p"));
    NetDeviceContainer d0 = Link(p2p, n.Get(0), n.Get(1), "100Mbps", "1ms");
    NetDeviceContainer d1 = Link(p2p, n.Get(1), n.Get(2), "10Mbps", "20ms");
    NetDeviceContainer d2 = Link(p2p, n.Get(2), n.Get(3), "100Mbps", "1ms");
    InternetStackHelper stack;
    stack.Install(n);
    Ipv4AddressHelper addr;
    addr.SetBase("10.0.1.0", "255.255.255.0");
    addr.Assign(d0);
    addr.SetBase("10.0.12.0", "255.255.255.252");
    addr.Assign(d1);
    addr.SetBase("10.0.2.0", "255.255.255.0");
    Ipv4InterfaceContainer i2 = addr.Assign(d2);
    TrafficControlHelper tch;                       // drop-tail only: no FqCoDel
    tch.Uninstall(d0);
    tch.Uninstall(d1);
    tch.Uninstall(d2);
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    uint16_t port = 5201;
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(i2.GetAddress(1), port));
    bulk.SetAttribute("MaxBytes", UintegerValue(0));
    ApplicationContainer tx = bulk.Install(n.Get(0));
    tx.Start(Seconds(0));
    tx.Stop(Seconds(20));
    PacketSinkHelper sink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer rx = sink.Install(n.Get(3));
    rx.Start(Seconds(0));
    g_sink = DynamicCast<PacketSink>(rx.Get(0));
    g_tx = 0;
    if (count_tx)
        Config::ConnectWithoutContext(
            "/NodeList/*/DeviceList/*/$ns3::PointToPointNetDevice/PhyTxBegin",
            MakeCallback(&CountTx));
    Simulator::Stop(Seconds(20));
}

uint64_t Received() { return g_sink->GetTotalRx(); }
uint64_t Transmissions() { return g_tx; }
uint64_t Events() { return Simulator::GetEventCount(); }
}
"""

CC = {"newreno": "ns3::TcpNewReno", "cubic": "ns3::TcpCubic"}


def available():
    """``None`` when ns-3 imports, else the reason it does not."""
    try:
        importlib.import_module("ns3.ns")  # loads the bindings (ns3.ns.ns), binding no name
    except Exception as e:          # ImportError, or the bindings failing to load
        return f"ns-3 not importable ({type(e).__name__}: {e}); pip install ns3==3.44.post0"
    return None


def run(cc: str, count_tx: bool = False) -> dict:
    from ns3.ns import ns
    import cppyy

    cppyy.cppdef(CODE)
    bench = cppyy.gbl.netsim_bench
    bench.Build(CC[cc], count_tx)
    t0, c0 = time.perf_counter(), time.process_time()
    ns.Simulator.Run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    res = {"wall_s": wall, "cpu_s": cpu, "events": int(bench.Events()), "bytes_received": int(bench.Received()),
           "sim_s": ns.Simulator.Now().GetSeconds()}
    if count_tx:
        res["tx_frames"] = int(bench.Transmissions())
    ns.Simulator.Destroy()
    res["goodput_bps"] = res["bytes_received"] * 8 / 20
    return res
