// QCD secret persistence and rotation, token generation (checked against OpenSSL's one-shot
// HMAC), the taker's stored token, and the QCD_TOKEN notify codec.
#include "drbg.h"
#include "qcd-token.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>

using namespace ikev2;

namespace
{

constexpr uint64_t kSpiI = 0x0123456789abcdefULL;
constexpr uint64_t kSpiR = 0xfedcba9876543210ULL;

Bytes
Be64(uint64_t v)
{
    Bytes b(8);
    for (int i = 7; i >= 0; --i)
    {
        b[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
    return b;
}

/// Independent reference: OpenSSL's one-shot HMAC.
Bytes
RefHmac(const EVP_MD* md, const Bytes& key, const Bytes& data)
{
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len);
    out.resize(len);
    return out;
}

Bytes
Concat(std::initializer_list<Bytes> parts)
{
    Bytes out;
    for (const auto& p : parts)
    {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

QcdConfig
Config(uint32_t length = 32, const std::string& hash = "sha256")
{
    QcdConfig c;
    c.tokenLength = length;
    c.hash = hash;
    return c;
}

} // namespace

TEST(QcdSecretStore, FirstStartCreatesAndPersistsOneSecret)
{
    PersistentStore store;
    Drbg drbg(7, "qcd");
    QcdSecretStore secrets(store, drbg);
    ASSERT_EQ(secrets.Secrets().size(), 1u);
    EXPECT_EQ(secrets.Secrets()[0].size(), kQcdSecretLength);
    EXPECT_EQ(secrets.Generation(), 0u);
    ASSERT_TRUE(store.Has(QcdSecretStore::kStoreKey));
    // Format(1) | Generation(4) | Count(1) | 32 octets, plus the key itself.
    EXPECT_EQ(secrets.PersistentBytes(), std::string(QcdSecretStore::kStoreKey).size() + 6 + 32);
    EXPECT_EQ(store.SizeBytes(), secrets.PersistentBytes());
}

TEST(QcdSecretStore, SameSeedSameSecretOtherSeedOther)
{
    PersistentStore s1, s2, s3;
    Drbg d1(7, "qcd"), d2(7, "qcd"), d3(8, "qcd");
    QcdSecretStore a(s1, d1), b(s2, d2), c(s3, d3);
    EXPECT_EQ(a.Secrets(), b.Secrets());
    EXPECT_NE(a.Secrets(), c.Secrets());
}

TEST(QcdSecretStore, SurvivesCrashWithoutDrawingRandomness)
{
    PersistentStore store;
    Bytes before;
    {
        Drbg drbg(7, "qcd");
        QcdSecretStore secrets(store, drbg);
        before = secrets.Secrets()[0];
    }
    // After the "crash" the node's Drbg may be seeded differently (boot counter): the secret
    // must come from the store, not from the generator.
    Drbg other(999, "after-reboot");
    Drbg reference(999, "after-reboot");
    QcdSecretStore again(store, other);
    ASSERT_EQ(again.Secrets().size(), 1u);
    EXPECT_EQ(again.Secrets()[0], before);
    EXPECT_EQ(other.NextU64(), reference.NextU64()) << "the generator was drawn from";
}

TEST(QcdSecretStore, UnreadableEntryIsReplaced)
{
    for (const Bytes& junk : {Bytes{}, Bytes{1}, Bytes{2, 0, 0, 0, 0, 1}, Bytes{1, 0, 0, 0, 0, 1},
                              Bytes{1, 0, 0, 0, 0, 5}, Bytes{1, 0, 0, 0, 0, 0}})
    {
        PersistentStore store;
        store.Put(QcdSecretStore::kStoreKey, junk);
        Drbg drbg(1, "qcd");
        QcdSecretStore secrets(store, drbg);
        ASSERT_EQ(secrets.Secrets().size(), 1u);
        EXPECT_EQ(secrets.Secrets()[0].size(), kQcdSecretLength);
        EXPECT_NE(*store.Get(QcdSecretStore::kStoreKey), junk);
    }
}

TEST(QcdSecretStore, RotationKeepsThreeOldSecretsAndPersists)
{
    PersistentStore store;
    Drbg drbg(3, "qcd");
    QcdSecretStore secrets(store, drbg);
    std::vector<Bytes> history{secrets.Secrets()[0]};
    for (int i = 0; i < 5; ++i)
    {
        secrets.Rotate();
        history.insert(history.begin(), secrets.Secrets()[0]);
        EXPECT_EQ(secrets.Secrets().size(), std::min<size_t>(i + 2, 4));
    }
    EXPECT_EQ(secrets.Generation(), 5u);
    std::vector<Bytes> newest4(history.begin(), history.begin() + 4);
    EXPECT_EQ(secrets.Secrets(), newest4);
    // All different.
    std::vector<Bytes> sorted = history;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());

    Drbg other(4, "qcd");
    QcdSecretStore reloaded(store, other);
    EXPECT_EQ(reloaded.Secrets(), newest4);
    EXPECT_EQ(reloaded.Generation(), 5u);
    EXPECT_EQ(reloaded.PersistentBytes(), std::string(QcdSecretStore::kStoreKey).size() + 6 + 128);
}

TEST(QcdTokenMaker, TokenIsTruncatedHmacOverSpisInHeaderOrder)
{
    PersistentStore store;
    Drbg drbg(11, "qcd");
    QcdSecretStore secrets(store, drbg);
    const Bytes& k = secrets.Secrets()[0];
    Bytes m = Concat({Be64(kSpiI), Be64(kSpiR)});

    QcdTokenMaker maker32(Config(32), secrets);
    EXPECT_EQ(maker32.Token(kSpiI, kSpiR, nullptr), RefHmac(EVP_sha256(), k, m));

    QcdTokenMaker maker16(Config(16), secrets);
    Bytes t16 = maker16.Token(kSpiI, kSpiR, nullptr);
    Bytes ref = RefHmac(EVP_sha256(), k, m);
    EXPECT_EQ(t16, Bytes(ref.begin(), ref.begin() + 16));

    QcdTokenMaker maker64(Config(64, "sha512"), secrets);
    EXPECT_EQ(maker64.Token(kSpiI, kSpiR, nullptr), RefHmac(EVP_sha512(), k, m));

    // SPI order matters: the swapped pair names another SA.
    EXPECT_NE(maker32.Token(kSpiR, kSpiI, nullptr), maker32.Token(kSpiI, kSpiR, nullptr));
}

TEST(QcdTokenMaker, LongTokensUseCounterBlocks)
{
    PersistentStore store;
    Drbg drbg(12, "qcd");
    QcdSecretStore secrets(store, drbg);
    const Bytes& k = secrets.Secrets()[0];
    Bytes m = Concat({Be64(kSpiI), Be64(kSpiR)});

    Bytes t1 = RefHmac(EVP_sha256(), k, m);
    Bytes t2 = RefHmac(EVP_sha256(), k, Concat({t1, m, Bytes{2}}));
    Bytes t3 = RefHmac(EVP_sha256(), k, Concat({t2, m, Bytes{3}}));
    Bytes t4 = RefHmac(EVP_sha256(), k, Concat({t3, m, Bytes{4}}));
    QcdTokenMaker maker(Config(128), secrets);
    Bytes token = maker.Token(kSpiI, kSpiR, nullptr);
    EXPECT_EQ(token, Concat({t1, t2, t3, t4}));

    QcdTokenMaker maker100(Config(100), secrets);
    EXPECT_EQ(maker100.Token(kSpiI, kSpiR, nullptr), Bytes(token.begin(), token.begin() + 100));
}

TEST(QcdTokenMaker, SameTokenAfterCrash)
{
    PersistentStore store;
    Bytes before;
    std::vector<Bytes> allBefore;
    {
        Drbg drbg(5, "qcd");
        QcdSecretStore secrets(store, drbg);
        secrets.Rotate();
        QcdTokenMaker maker(Config(), secrets);
        before = maker.Token(kSpiI, kSpiR, nullptr);
        allBefore = maker.AllTokens(kSpiI, kSpiR, nullptr);
    }
    Drbg drbg(6, "rebooted");
    QcdSecretStore secrets(store, drbg);
    QcdTokenMaker maker(Config(), secrets);
    EXPECT_EQ(maker.Token(kSpiI, kSpiR, nullptr), before);
    EXPECT_EQ(maker.AllTokens(kSpiI, kSpiR, nullptr), allBefore);
}

TEST(QcdTokenMaker, RotationGivesUpToFourTokensNewestFirst)
{
    PersistentStore store;
    Drbg drbg(9, "qcd");
    QcdSecretStore secrets(store, drbg);
    QcdTokenMaker maker(Config(), secrets);
    EXPECT_EQ(maker.AllTokens(kSpiI, kSpiR, nullptr).size(), 1u);

    std::vector<Bytes> issued{maker.Token(kSpiI, kSpiR, nullptr)};
    for (int i = 0; i < 4; ++i)
    {
        secrets.Rotate();
        issued.insert(issued.begin(), maker.Token(kSpiI, kSpiR, nullptr));
    }
    std::vector<Bytes> all = maker.AllTokens(kSpiI, kSpiR, nullptr);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all, std::vector<Bytes>(issued.begin(), issued.begin() + 4));
    EXPECT_EQ(all[0], maker.Token(kSpiI, kSpiR, nullptr));
    // The token given out four rotations ago is no longer produced.
    EXPECT_EQ(std::find(all.begin(), all.end(), issued[4]), all.end());

    // A taker holding the token from three rotations ago still verifies.
    StoredToken held(issued[3], false);
    EXPECT_TRUE(held.MatchesAny(all));
    StoredToken tooOld(issued[4], false);
    EXPECT_FALSE(tooOld.MatchesAny(all));
}

TEST(QcdTokenMaker, AddressBindingChangesTheToken)
{
    PersistentStore store;
    Drbg drbg(10, "qcd");
    QcdSecretStore secrets(store, drbg);
    QcdTokenMaker maker(Config(), secrets);
    Ipv4Address a, b;
    ASSERT_TRUE(Ipv4Address::Parse("192.0.2.1", a));
    ASSERT_TRUE(Ipv4Address::Parse("192.0.2.2", b));

    Bytes unbound = maker.Token(kSpiI, kSpiR, nullptr);
    Bytes boundA = maker.Token(kSpiI, kSpiR, &a);
    Bytes boundB = maker.Token(kSpiI, kSpiR, &b);
    EXPECT_NE(unbound, boundA);
    EXPECT_NE(boundA, boundB);
    EXPECT_EQ(boundA, maker.Token(kSpiI, kSpiR, &a));
    Bytes m = Concat({Be64(kSpiI), Be64(kSpiR), a.ToBytes()});
    EXPECT_EQ(boundA, RefHmac(EVP_sha256(), secrets.Secrets()[0], m));
}

TEST(QcdTokenMaker, DifferentSasGetDifferentTokens)
{
    PersistentStore store;
    Drbg drbg(13, "qcd");
    QcdSecretStore secrets(store, drbg);
    QcdTokenMaker maker(Config(16), secrets);
    std::vector<Bytes> tokens;
    for (uint64_t i = 1; i <= 200; ++i)
    {
        tokens.push_back(maker.Token(i, i * 7919, nullptr));
    }
    std::sort(tokens.begin(), tokens.end());
    EXPECT_EQ(std::unique(tokens.begin(), tokens.end()), tokens.end());
}

TEST(QcdTokenMaker, RejectsBadConfiguration)
{
    PersistentStore store;
    Drbg drbg(1, "qcd");
    QcdSecretStore secrets(store, drbg);
    EXPECT_TRUE(ValidateQcdConfig(Config(16)).empty());
    EXPECT_TRUE(ValidateQcdConfig(Config(128, "sha384")).empty());
    EXPECT_FALSE(ValidateQcdConfig(Config(15)).empty());
    EXPECT_FALSE(ValidateQcdConfig(Config(129)).empty());
    EXPECT_FALSE(ValidateQcdConfig(Config(32, "md5")).empty());
    EXPECT_THROW(QcdTokenMaker(Config(15), secrets), ConfigError);
    EXPECT_THROW(QcdTokenMaker(Config(32, "sha1"), secrets), ConfigError);
}

TEST(StoredToken, PlainAndDigestMatchTheSameTokens)
{
    Bytes token(32);
    for (size_t i = 0; i < token.size(); ++i)
    {
        token[i] = static_cast<uint8_t>(i * 37 + 1);
    }
    Bytes other = token;
    other[31] ^= 1;
    Bytes shorter(token.begin(), token.end() - 1);
    Bytes longer = token;
    longer.push_back(0);

    for (bool digest : {false, true})
    {
        StoredToken s(token, digest);
        EXPECT_EQ(s.IsDigest(), digest);
        EXPECT_TRUE(s.Matches(token));
        EXPECT_FALSE(s.Matches(other));
        EXPECT_FALSE(s.Matches(shorter));
        EXPECT_FALSE(s.Matches(longer));
        EXPECT_FALSE(s.Matches(Bytes{}));
        EXPECT_TRUE(s.MatchesAny({other, shorter, token}));
        EXPECT_FALSE(s.MatchesAny({other, shorter, longer}));
        EXPECT_FALSE(s.MatchesAny({}));
    }
    StoredToken digest(token, true);
    EXPECT_EQ(digest.StateBytes(), 32u);
    Bytes t128(128, 0x5a);
    EXPECT_EQ(StoredToken(t128, false).StateBytes(), 128u);
    EXPECT_EQ(StoredToken(t128, true).StateBytes(), 32u);
    EXPECT_TRUE(StoredToken(t128, true).Matches(t128));

    StoredToken none;
    EXPECT_TRUE(none.Empty());
    EXPECT_FALSE(none.Matches(Bytes{}));
    EXPECT_FALSE(none.Matches(token));
}

TEST(StoredToken, DigestIsSha256)
{
    Bytes data{'a', 'b', 'c'};
    Bytes expected;
    ASSERT_TRUE(FromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                        expected));
    EXPECT_EQ(QcdDigest(data), expected);
}

