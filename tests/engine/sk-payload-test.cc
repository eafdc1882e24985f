// Protected IKE messages: SK payload seal/open for AES-GCM-16 (RFC 5282) and AES-CBC with
// HMAC-SHA2-256-128 (RFC 7296 3.14), tamper detection over every byte, malformed bodies.
#include "crypto-meter.h"
#include "ike-constants.h"
#include "ike-keys.h"
#include "protected-message.h"
#include "sk-cipher.h"

#include <cstring>
#include <gtest/gtest.h>

namespace ikev2
{
namespace
{

using namespace transform;

struct Params
{
    const char* name;
    IkeSuite suite;
};

const Params kSuites[] = {
    { "gcm128", IkeSuite{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhCurve25519 } },
    { "gcm256", IkeSuite{ kEncrAesGcm16, 256, 0, kPrfHmacSha256, kDhCurve25519 } },
    { "cbc128", IkeSuite{ kEncrAesCbc, 128, kIntegHmacSha256_128, kPrfHmacSha256, kDhCurve25519 } },
    { "cbc256", IkeSuite{ kEncrAesCbc, 256, kIntegHmacSha256_128, kPrfHmacSha256, kDhEcp256 } },
};

class SkPayloadTest : public ::testing::TestWithParam<Params>
{
  protected:
    void SetUp() override
    {
        const IkeSuite& s = GetParam().suite;
        Bytes ni(32, 0x01);
        Bytes nr(32, 0x02);
        Bytes shared(32, 0x03);
        m_keys = DeriveIkeKeys(s, shared, ni, nr, 0x1111222233334444ull, 0x5555666677778888ull);
        m_sealI = SkCipher::Create(s, m_keys.skEi, m_keys.skAi);
        m_openI = SkCipher::Create(s, m_keys.skEi, m_keys.skAi);
        m_openR = SkCipher::Create(s, m_keys.skEr, m_keys.skAr);
        ASSERT_TRUE(m_sealI && m_openI && m_openR);
        m_header.spiI = 0x1111222233334444ull;
        m_header.spiR = 0x5555666677778888ull;
        m_header.exchangeType = static_cast<uint8_t>(ExchangeType::Informational);
        m_header.flags = kFlagInitiator;
        m_header.messageId = 7;
    }

    static std::vector<Payload> Inner()
    {
        std::vector<Payload> inner;
        inner.push_back(MakeNotify(notify::kQcdToken, Bytes(32, 0xab)));
        DeletePayload del;
        del.protocolId = static_cast<uint8_t>(ProtocolId::Esp);
        del.spiSize = 4;
        del.spis = { Bytes{ 1, 2, 3, 4 }, Bytes{ 5, 6, 7, 8 } };
        inner.push_back(MakePayload(del));
        inner.push_back(MakePayload(NoncePayload{ Bytes(17, 0x5c) }));
        return inner;
    }

    OpenResult Open(const Bytes& datagram, SkCipher& cipher)
    {
        auto outer = DecodeMessage(datagram);
        if (!outer)
        {
            OpenResult r;
            r.status = OpenResult::Status::Malformed;
            r.error = outer.Error();
            return r;
        }
        return OpenMessage(datagram.data(), datagram.size(), outer.Value(), cipher);
    }

