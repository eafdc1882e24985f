// What the two CREATE_CHILD_SA tasks (ChildCreateTask, IkeRekeyTask) share: a responder turns
// a request down with one error notify (RFC 7296 1.3, 2.21, 2.25), an initiator gives up on a
// response that carries one, and either reports why as a NegotiationFailed event so that the
// harness can count it.
#ifndef IKEV2_CREATE_CHILD_SA_COMMON_H
#define IKEV2_CREATE_CHILD_SA_COMMON_H

#include "bytes.h"
#include "ike-message.h"
#include "task.h"

#include <string>
#include <vector>

namespace ikev2
{

class EngineContext;
class IkeSa;

/// Emits a NegotiationFailed event for @p sa carrying @p detail.
void ReportNegotiationFailed(EngineContext& ctx, IkeSa& sa, const std::string& detail);

/// RFC 7296 2.10: a nonce is 16 to 256 octets.
bool ValidNonce(const Bytes& nonce);

/// Answers one request with an error notify. @p what names the exchange in the event detail
/// ("CREATE_CHILD_SA", "IKE rekey").
class Refusal
{
  public:
    Refusal(EngineContext& ctx, IkeSa& sa, std::vector<Payload>& response, std::string what);

    /// Appends the notify @p type (with @p data) to the response, reports it, and ends the
    /// task: a refusal creates nothing, so there is no state to keep.
    TaskResult operator()(uint16_t type, Bytes data = {}) const;

  private:
    EngineContext& m_ctx;
    IkeSa& m_sa;
    std::vector<Payload>& m_response;
    std::string m_what;
};

/// The first error notify (RFC 7296 3.10.1: a type below 16384) among @p payloads, or null.
const NotifyPayload* FirstErrorNotify(const std::vector<Payload>& payloads);

/// True while @p sa may answer a CREATE_CHILD_SA request: established, or rekeying itself (the
/// simultaneous-rekey cases of RFC 7296 2.25). Otherwise the answer is TEMPORARY_FAILURE.
bool AcceptsCreateChildSa(const IkeSa& sa);

} // namespace ikev2

#endif
