// Counts every crypto operation the engine performs, by kind, so that adapters can charge
// simulated CPU time for it (model/ns3 cpu-model) and runs can report crypto_ops.
//
// The crypto primitives add to the meter installed for the current thread by a ScopedMeter;
// the endpoint installs its own at each entry point. With no meter installed nothing is counted.
#ifndef IKEV2_CRYPTO_METER_H
#define IKEV2_CRYPTO_METER_H

#include <array>
#include <cstddef>
#include <cstdint>

namespace ikev2
{

enum class CryptoOp : uint8_t
{
    DhKeygenX25519,
    DhDeriveX25519,
    DhKeygenEcp256,
    DhDeriveEcp256,
    DhKeygenModp2048,
    DhDeriveModp2048,
    SignRsa2048,
    VerifyRsa2048,
    SignEcdsaP256,
    VerifyEcdsaP256,
    Prf,          ///< one HMAC computation (count), bytes in `bytes`
    AeadSeal,     ///< IKE SK or ESP seal (count), bytes processed in `bytes`
    AeadOpen,
    Random,       ///< random bytes drawn (count = calls, bytes = octets)
    kCount
};

const char* CryptoOpName(CryptoOp op);

struct CryptoCounts
{
    std::array<uint64_t, static_cast<size_t>(CryptoOp::kCount)> count{};
    std::array<uint64_t, static_cast<size_t>(CryptoOp::kCount)> bytes{};

    void Add(CryptoOp op, uint64_t bytesProcessed = 0)
    {
        count[static_cast<size_t>(op)] += 1;
        bytes[static_cast<size_t>(op)] += bytesProcessed;
    }
    void Merge(const CryptoCounts& o)
    {
        for (size_t i = 0; i < count.size(); ++i)
        {
            count[i] += o.count[i];
            bytes[i] += o.bytes[i];
        }
    }
    bool Empty() const
    {
        for (auto c : count)
        {
            if (c)
            {
                return false;
            }
        }
        return true;
    }
};

/// Meter of the current thread (nullptr when none).
CryptoCounts* CurrentMeter();
inline void
CountCrypto(CryptoOp op, uint64_t bytes = 0)
{
    if (CryptoCounts* m = CurrentMeter())
    {
        m->Add(op, bytes);
    }
}

/// Installs @p meter for the current thread for the lifetime of this object (nests).
class ScopedMeter
{
  public:
    explicit ScopedMeter(CryptoCounts* meter);
    ~ScopedMeter();
    ScopedMeter(const ScopedMeter&) = delete;
    ScopedMeter& operator=(const ScopedMeter&) = delete;

  private:
    CryptoCounts* m_previous;
};

} // namespace ikev2

#endif