    IkeKeys m_keys;
    std::unique_ptr<SkCipher> m_sealI;
    std::unique_ptr<SkCipher> m_openI;
    std::unique_ptr<SkCipher> m_openR;
    IkeHeader m_header;
    Drbg m_rng{ 11, "sk-test" };
};

TEST_P(SkPayloadTest, RoundTripAndLayout)
{
    std::vector<Payload> inner = Inner();
    Bytes d = SealMessage(m_header, inner, *m_sealI, m_rng);
    ASSERT_GE(d.size(), kIkeHeaderSize + 4 + m_sealI->IvSize() + m_sealI->IcvSize());
    EXPECT_EQ(d[16], static_cast<uint8_t>(PayloadType::Sk)); // header Next Payload
    uint32_t length = (uint32_t{ d[24] } << 24) | (uint32_t{ d[25] } << 16) | (d[26] << 8) | d[27];
    EXPECT_EQ(length, d.size());
    EXPECT_EQ(d[28], static_cast<uint8_t>(PayloadType::Notify)); // SK's Next Payload
    EXPECT_EQ(size_t((d[30] << 8) | d[31]), d.size() - kIkeHeaderSize);
    EXPECT_EQ((d.size() - kIkeHeaderSize - 4 - m_sealI->IvSize() - m_sealI->IcvSize()) %
                m_sealI->BlockSize(),
              0u);

    OpenResult r = Open(d, *m_openI);
    ASSERT_EQ(r.status, OpenResult::Status::Ok) << r.error.ToString();
    EXPECT_EQ(r.inner, inner);

    // The responder's key does not open the initiator's message.
    EXPECT_EQ(Open(d, *m_openR).status, OpenResult::Status::IntegrityFailed);
}

TEST_P(SkPayloadTest, EmptyInnerChain)
{
    Bytes d = SealMessage(m_header, {}, *m_sealI, m_rng);
    ASSERT_FALSE(d.empty());
    EXPECT_EQ(d[28], 0);
    OpenResult r = Open(d, *m_openI);
    ASSERT_EQ(r.status, OpenResult::Status::Ok);
    EXPECT_TRUE(r.inner.empty());
}

TEST_P(SkPayloadTest, EveryFlippedByteIsRejected)
{
    Bytes d = SealMessage(m_header, Inner(), *m_sealI, m_rng);
    size_t ivStart = kIkeHeaderSize + 4;
    size_t icvStart = d.size() - m_sealI->IcvSize();
    size_t opened = 0;
    for (size_t pos = 0; pos < d.size(); ++pos)
    {
        for (uint8_t mask : { uint8_t{ 0x01 }, uint8_t{ 0x80 } })
        {
            Bytes bad = d;
            bad[pos] ^= mask;
            auto outer = DecodeMessage(bad);
            if (!outer)
            {
                // Header or SK length changes: the codec rejects them before any crypto.
                continue;
            }
            OpenResult r = OpenMessage(bad.data(), bad.size(), outer.Value(), *m_openI);
            ++opened;
            ASSERT_NE(r.status, OpenResult::Status::Ok) << "byte " << pos;
            if (pos >= ivStart)
            {
                // IV, ciphertext and ICV: only the integrity check can catch these.
                EXPECT_EQ(r.status, OpenResult::Status::IntegrityFailed)
                  << "byte " << pos << (pos >= icvStart ? " (ICV)" : "");
            }
        }
    }
    // Only the version and length fields may be caught by the codec instead.
    EXPECT_GE(opened, 2 * d.size() - 2 * 8);
}

TEST_P(SkPayloadTest, TruncatedAndExtendedDatagramsAreRejected)
{
    Bytes d = SealMessage(m_header, Inner(), *m_sealI, m_rng);
    for (size_t cut = 1; cut < d.size(); ++cut)
    {
        // Keep the length fields consistent so that the codec accepts the outer message and
        // only OpenMessage sees the short body.
        Bytes t(d.begin(), d.end() - cut);
        if (t.size() < kIkeHeaderSize + 4)
        {
            continue;
        }
        uint32_t total = static_cast<uint32_t>(t.size());
        t[24] = total >> 24;
        t[25] = total >> 16;
        t[26] = total >> 8;
        t[27] = total;
        uint16_t skLen = static_cast<uint16_t>(t.size() - kIkeHeaderSize);
        t[30] = skLen >> 8;
        t[31] = skLen & 0xff;
        auto outer = DecodeMessage(t);
        if (!outer)
        {
            continue;
        }
        OpenResult r = OpenMessage(t.data(), t.size(), outer.Value(), *m_openI);
        EXPECT_NE(r.status, OpenResult::Status::Ok) << "cut " << cut;
    }
}

TEST_P(SkPayloadTest, BadPadLengthIsMalformed)
{
    // A correctly sealed plaintext whose Pad Length claims more octets than there are.
    size_t block = m_sealI->BlockSize();
    size_t ptLen = block == 1 ? 4 : 16;
    size_t off = kIkeHeaderSize + 4;
    size_t total = off + m_sealI->IvSize() + ptLen + m_sealI->IcvSize();
    ByteWriter w;
    EncodeHeader(m_header, static_cast<uint8_t>(PayloadType::Sk), static_cast<uint32_t>(total), w);
    w.U8(static_cast<uint8_t>(PayloadType::Nonce));
    w.U8(0);
    w.U16(static_cast<uint16_t>(total - kIkeHeaderSize));
    w.Zeros(m_sealI->IvSize());
    w.Zeros(ptLen - 1);
    w.U8(static_cast<uint8_t>(ptLen)); // one more than available
    w.Zeros(m_sealI->IcvSize());
    Bytes d = w.Take();
    ASSERT_TRUE(m_sealI->Seal(d.data(), off, ptLen, m_rng));
    OpenResult r = Open(d, *m_openI);
    EXPECT_EQ(r.status, OpenResult::Status::Malformed);

    // The same with a valid pad length but a broken inner payload header: also Malformed.
    Bytes d2 = d;
    ByteWriter w2;
    EncodeHeader(m_header, static_cast<uint8_t>(PayloadType::Sk), static_cast<uint32_t>(total), w2);
    w2.U8(static_cast<uint8_t>(PayloadType::Nonce));
    w2.U8(0);
    w2.U16(static_cast<uint16_t>(total - kIkeHeaderSize));
    w2.Zeros(m_sealI->IvSize());
    w2.U8(0);
    w2.U8(0);
    w2.U16(0xffff); // payload length far beyond the plaintext
    w2.Zeros(ptLen - 5);
    w2.U8(0);
    w2.Zeros(m_sealI->IcvSize());
    d2 = w2.Take();
    ASSERT_TRUE(m_sealI->Seal(d2.data(), off, ptLen, m_rng));
    EXPECT_EQ(Open(d2, *m_openI).status, OpenResult::Status::Malformed);
}

TEST_P(SkPayloadTest, InsertedCiphertextOctetIsRejected)
{
    Bytes d = SealMessage(m_header, Inner(), *m_sealI, m_rng);
    // Insert one octet into the ciphertext and fix the lengths.
    d.insert(d.begin() + kIkeHeaderSize + 4 + 16, 0x00);
    uint32_t total = static_cast<uint32_t>(d.size());
    d[24] = total >> 24;
    d[25] = total >> 16;
    d[26] = total >> 8;
    d[27] = total;
    uint16_t skLen = static_cast<uint16_t>(d.size() - kIkeHeaderSize);
    d[30] = skLen >> 8;
    d[31] = skLen & 0xff;
    // CBC: not a whole number of blocks, refused before any crypto; GCM takes any length, so
    // the ICV check catches it.
    EXPECT_EQ(Open(d, *m_openI).status,
              m_sealI->BlockSize() == 1 ? OpenResult::Status::IntegrityFailed
                                        : OpenResult::Status::Malformed);
}

TEST_P(SkPayloadTest, OuterWithoutSkIsMalformed)
{
    IkeMessage plain;
    plain.header = m_header;
    plain.payloads.push_back(MakePayload(NoncePayload{ Bytes(16, 1) }));
    Bytes d = EncodeMessage(plain);
    auto outer = DecodeMessage(d);
    ASSERT_TRUE(outer);
    EXPECT_EQ(OpenMessage(d.data(), d.size(), outer.Value(), *m_openI).status,
              OpenResult::Status::Malformed);
}

TEST_P(SkPayloadTest, CountsOneSealAndOneOpen)
{
    CryptoCounts counts;
    ScopedMeter meter(&counts);
    Bytes d = SealMessage(m_header, Inner(), *m_sealI, m_rng);
    ASSERT_EQ(Open(d, *m_openI).status, OpenResult::Status::Ok);
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::AeadSeal)], 1u);
    EXPECT_EQ(counts.count[static_cast<size_t>(CryptoOp::AeadOpen)], 1u);
}