TEST(QcdTokenNotify, SendsProtocolZeroAcceptsZeroAndOne)
{
    Bytes token(32, 0xab);
    NotifyPayload n = MakeQcdTokenNotify(token);
    EXPECT_EQ(n.protocolId, 0);
    EXPECT_TRUE(n.spi.empty());
    EXPECT_EQ(n.type, 16419);
    EXPECT_EQ(n.data, token);
    EXPECT_FALSE(n.IsError());

    Bytes parsed;
    ASSERT_TRUE(ParseQcdTokenNotify(n, parsed));
    EXPECT_EQ(parsed, token);
    n.protocolId = 1; // RFC 6290 4.1 as published
    ASSERT_TRUE(ParseQcdTokenNotify(n, parsed));
    EXPECT_EQ(parsed, token);
}

TEST(QcdTokenNotify, RejectsMalformed)
{
    Bytes token;
    NotifyPayload good = MakeQcdTokenNotify(Bytes(32, 1));

    for (uint8_t proto : {2, 3, 255})
    {
        NotifyPayload n = good;
        n.protocolId = proto;
        EXPECT_FALSE(ParseQcdTokenNotify(n, token)) << int(proto);
        EXPECT_TRUE(token.empty());
    }
    NotifyPayload withSpi = good;
    withSpi.spi = Bytes(8, 1);
    EXPECT_FALSE(ParseQcdTokenNotify(withSpi, token));
    NotifyPayload otherType = good;
    otherType.type = notify::kCookie;
    EXPECT_FALSE(ParseQcdTokenNotify(otherType, token));

    for (size_t len : {0, 1, 15, 129, 200})
    {
        EXPECT_FALSE(ParseQcdTokenNotify(MakeQcdTokenNotify(Bytes(len, 1)), token)) << len;
    }
    for (size_t len : {16, 17, 64, 127, 128})
    {
        EXPECT_TRUE(ParseQcdTokenNotify(MakeQcdTokenNotify(Bytes(len, 1)), token)) << len;
        EXPECT_EQ(token.size(), len);
    }
}

