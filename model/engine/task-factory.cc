#include "task-factory.h"

#include "child-create-task.h"
#include "ike-auth-task.h"
#include "ike-init-task.h"
#include "ike-rekey-task.h"
#include "ike-sa.h"
#include "informational-task.h"

namespace ikev2
{

std::unique_ptr<Task>
CreateResponderTask(EngineContext& ctx,
                    IkeSa& sa,
                    const IkeHeader& header,
                    const std::vector<Payload>& request)
{
    const bool established = sa.state != IkeSaState::Connecting;
    switch (static_cast<ExchangeType>(header.exchangeType))
    {
    case ExchangeType::IkeSaInit:
        if (sa.originalInitiator || sa.HasKeys())
        {
            return nullptr;
        }
        return std::make_unique<IkeInitTask>(false);
    case ExchangeType::IkeAuth:
        if (established || sa.originalInitiator || !sa.HasKeys())
        {
            return nullptr;
        }
        return std::make_unique<IkeAuthTask>(false);
    case ExchangeType::CreateChildSa: {
        if (!established)
        {
            return nullptr;
        }
        // An SA payload proposing protocol IKE rekeys the IKE SA; anything else is a Child SA
        // (new, or a rekey with REKEY_SA).
        for (const auto& p : request)
        {
            if (const auto* sap = std::get_if<SaPayload>(&p.body))
            {
                if (!sap->proposals.empty() &&
                    sap->proposals[0].protocolId == static_cast<uint8_t>(ProtocolId::Ike))
                {
                    return std::make_unique<IkeRekeyTask>(false);
                }
            }
        }
        return std::make_unique<ChildCreateTask>(false);
    }
    case ExchangeType::Informational:
        if (!established)
        {
            return nullptr;
        }
        return InformationalTask::Responder();
    case ExchangeType::IkeSessionResume:
        break;
    }
    return nullptr;
}

} // namespace ikev2
