// The small store that survives a crash: what a real gateway keeps on disk (configuration is
// kept by the adapter; here: secrets and counters a scheme needs across reboots, such as the
// QCD secret, and the boot counter that keeps randomness fresh after each reboot).
#ifndef IKEV2_PERSISTENT_STORE_H
#define IKEV2_PERSISTENT_STORE_H

#include "bytes.h"

#include <map>
#include <string>

namespace ikev2
{

class PersistentStore
{
  public:
    bool Has(const std::string& key) const { return m_entries.count(key) != 0; }
    const Bytes* Get(const std::string& key) const
    {
        auto it = m_entries.find(key);
        return it == m_entries.end() ? nullptr : &it->second;
    }
    void Put(const std::string& key, Bytes value) { m_entries[key] = std::move(value); }
    void Erase(const std::string& key) { m_entries.erase(key); }
    /// Size of keys and values: the persistent-state cost of a scheme.
    size_t SizeBytes() const
    {
        size_t n = 0;
        for (const auto& [k, v] : m_entries)
        {
            n += k.size() + v.size();
        }
        return n;
    }
    const std::map<std::string, Bytes>& Entries() const { return m_entries; }

  private:
    std::map<std::string, Bytes> m_entries;
};

} // namespace ikev2

#endif