INSTANTIATE_TEST_SUITE_P(Suites,
                         SkPayloadTest,
                         ::testing::ValuesIn(kSuites),
                         [](const ::testing::TestParamInfo<Params>& info)
                         { return std::string(info.param.name); });

TEST(SkCipherTest, GcmIvIsACounterThatNeverRepeats)
{
    IkeSuite s{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhCurve25519 };
    Bytes key(20, 0x42);
    auto c = SkCipher::Create(s, key, Bytes());
    ASSERT_TRUE(c);
    Drbg rng(1, "iv");
    IkeHeader h;
    h.spiI = 1;
    h.exchangeType = static_cast<uint8_t>(ExchangeType::Informational);
    Bytes a = SealMessage(h, {}, *c, rng);
    Bytes b = SealMessage(h, {}, *c, rng);
    Bytes ivA(a.begin() + 32, a.begin() + 40);
    Bytes ivB(b.begin() + 32, b.begin() + 40);
    EXPECT_EQ(ivA, (Bytes{ 0, 0, 0, 0, 0, 0, 0, 0 }));
    EXPECT_EQ(ivB, (Bytes{ 0, 0, 0, 0, 0, 0, 0, 1 }));
    EXPECT_NE(a, b);
    EXPECT_EQ(c->NextIvCounter(), 2u);
    c->SetNextIvCounter(0x0102030405060708ull);
    Bytes e = SealMessage(h, {}, *c, rng);
    EXPECT_EQ(Bytes(e.begin() + 32, e.begin() + 40), (Bytes{ 1, 2, 3, 4, 5, 6, 7, 8 }));
    // The last counter value is usable once, then the cipher refuses to seal.
    c->SetNextIvCounter(UINT64_MAX);
    EXPECT_FALSE(SealMessage(h, {}, *c, rng).empty());
    EXPECT_TRUE(SealMessage(h, {}, *c, rng).empty());
}

