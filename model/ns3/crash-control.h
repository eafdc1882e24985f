// Power failure and reboot of a gateway node: Crash() takes every IPv4 interface down, drops
// the packets waiting in its devices' queues and kills the IKE daemon (volatile state and
// in-flight CPU work gone); Reboot() brings interfaces, static routes and the daemon back after
// the boot time, with only the daemon's persistent store.
#ifndef IKEV2_NS3_CRASH_CONTROL_H
#define IKEV2_NS3_CRASH_CONTROL_H

#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"

#include <vector>

namespace ns3
{

class Node;

/**
 * \ingroup ikev2
 * Crash/reboot control of one node (aggregate it to the node; IkeHelper::InstallCrashControl).
 */
class CrashControl : public Object
{
  public:
    static TypeId GetTypeId();
    CrashControl();
    ~CrashControl() override;

    void SetNode(Ptr<Node> node);
    /// The node loses power now (no-op when already down).
    void Crash();
    /// Power comes back now; the node is up BootTime later (no-op unless crashed).
    void Reboot();
    /// Crash() now and Reboot() at once: the node is back after BootTime.
    void PowerCycle();
    bool IsUp() const;
    Time GetBootTime() const;

    /// Signature of the Crashed and Up trace sources.
    typedef void (*NodeStateTracedCallback)(uint32_t nodeId);

  protected:
    void DoDispose() override;

  private:
    void BootDone();

    struct Route
    {
        Ipv4Address dest;
        Ipv4Mask mask;
        Ipv4Address gateway;
        uint32_t interface;
        uint32_t metric;
    };

    Ptr<Node> m_node;
    Time m_bootTime{ Seconds(30) };
    bool m_up{ true };
    bool m_booting{ false };
    EventId m_bootEvent;
    std::vector<uint32_t> m_interfacesDown; ///< interfaces we took down, to bring back up
    std::vector<Route> m_routes;            ///< static routes at the crash (configuration)
    TracedCallback<uint32_t> m_crashedTrace;
    TracedCallback<uint32_t> m_upTrace;
};

} // namespace ns3

#endif
