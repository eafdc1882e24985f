#include "two-site-fixture.h"

#include "ns3/core-module.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace testing_ns3
{

using namespace ns3;

TwoSite
BuildTwoSite(const TwoSiteOptions& o)
{
    TwoSite s;
    scenarios::WanParams wan;
    wan.rttS = o.rtt;
    s.topo = scenarios::BuildGatewayPair(wan);

    IkeHelper ike;
    ike.SetCrashAttribute("BootTime", TimeValue(Seconds(o.bootTime)));
    if (o.configure)
    {
        o.configure(ike);
    }
    s.alice = ike.Install(s.topo.alice);
    s.bob = ike.Install(s.topo.bob);
    IkeConnection toBob;
    toBob.name = "bob";
    toBob.local = s.topo.aliceWanAddress;
    toBob.remote = s.topo.bobWanAddress;
    toBob.localId = "alice.example";
    toBob.remoteId = "bob.example";
    toBob.psk = "test secret";
    toBob.localSubnets = { s.topo.subnetA };
    toBob.remoteSubnets = { s.topo.subnetB };
    toBob.startAction = ikev2::StartAction::Trap;
    IkeConnection toAlice = toBob;
    toAlice.name = "alice";
    toAlice.local = s.topo.bobWanAddress;
    toAlice.remote = s.topo.aliceWanAddress;
    toAlice.localId = "bob.example";
    toAlice.remoteId = "alice.example";
    toAlice.localSubnets = { s.topo.subnetB };
    toAlice.remoteSubnets = { s.topo.subnetA };
    toAlice.startAction = ikev2::StartAction::None;
    ike.AddConnection(s.alice, toBob);
    ike.AddConnection(s.bob, toAlice);
    s.bobPower = ike.InstallCrashControl(s.topo.bob);

    s.collector = CreateObject<IkeStatsCollector>();
    s.collector->ConnectApplication("alice", s.alice);
    s.collector->ConnectApplication("bob", s.bob);
    s.collector->ConnectCrashControl("bob", s.bobPower);

    auto flow = [&](Ptr<Node> from, Ptr<Node> to, Ipv4Address dst, uint32_t id)
    {
        Ptr<scenarios::FlowSink> sink = CreateObject<scenarios::FlowSink>();
        sink->SetAttribute("Port", UintegerValue(9000));
        sink->SetAttribute("FlowId", UintegerValue(id));
        to->AddApplication(sink);
        Ptr<scenarios::FlowSource> source = CreateObject<scenarios::FlowSource>();
        source->SetAttribute("Rate", DoubleValue(o.rate));
        source->SetAttribute("FlowId", UintegerValue(id));
        source->SetRemote(dst, 9000);
        from->AddApplication(source);
        source->SetStartTime(Seconds(o.flowStart));
        source->SetStopTime(Seconds(o.flowStop));
        return std::make_pair(source, sink);
    };
    std::tie(s.ab, s.abSink) = flow(s.topo.hostA, s.topo.hostB, s.topo.hostBAddress, 1);
    std::tie(s.ba, s.baSink) = flow(s.topo.hostB, s.topo.hostA, s.topo.hostAAddress, 2);
    return s;
}

std::vector<IkeStatsCollector::Row>
RowsOf(const IkeStatsCollector& c, const std::string& node, const std::string& event)
{
    std::vector<IkeStatsCollector::Row> out;
    for (const auto& r : c.GetRows())
    {
        if (r.node == node && r.event == event)
        {
            out.push_back(r);
        }
    }
    return out;
}

int
RunProgram(const std::string& program, const std::vector<std::string>& args, std::string& output)
{
    std::string command = "'" + program + "'";
    for (const auto& a : args)
    {
        command += " '" + a + "'";
    }
    command += " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
    {
        return -1;
    }
    char buf[512];
    output.clear();
    while (fgets(buf, sizeof(buf), pipe))
    {
        output += buf;
    }
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string
TestRunDir(const std::string& name)
{
    std::string dir = std::string(NS3_TEST_RUN_DIR) + "/" + name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::string
ReadFile(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

nlohmann::json
ReadJson(const std::string& path)
{
    return nlohmann::json::parse(ReadFile(path));
}

} // namespace testing_ns3
