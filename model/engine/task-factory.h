// The responder's side of each exchange: which task answers a request.
#ifndef IKEV2_TASK_FACTORY_H
#define IKEV2_TASK_FACTORY_H

#include "task.h"

#include <memory>

namespace ikev2
{

/// The task that answers this request on @p sa, or nullptr when the request is not
/// acceptable in the SA's state (it is then dropped without a response).
std::unique_ptr<Task> CreateResponderTask(EngineContext& ctx,
                                          IkeSa& sa,
                                          const IkeHeader& header,
                                          const std::vector<Payload>& request);

} // namespace ikev2

#endif
