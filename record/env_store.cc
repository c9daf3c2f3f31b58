// Environments stored once, redacted.
#include "record/env_store.h"

#include "base/hash.h"
#include "record/procfs.h"

namespace buildiff {

int EnvStore::id(const std::string& raw) {
    std::string key = hash_bytes(raw).hex();
    auto it = m_ids.find(key);
    if (it != m_ids.end()) return it->second;
    EnvVars vars;
    for (const std::string& entry : procfs::split_nul(raw)) {
        auto eq = entry.find('=');
        std::string name = eq == std::string::npos ? entry : entry.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : entry.substr(eq + 1);
        if (m_redact) value = m_redactor.value_for(name, value);
        vars.emplace_back(std::move(name), std::move(value));
    }
    int id = static_cast<int>(m_ids.size());
    m_ids.emplace(std::move(key), id);
    m_writer.env(id, vars);
    return id;
}

}  // namespace buildiff
