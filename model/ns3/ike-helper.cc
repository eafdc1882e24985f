#include "ike-helper.h"

#include "esp-l4-protocol.h"
#include "ns3/boolean.h"
#include "ns3/global-value.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4-static-routing.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/mac48-address.h"
#include "ns3/virtual-net-device.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("IkeHelper");

namespace
{

/// Tunnel MTU: leaves room for the outer IPv4 header and ESP/AES-GCM overhead (8-octet IV,
/// 16-octet ICV, up to 3 octets of padding and the 2-octet trailer) within a 1500-octet WAN.
constexpr uint16_t kTunnelMtu = 1400;

} // namespace

IkeHelper::IkeHelper()
{
    m_appFactory.SetTypeId(IkeApplication::GetTypeId());
    m_cpuFactory.SetTypeId(CpuModel::GetTypeId());
    m_crashFactory.SetTypeId(CrashControl::GetTypeId());
    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
}

void
IkeHelper::SetAttribute(const std::string& name, const AttributeValue& value)
{
    m_appFactory.Set(name, value);
}

void
IkeHelper::SetCpuAttribute(const std::string& name, const AttributeValue& value)
{
    m_cpuFactory.Set(name, value);
}

void
IkeHelper::SetCrashAttribute(const std::string& name, const AttributeValue& value)
{
    m_crashFactory.Set(name, value);
}

Ptr<NetDevice>
IkeHelper::GetTunnelDevice(Ptr<Node> node)
{
    for (uint32_t i = 0; i < node->GetNDevices(); ++i)
    {
        if (Ptr<VirtualNetDevice> dev = DynamicCast<VirtualNetDevice>(node->GetDevice(i)))
        {
            return dev;
        }
    }
    return nullptr;
}

Ptr<IkeApplication>
IkeHelper::Install(Ptr<Node> node, Ipv4Address tunnelAddress)
{
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    NS_ABORT_MSG_IF(!ipv4, "IkeHelper::Install: node " << node->GetId() << " has no IPv4 stack");

    Ptr<EspL4Protocol> esp = node->GetObject<EspL4Protocol>();
    if (!esp)
    {
        esp = CreateObject<EspL4Protocol>();
        node->AggregateObject(esp);
    }

    Ptr<VirtualNetDevice> tunnel = CreateObject<VirtualNetDevice>();
    tunnel->SetAddress(Mac48Address::Allocate());
    tunnel->SetMtu(kTunnelMtu);
    node->AddDevice(tunnel);
    uint32_t ifIndex = ipv4->AddInterface(tunnel);
    if (tunnelAddress == Ipv4Address::GetZero())
    {
        uint32_t id = node->GetId() + 1;
        tunnelAddress =
          Ipv4Address((10u << 24) | (255u << 16) | ((id >> 8) & 0xff) << 8 | (id & 0xff));
    }
    ipv4->AddAddress(ifIndex, Ipv4InterfaceAddress(tunnelAddress, Ipv4Mask::GetOnes()));
    ipv4->SetUp(ifIndex);

    Ptr<CpuModel> cpu = m_cpuFactory.Create<CpuModel>();
    node->AggregateObject(cpu);

    Ptr<IkeApplication> app = m_appFactory.Create<IkeApplication>();
    app->SetCpuModel(cpu);
    app->SetEspProtocol(esp);
    app->SetTunnelDevice(tunnel);
    node->AddApplication(app);
    return app;
}

void
IkeHelper::AddConnection(Ptr<IkeApplication> app, const IkeConnection& c)
{
    ikev2::PeerConfig peer;
    peer.name = c.name;
    peer.local.ip = ToEngine(c.local);
    peer.local.port = 500;
    peer.remote.ip = ToEngine(c.remote);
    peer.remote.port = c.remote == Ipv4Address::GetZero() ? 0 : 500;
    peer.localId = c.localId;
    peer.remoteId = c.remoteId;
    peer.auth = ikev2::AuthKind::Psk;
    peer.psk.assign(c.psk.begin(), c.psk.end());
    for (const auto& s : c.localSubnets)
    {
        peer.localTs.push_back(ikev2::TrafficSelectorConfig::FromCidr(s));
    }
    for (const auto& s : c.remoteSubnets)
    {
        peer.remoteTs.push_back(ikev2::TrafficSelectorConfig::FromCidr(s));
    }
    peer.startAction = c.startAction;
    app->AddConnection(peer);

    Ptr<Node> node = app->GetNode();
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    Ptr<NetDevice> tunnel = GetTunnelDevice(node);
    NS_ABORT_MSG_IF(!tunnel, "IkeHelper::AddConnection before Install");
    int32_t ifIndex = ipv4->GetInterfaceForDevice(tunnel);
    Ipv4StaticRoutingHelper staticHelper;
    Ptr<Ipv4StaticRouting> routing = staticHelper.GetStaticRouting(ipv4);
    NS_ABORT_MSG_IF(!routing, "IkeHelper needs static routing on node " << node->GetId());
    for (const auto& ts : peer.remoteTs)
    {
        // A selector range becomes the smallest covering prefix.
        uint32_t start = ts.start.value;
        uint32_t diff = start ^ ts.end.value;
        uint32_t prefix = 32;
        while (diff != 0)
        {
            diff >>= 1;
            --prefix;
        }
        uint32_t mask = prefix == 0 ? 0 : ~0u << (32 - prefix);
        routing->AddNetworkRouteTo(Ipv4Address(start & mask), Ipv4Mask(mask), ifIndex);
    }
}

Ptr<CrashControl>
IkeHelper::InstallCrashControl(Ptr<Node> node)
{
    Ptr<CrashControl> control = node->GetObject<CrashControl>();
    if (!control)
    {
        control = m_crashFactory.Create<CrashControl>();
        control->SetNode(node);
        node->AggregateObject(control);
    }
    return control;
}

} // namespace ns3
