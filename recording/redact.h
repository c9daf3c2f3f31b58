// Secret-looking environment variables are stored as a keyed hash, never in clear.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace buildiff {

// Glob patterns (`*` only) matched against the upper-cased variable name. Documented in
// docs/recording-format.md; exposed for tests.
const std::vector<std::string_view>& secret_name_patterns();
bool is_secret_name(std::string_view name);
bool glob_match(std::string_view pattern, std::string_view text);

inline constexpr std::string_view kRedactedPrefix = "buildiff-redacted:";

class Redactor {
  public:
    explicit Redactor(std::string salt);
    // "buildiff-redacted:<32 hex>" for secret names, the value unchanged otherwise.
    std::string value_for(std::string_view name, std::string_view value) const;
    // Identifies the salt without revealing it; two recordings compare redacted values only
    // when their salt ids are equal.
    std::string salt_id() const;

  private:
    std::string m_salt;
};

// The per-user salt: $BUILDIFF_SALT if set, else $XDG_CONFIG_HOME/buildiff/salt (or
// ~/.config/buildiff/salt), created with 32 random bytes on first use.
std::string load_or_create_salt();

}  // namespace buildiff
