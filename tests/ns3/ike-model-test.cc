// The ns-3 node models in short simulations: establishment, inner traffic both ways through
// ESP only, the CPU model's effect on timing, crash and reboot of a gateway.
#include "cpu-model.h"
#include "ipv4-packet.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "two-site-fixture.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace testing_ns3;

namespace
{

/// Outer IPv4 packets seen on one WAN device (PPP header stripped), parsed by the engine's
/// bounds-checked parser.
struct WanCapture
{
    std::vector<ikev2::Ipv4Info> packets;
    uint32_t unparsable{ 0 };

    void Sniff(Ptr<const Packet> p)
    {
        std::vector<uint8_t> bytes(p->GetSize());
        p->CopyData(bytes.data(), bytes.size());
        ikev2::Ipv4Info info;
        if (bytes.size() > 2 && ikev2::ParseIpv4(bytes.data() + 2, bytes.size() - 2, info))
        {
            packets.push_back(info);
        }
        else
        {
            ++unparsable;
        }
    }
};

} // namespace

TEST(IkeModel, EstablishesAndCarriesInnerTrafficBothWaysOverEspOnly)
{
    TwoSite s = BuildTwoSite({});
    WanCapture wan;
    s.topo.wan.Get(0)->TraceConnectWithoutContext(
      "Sniffer", Callback<void, Ptr<const Packet>>([&wan](Ptr<const Packet> p) { wan.Sniff(p); }));
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    for (const char* node : { "alice", "bob" })
    {
        EXPECT_EQ(RowsOf(*s.collector, node, "ike-sa-established").size(), 1u) << node;
        EXPECT_EQ(RowsOf(*s.collector, node, "child-sa-installed").size(), 1u) << node;
        EXPECT_TRUE(RowsOf(*s.collector, node, "auth-failed").empty()) << node;
    }
    // 3.5 s at 20/s = 70 datagrams each way; the first ones wait for the SA (Bob has no policy
    // to initiate, so B->A datagrams before the SA is up are dropped at Bob).
    EXPECT_EQ(s.ab->GetSendTimes().size(), 70u);
    EXPECT_GE(s.abSink->GetArrivals().size(), 66u);
    EXPECT_GE(s.baSink->GetArrivals().size(), 66u);
    const auto* aliceEp = s.alice->GetEndpoint();
    const auto* bobEp = s.bob->GetEndpoint();
    ASSERT_NE(aliceEp, nullptr);
    ASSERT_NE(bobEp, nullptr);
    EXPECT_GE(aliceEp->Counters().espPacketsOut, s.abSink->GetArrivals().size());
    EXPECT_GE(bobEp->Counters().espPacketsOut, s.baSink->GetArrivals().size());
    EXPECT_EQ(aliceEp->Counters().espIntegrityFailed + bobEp->Counters().espIntegrityFailed, 0u);

    // On the WAN only the gateways' addresses appear, and inner datagrams travel as ESP.
    ASSERT_FALSE(wan.packets.empty());
    EXPECT_EQ(wan.unparsable, 0u);
    uint32_t esp = 0;
    for (const auto& p : wan.packets)
    {
        EXPECT_EQ(p.src.ToString().rfind("192.0.2.", 0), 0u) << p.src.ToString();
        EXPECT_EQ(p.dst.ToString().rfind("192.0.2.", 0), 0u) << p.dst.ToString();
        EXPECT_TRUE(p.protocol == 50 ||
                    (p.protocol == 17 && (p.dstPort == 500 || p.dstPort == 4500)))
          << "protocol " << int(p.protocol) << " port " << p.dstPort;
        esp += p.protocol == 50 ? 1 : 0;
    }
    EXPECT_GE(esp, s.abSink->GetArrivals().size() + s.baSink->GetArrivals().size());
    Simulator::Destroy();
}

TEST(IkeModel, CpuCostDelaysEstablishment)
{
    auto establishedAt = [](bool cpu)
    {
        TwoSiteOptions o;
        o.configure = [cpu](IkeHelper& h)
        {
            h.SetCpuAttribute("Enabled", BooleanValue(cpu));
            // Slow DH: 20 ms per X25519 operation, on one core.
            h.SetCpuAttribute("CostTable",
                              StringValue("dh_keygen_x25519=20000,dh_derive_x25519=20000"));
            h.SetCpuAttribute("Cores", UintegerValue(1));
        };
        TwoSite s = BuildTwoSite(o);
        Simulator::Stop(Seconds(3));
        Simulator::Run();
        auto rows = RowsOf(*s.collector, "alice", "ike-sa-established");
        double t = rows.empty() ? -1 : rows.front().timeNs / 1e9;
        double busy = s.alice->GetCpuModel()->GetBusyTime().GetSeconds() +
                      s.bob->GetCpuModel()->GetBusyTime().GetSeconds();
        Simulator::Destroy();
        return std::make_pair(t, busy);
    };
    auto [fast, fastBusy] = establishedAt(false);
    auto [slow, slowBusy] = establishedAt(true);
    ASSERT_GT(fast, 0);
    ASSERT_GT(slow, 0);
    // Alice's keygen, Bob's keygen and derivation, Alice's derivation: four 20 ms operations in
    // sequence on the critical path.
    EXPECT_GE(slow - fast, 0.080 - 1e-6);
    EXPECT_LT(slow - fast, 0.100);
    EXPECT_EQ(fastBusy, 0);
    EXPECT_GE(slowBusy, 0.080);
}

