#include "crypto-meter.h"

namespace ikev2
{

static thread_local CryptoCounts* g_currentMeter = nullptr;

CryptoCounts*
CurrentMeter()
{
    return g_currentMeter;
}

ScopedMeter::ScopedMeter(CryptoCounts* meter)
    : m_previous(g_currentMeter)
{
    g_currentMeter = meter;
}

ScopedMeter::~ScopedMeter()
{
    g_currentMeter = m_previous;
}

const char*
CryptoOpName(CryptoOp op)
{
    switch (op)
    {
    case CryptoOp::DhKeygenX25519:
        return "dh_keygen_x25519";
    case CryptoOp::DhDeriveX25519:
        return "dh_derive_x25519";
    case CryptoOp::DhKeygenEcp256:
        return "dh_keygen_ecp256";
    case CryptoOp::DhDeriveEcp256:
        return "dh_derive_ecp256";
    case CryptoOp::DhKeygenModp2048:
        return "dh_keygen_modp2048";
    case CryptoOp::DhDeriveModp2048:
        return "dh_derive_modp2048";
    case CryptoOp::SignRsa2048:
        return "sign_rsa2048";
    case CryptoOp::VerifyRsa2048:
        return "verify_rsa2048";
    case CryptoOp::SignEcdsaP256:
        return "sign_ecdsa_p256";
    case CryptoOp::VerifyEcdsaP256:
        return "verify_ecdsa_p256";
    case CryptoOp::Prf:
        return "prf";
    case CryptoOp::AeadSeal:
        return "aead_seal";
    case CryptoOp::AeadOpen:
        return "aead_open";
    case CryptoOp::Random:
        return "random";
    case CryptoOp::kCount:
        break;
    }
    return "unknown";
}

} // namespace ikev2
