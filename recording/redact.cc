// Secret detection by variable name, and keyed hashing of secret values.
#include "recording/redact.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/hash.h"

namespace buildiff {

const std::vector<std::string_view>& secret_name_patterns() {
    static const std::vector<std::string_view> patterns = {
        "*TOKEN*",         // GITHUB_TOKEN, CARGO_REGISTRY_TOKEN, NPM_TOKEN, ...
        "*SECRET*",        // AWS_SECRET_ACCESS_KEY, CLIENT_SECRET
        "*PASSWORD*",      //
        "*PASSWD*",        //
        "*_KEY",           // API_KEY, SIGNING_KEY
        "*_KEY_ID",        // AWS_ACCESS_KEY_ID
        "*PRIVATE_KEY*",   //
        "*CREDENTIAL*",    // CARGO_REGISTRIES_*_CREDENTIAL_PROVIDER values may embed tokens
        "*_AUTH",          // NPM_CONFIG__AUTH
        "*AUTH_TOKEN*",    //
        "AWS_SESSION_*",   //
        "AZURE_CLIENT_*",  //
        "SCCACHE_*_KEY*",  // cloud cache back-end credentials
        "*API_KEY*",       //
    };
    return patterns;
}

bool glob_match(std::string_view pattern, std::string_view text) {
    // Iterative '*' matcher with backtracking to the last star.
    size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

bool is_secret_name(std::string_view name) {
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (std::string_view pattern : secret_name_patterns())
        if (glob_match(pattern, upper)) return true;
    return false;
}

Redactor::Redactor(std::string salt) : m_salt(std::move(salt)) {}

std::string Redactor::value_for(std::string_view name, std::string_view value) const {
    if (!is_secret_name(name)) return std::string(value);
    return std::string(kRedactedPrefix) + hash_keyed(m_salt, value).hex();
}

std::string Redactor::salt_id() const {
    return hash_keyed(m_salt, "buildiff salt id").hex().substr(0, 16);
}

std::string load_or_create_salt() {
    if (const char* env = std::getenv("BUILDIFF_SALT"); env && *env) return env;
    std::filesystem::path dir;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        dir = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home)
        dir = std::filesystem::path(home) / ".config";
    else
        dir = "/tmp";
    dir /= "buildiff";
    std::filesystem::path file = dir / "salt";
    {
        std::ifstream in(file, std::ios::binary);
        std::string salt;
        if (in && std::getline(in, salt) && salt.size() >= 32) return salt;
    }
    unsigned char raw[32];
    if (getrandom(raw, sizeof raw, 0) != static_cast<ssize_t>(sizeof raw)) return "buildiff";
    std::string salt;
    static const char digits[] = "0123456789abcdef";
    for (unsigned char b : raw) {
        salt += digits[b >> 4];
        salt += digits[b & 15];
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    // Written to a temporary name and renamed, so concurrent first uses agree on one salt.
    std::string tmp = file.string() + ".tmp." + std::to_string(getpid());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        std::string line = salt + "\n";
        bool ok = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
        close(fd);
        if (ok && link(tmp.c_str(), file.c_str()) != 0) {
            // Someone else won the race: use theirs.
            unlink(tmp.c_str());
            std::ifstream in(file, std::ios::binary);
            std::string theirs;
            if (in && std::getline(in, theirs) && theirs.size() >= 32) return theirs;
        }
        unlink(tmp.c_str());
    }
    return salt;
}

}  // namespace buildiff