TEST(SkCipherTest, CbcOutputIsDeterministicPerSeed)
{
    IkeSuite s{ kEncrAesCbc, 128, kIntegHmacSha256_128, kPrfHmacSha256, kDhCurve25519 };
    Bytes ek(16, 1);
    Bytes ak(32, 2);
    auto c1 = SkCipher::Create(s, ek, ak);
    auto c2 = SkCipher::Create(s, ek, ak);
    Drbg r1(5, "cbc");
    Drbg r2(5, "cbc");
    IkeHeader h;
    h.exchangeType = static_cast<uint8_t>(ExchangeType::Informational);
    std::vector<Payload> inner = { MakeNotify(notify::kInitialContact) };
    Bytes a = SealMessage(h, inner, *c1, r1);
    EXPECT_EQ(a, SealMessage(h, inner, *c2, r2));
    EXPECT_NE(a, SealMessage(h, inner, *c1, r1)); // fresh IV from the Drbg
}

TEST(SkCipherTest, CreateRejectsWrongKeySizes)
{
    IkeSuite gcm{ kEncrAesGcm16, 128, 0, kPrfHmacSha256, kDhCurve25519 };
    EXPECT_FALSE(SkCipher::Create(gcm, Bytes(16), Bytes()));
    EXPECT_FALSE(SkCipher::Create(gcm, Bytes(20), Bytes(32)));
    IkeSuite cbc{ kEncrAesCbc, 256, kIntegHmacSha256_128, kPrfHmacSha256, kDhCurve25519 };
    EXPECT_FALSE(SkCipher::Create(cbc, Bytes(32), Bytes(16)));
    EXPECT_FALSE(SkCipher::Create(cbc, Bytes(16), Bytes(32)));
    EXPECT_TRUE(SkCipher::Create(cbc, Bytes(32), Bytes(32)));
    IkeSuite unknown{ 3, 192, 2, kPrfHmacSha256, kDhCurve25519 };
    EXPECT_FALSE(SkCipher::Create(unknown, Bytes(24), Bytes(20)));
}

} // namespace
} // namespace ikev2
