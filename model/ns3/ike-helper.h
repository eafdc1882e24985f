// Installs the IKE daemon on gateway nodes: the IkeApplication, ESP as IP protocol 50, the
// tunnel device, the CPU model, static routes for the protected subnets, and crash control.
#ifndef IKEV2_NS3_IKE_HELPER_H
#define IKEV2_NS3_IKE_HELPER_H

#include "crash-control.h"
#include "ike-application.h"
#include "ns3/ipv4-address.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"

#include <string>
#include <vector>

namespace ns3
{

/// One tunnel-mode connection between two gateways' protected subnets.
struct IkeConnection
{
    std::string name{ "peer" };
    Ipv4Address local;  ///< our outer (WAN) address
    Ipv4Address remote; ///< the peer's outer address (0.0.0.0: responder only)
    std::string localId;
    std::string remoteId;
    std::string psk;
    std::vector<std::string> localSubnets;  ///< "10.1.0.0/24"
    std::vector<std::string> remoteSubnets; ///< routed into the tunnel device
    ikev2::StartAction startAction{ ikev2::StartAction::Trap };
};

/**
 * \ingroup ikev2
 * Helper in the manner of RipHelper: set Attributes once, install on many nodes.
 *
 * The engine parses the inner IPv4 headers it seals, so the helper turns on ns-3's IPv4 and UDP
 * checksums (GlobalValue ChecksumEnabled) when it is constructed.
 */
class IkeHelper
{
  public:
    IkeHelper();

    /// Attributes for every IkeApplication installed from now on.
    void SetAttribute(const std::string& name, const AttributeValue& value);
    /// Attributes for every node's CpuModel.
    void SetCpuAttribute(const std::string& name, const AttributeValue& value);
    /// Attributes for every CrashControl.
    void SetCrashAttribute(const std::string& name, const AttributeValue& value);

    /// Installs ESP (if missing), the tunnel device (address @p tunnelAddress/32; 0.0.0.0 picks
    /// 10.255.x.y from the node id), a CpuModel and the IkeApplication on @p node (which needs
    /// an InternetStack with static routing).
    Ptr<IkeApplication> Install(Ptr<Node> node, Ipv4Address tunnelAddress = Ipv4Address::GetZero());
    /// Adds @p connection to @p app and routes its remote subnets into the tunnel device.
    /// Throws ikev2::ConfigError for a malformed subnet.
    void AddConnection(Ptr<IkeApplication> app, const IkeConnection& connection);
    /// Aggregates a CrashControl to @p node (once) and returns it.
    Ptr<CrashControl> InstallCrashControl(Ptr<Node> node);

    /// The tunnel device IkeHelper installed on @p node (nullptr if none).
    static Ptr<NetDevice> GetTunnelDevice(Ptr<Node> node);

  private:
    ObjectFactory m_appFactory;
    ObjectFactory m_cpuFactory;
    ObjectFactory m_crashFactory;
};

} // namespace ns3

#endif
