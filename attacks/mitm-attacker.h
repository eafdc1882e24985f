// Full man in the middle: the on-path injector that can also remove packets from the link. With
// DropAnswers (default) it drops every IKE message Bob sends to Alice from its start time on, so
// that Alice's liveness checks and recovery exchanges never get Bob's real (protected) answer and
// only the forgeries reach her. Dropping is a denial of service no scheme can prevent (Alice's
// retransmissions give up and she declares Bob dead); the mitm scenario reports what the
// forgeries add on top (doc/mitm.md). ESP is not dropped, so the tunnel keeps carrying traffic
// until an SA is torn down.
#ifndef IKEV2_ATTACKS_MITM_ATTACKER_H
#define IKEV2_ATTACKS_MITM_ATTACKER_H

#include "on-path-injector.h"

namespace ns3
{

/**
 * \ingroup ikev2
 * Full man in the middle (doc/mitm.md).
 */
class MitmAttacker : public OnPathInjector
{
  public:
    static TypeId GetTypeId();
    /// Real packets removed from the link.
    uint64_t GetDropped() const;

  protected:
    void Begin() override;
    void StopApplication() override;

  private:
    bool ShouldDrop(Ptr<const Packet> framed);

    bool m_dropAnswers{ true };
    bool m_active{ false };
    uint64_t m_dropped{ 0 };
};

} // namespace ns3

#endif