TEST(IkeModel, CrashTakesBobDownAndRebootRestoresInterfacesRoutesAndDaemon)
{
    TwoSiteOptions o;
    o.flowStop = 9;
    o.bootTime = 1;
    TwoSite s = BuildTwoSite(o);
    Simulator::Schedule(Seconds(3), &CrashControl::PowerCycle, s.bobPower);
    Ptr<Ipv4> ipv4 = s.topo.bob->GetObject<Ipv4>();
    bool downChecked = false;
    bool upChecked = false;
    Simulator::Schedule(Seconds(3.5),
                        [&]()
                        {
                            downChecked = true;
                            EXPECT_FALSE(s.bobPower->IsUp());
                            EXPECT_FALSE(s.bob->IsDaemonUp());
                            for (uint32_t i = 1; i < ipv4->GetNInterfaces(); ++i)
                            {
                                EXPECT_FALSE(ipv4->IsUp(i)) << "interface " << i;
                            }
                            EXPECT_TRUE(s.bob->GetEndpoint()->IkeSas().empty());
                        });
    Simulator::Schedule(
      Seconds(4.5),
      [&]()
      {
          upChecked = true;
          EXPECT_TRUE(s.bobPower->IsUp());
          EXPECT_TRUE(s.bob->IsDaemonUp());
          for (uint32_t i = 1; i < ipv4->GetNInterfaces(); ++i)
          {
              EXPECT_TRUE(ipv4->IsUp(i)) << "interface " << i;
          }
          // The route of the protected subnet into the tunnel device is back.
          Ipv4Header h;
          h.SetDestination(Ipv4Address("10.1.0.2"));
          h.SetSource(Ipv4Address("10.2.0.2"));
          Socket::SocketErrno err;
          Ptr<Ipv4Route> route =
            ipv4->GetRoutingProtocol()->RouteOutput(Create<Packet>(), h, nullptr, err);
          ASSERT_TRUE(route);
          EXPECT_EQ(route->GetOutputDevice(), IkeHelper::GetTunnelDevice(s.topo.bob));
      });
    Simulator::Stop(Seconds(10));
    Simulator::Run();
    EXPECT_TRUE(downChecked);
    EXPECT_TRUE(upChecked);
    auto crashes = RowsOf(*s.collector, "bob", "crash");
    auto ups = RowsOf(*s.collector, "bob", "up");
    ASSERT_EQ(crashes.size(), 1u);
    ASSERT_EQ(ups.size(), 1u);
    EXPECT_EQ(crashes[0].timeNs, 3000000000);
    EXPECT_EQ(ups[0].timeNs, 4000000000);
    // Nothing crosses Bob while he is down.
    for (const auto& a : s.abSink->GetArrivals())
    {
        EXPECT_FALSE(a.receivedNs > 3001000000 && a.receivedNs < 4000000000) << a.receivedNs;
    }
    Simulator::Destroy();
}

TEST(CpuModel, FifoOnOneAndTwoCoresAndCrashDiscardsWork)
{
    for (uint32_t cores : { 1u, 2u })
    {
        Ptr<CpuModel> cpu = CreateObject<CpuModel>();
        cpu->SetAttribute("Cores", UintegerValue(cores));
        std::vector<double> done;
        Simulator::Schedule(Seconds(1),
                            [&]()
                            {
                                for (int i = 0; i < 4; ++i)
                                {
                                    cpu->Submit(MilliSeconds(10),
                                                [&done]()
                                                { done.push_back(Simulator::Now().GetSeconds()); });
                                }
                            });
        Simulator::Schedule(Seconds(1.025),
                            [&]()
                            {
                                EXPECT_EQ(cpu->GetBacklog(), cores == 1 ? 2u : 0u);
                                cpu->Crash();
                            });
        Simulator::Run();
        if (cores == 1)
        {
            ASSERT_EQ(done.size(), 2u); // the third was running at the crash, the fourth queued
            EXPECT_DOUBLE_EQ(done[0], 1.010);
            EXPECT_DOUBLE_EQ(done[1], 1.020);
            EXPECT_EQ(cpu->GetBusyTime(), MilliSeconds(25));
        }
        else
        {
            ASSERT_EQ(done.size(), 4u);
            EXPECT_DOUBLE_EQ(done[0], 1.010);
            EXPECT_DOUBLE_EQ(done[1], 1.010);
            EXPECT_DOUBLE_EQ(done[2], 1.020);
            EXPECT_DOUBLE_EQ(done[3], 1.020);
            EXPECT_EQ(cpu->GetBusyTime(), MilliSeconds(40));
        }
        Simulator::Destroy();
    }
}

TEST(CpuModel, CostTableChargesPerOperationAndPerByte)
{
    CpuCostTable t;
    std::string error;
    ASSERT_TRUE(CpuCostTable::Parse("aead_seal=1:0.5,prf=2", t, error)) << error;
    ikev2::CryptoCounts c;
    c.Add(ikev2::CryptoOp::AeadSeal, 1000);
    c.Add(ikev2::CryptoOp::Prf, 0);
    c.Add(ikev2::CryptoOp::Prf, 0);
    // 1 us + 1000 * 0.5 ns + 2 * (2 us + Reference per-byte * 0).
    EXPECT_EQ(t.Charge(c), NanoSeconds(1000 + 500 + 4000));
    EXPECT_FALSE(CpuCostTable::Parse("aead_seal=x", t, error));
    EXPECT_NE(error.find("aead_seal"), std::string::npos);
    EXPECT_FALSE(CpuCostTable::Parse("warp_drive=1", t, error));
    EXPECT_NE(error.find("warp_drive"), std::string::npos);
    // The reference profile charges an X25519 exchange about 30 us per operation.
    CpuCostTable ref = CpuCostTable::Reference();
    ikev2::CryptoCounts dh;
    dh.Add(ikev2::CryptoOp::DhDeriveX25519);
    EXPECT_EQ(ref.Charge(dh), NanoSeconds(30480));
}