TEST(QcdTokenNotify, ExtractSkipsMalformedAndCaps)
{
    std::vector<Payload> payloads;
    auto addNotify = [&payloads](NotifyPayload n) {
        Payload p;
        p.type = static_cast<uint8_t>(PayloadType::Notify);
        p.body = std::move(n);
        payloads.push_back(std::move(p));
    };
    NotifyPayload invalidIkeSpi;
    invalidIkeSpi.type = notify::kInvalidIkeSpi;
    addNotify(invalidIkeSpi);
    addNotify(MakeQcdTokenNotify(Bytes(32, 1)));
    addNotify(MakeQcdTokenNotify(Bytes(8, 2))); // too short: skipped
    Payload nonce;
    nonce.type = static_cast<uint8_t>(PayloadType::Nonce);
    nonce.body = NoncePayload{Bytes(32, 3)};
    payloads.push_back(nonce);
    addNotify(MakeQcdTokenNotify(Bytes(32, 4)));

    std::vector<Bytes> tokens = ExtractQcdTokens(payloads);
    ASSERT_EQ(tokens.size(), 2u);
    EXPECT_EQ(tokens[0], Bytes(32, 1));
    EXPECT_EQ(tokens[1], Bytes(32, 4));

    for (int i = 0; i < 20; ++i)
    {
        addNotify(MakeQcdTokenNotify(Bytes(32, static_cast<uint8_t>(10 + i))));
    }
    EXPECT_EQ(ExtractQcdTokens(payloads).size(), kQcdMaxTokensPerMessage);
}
