// Listens to the trace sources of the IKE daemons and crash controls of a run and keeps what the
// run's files need: the event log (events.csv), IKE message records, crypto work over time and
// the Wireshark key lines. It writes files; the models never do.
#ifndef IKEV2_NS3_IKE_STATS_COLLECTOR_H
#define IKEV2_NS3_IKE_STATS_COLLECTOR_H

#include "crash-control.h"
#include "ike-application.h"
#include "ns3/nstime.h"
#include "ns3/object.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup ikev2
 * Stats collector of a run (the RadioBearerStatsCalculator pattern).
 */
class IkeStatsCollector : public Object
{
  public:
    static TypeId GetTypeId();

    /// One events.csv row.
    struct Row
    {
        int64_t timeNs{ 0 };
        std::string node;
        std::string event;
        std::string peer;
        uint64_t spiI{ 0 };
        uint64_t spiR{ 0 };
        uint32_t childSpiIn{ 0 };
        uint32_t childSpiOut{ 0 };
        uint16_t notify{ 0 };
        bool isProtected{ false };
        std::string detail;
    };

    /// One IKE message sent or received by a daemon (UDP payload size).
    struct IkeRecord
    {
        int64_t timeNs{ 0 };
        std::string node;
        bool sent{ true };
        bool isProtected{ false };
        uint32_t bytes{ 0 };
    };

    /// Crypto charged by one engine call.
    struct CryptoRecord
    {
        int64_t timeNs{ 0 };
        std::string node;
        ikev2::CryptoCounts counts;
        Time cost;
    };

    /// Connects to every trace source of @p app; rows carry @p nodeName.
    void ConnectApplication(const std::string& nodeName, Ptr<IkeApplication> app);
    /// Records crash and boot-done rows ("crash", "up").
    void ConnectCrashControl(const std::string& nodeName, Ptr<CrashControl> control);
    /// A row from the scenario (e.g. "inner_restored_ab").
    void AddRow(const std::string& node, const std::string& event, const std::string& detail);
    /// A row computed after the run, inserted in time order (after rows of the same time).
    void AddRowAt(int64_t timeNs,
                  const std::string& node,
                  const std::string& event,
                  const std::string& detail);

    /// Events of these kinds are counted instead of kept as rows (per-packet audit events such
    /// as esp-no-sa or inner-dropped, which would otherwise dominate events.csv).
    void SetCountedOnly(const std::set<std::string>& events);
    /// node -> event -> rows counted instead of kept.
    const std::map<std::string, std::map<std::string, uint64_t>>& GetCountedOnly() const;

    const std::vector<Row>& GetRows() const;
    const std::vector<IkeRecord>& GetIkeRecords() const;
    const std::vector<CryptoRecord>& GetCryptoRecords() const;
    /// Key lines in order of first appearance, without duplicates.
    const std::vector<std::string>& GetKeyLines(const std::string& file) const;

    /// events.csv with the header
    /// time_s,node,event,peer,spi_i,spi_r,child_spi_in,child_spi_out,notify,protected,detail.
    /// Returns false when the file cannot be written.
    bool WriteEventsCsv(const std::string& path) const;
    /// keys/ikev2_decryption_table and keys/esp_sa under @p directory (created).
    bool WriteKeyFiles(const std::string& directory) const;

    /// CSV quoting of one field (RFC 4180).
    static std::string CsvField(const std::string& text);

  private:
    void OnEvent(const std::string& node, const ikev2::Event& event);
    void OnIke(const std::string& node, bool sent, const ikev2::Datagram& d, bool isProtected);
    void OnKeyLine(const std::string& file, const std::string& line);
    void OnCrypto(const std::string& node, const ikev2::CryptoCounts& counts, Time cost);
    void OnNodeState(const std::string& node, const std::string& event);
    void OnDaemon(const std::string& node, const std::string& state);

    std::vector<Row> m_rows;
    std::set<std::string> m_countedOnly;
    std::map<std::string, std::map<std::string, uint64_t>> m_counted;
    std::vector<IkeRecord> m_ike;
    std::vector<CryptoRecord> m_crypto;
    std::map<std::string, std::vector<std::string>> m_keyLines;
    std::set<std::string> m_seenKeyLines;
};

} // namespace ns3

#endif
