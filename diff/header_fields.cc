#include "diff/header_fields.h"

#include <ctime>

#include <fmt/core.h>

namespace buildiff {

namespace {

std::uint32_t le32(std::string_view b, size_t at) {
    std::uint32_t v = 0;
    for (size_t i = 4; i-- > 0;) v = v << 8 | static_cast<unsigned char>(b[at + i]);
    return v;
}

Difference field(const std::string& name, const std::string& what, std::string l, std::string r,
                 const std::string& looks = "") {
    Difference d = difference("header-field", name, fmt::format("{}: {} -> {}", what, l, r), l, r);
    if (!looks.empty()) {
        d.looks_like = looks;
        d.description += ": looks like " + looks;
    }
    return d;
}

bool gzip(std::string_view h) {
    return h.size() >= 10 && static_cast<unsigned char>(h[0]) == 0x1f &&
           static_cast<unsigned char>(h[1]) == 0x8b && h[2] == 8;
}

// The FNAME field (the input's name, when gzip was given a file), or "".
std::string gzip_name(std::string_view h) {
    if (!(h[3] & 0x08)) return "";
    size_t at = 10;
    if (h[3] & 0x04) {  // FEXTRA first
        if (h.size() < 12) return "";
        at = 12 + (static_cast<unsigned char>(h[10]) | static_cast<unsigned char>(h[11]) << 8);
    }
    if (at >= h.size()) return "";
    size_t end = h.find('\0', at);
    return std::string(h.substr(at, end == std::string_view::npos ? h.size() - at : end - at));
}

// CPython's .pyc header (PEP 552): magic, flags, then the source's mtime and size, or a hash.
bool pyc(std::string_view h, const std::string& name) {
    return h.size() >= 16 && h[2] == '\r' && h[3] == '\n' && name.ends_with(".pyc");
}

// Archive members' header fields, by archive family: what a difference looks like, with its fix.
struct MemberField {
    std::string_view family, field, looks;
};
constexpr MemberField kMemberFields[] = {
    {"ar", "mtime", "a build timestamp (ar's D modifier writes 0; Debian's ar uses it by default)"},
    {"ar", "owner", "the building user (ar's D modifier writes 0)"},
    {"tar", "mtime",
     "a build timestamp (tar --mtime=@$SOURCE_DATE_EPOCH --clamp-mtime)"},
    {"tar", "owner", "the building user (tar --owner=0 --group=0 --numeric-owner)"},
    {"zip", "mtime",
     "a build timestamp (set the entries' dates from SOURCE_DATE_EPOCH; strip-nondeterminism "
     "does it afterwards)"},
};

std::string_view family_of(std::string_view format) {
    if (format == "ar" || format == "deb" || format == "rlib") return "ar";
    if (format.starts_with("tar")) return "tar";
    if (format == "zip" || format == "whl" || format == "jar") return "zip";
    return "";
}

}  // namespace

std::string utc_time(std::int64_t t) {
    if (t == 0) return "0 (none)";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    if (!gmtime_r(&tt, &tm)) return fmt::format("{}", t);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

std::string member_field_looks_like(std::string_view format, std::string_view field) {
    std::string_view family = family_of(format);
    for (const MemberField& f : kMemberFields)
        if (f.family == family && f.field == field) return std::string(f.looks);
    return "";
}

std::vector<Difference> header_fields(const Blob& left, const Blob& right) {
    Result<std::string> lh = left.read(0, 512), rh = right.read(0, 512);
    std::vector<Difference> out;
    if (!lh || !rh) return out;
    std::string_view l = *lh, r = *rh;
    if (gzip(l) && gzip(r)) {
        std::uint32_t lt = le32(l, 4), rt = le32(r, 4);
        if (lt != rt)
            out.push_back(field("gzip MTIME",
                                "gzip header MTIME (the time of the file gzip compressed)", utc_time(lt),
                                utc_time(rt), "a build timestamp (gzip -n leaves it out)"));
        std::string ln = gzip_name(l), rn = gzip_name(r);
        if (ln != rn)
            out.push_back(field("gzip FNAME", "gzip header FNAME (the name of the file gzip compressed)",
                                ln.empty() ? "(none)" : ln, rn.empty() ? "(none)" : rn,
                                "a build path or temporary name (gzip -n leaves it out)"));
        if (l[9] != r[9])
            out.push_back(field("gzip OS", "gzip header OS", fmt::format("{}", static_cast<unsigned char>(l[9])),
                                fmt::format("{}", static_cast<unsigned char>(r[9]))));
    } else if (pyc(l, left.name()) && pyc(r, right.name())) {
        std::uint32_t lf = le32(l, 4), rf = le32(r, 4);
        if (l.substr(0, 4) != r.substr(0, 4))
            out.push_back(field(".pyc magic", ".pyc magic number (the Python version)",
                                fmt::format("{}", le32(l, 0) & 0xffff), fmt::format("{}", le32(r, 0) & 0xffff)));
        if (lf != rf)
            out.push_back(field(".pyc flags", ".pyc flags (0: checked by the source's mtime, 1 or 3: by its hash)",
                                fmt::format("{}", lf), fmt::format("{}", rf)));
        if (lf == 0 && rf == 0) {
            if (le32(l, 8) != le32(r, 8))
                out.push_back(field(".pyc source mtime",
                                    ".pyc source mtime (when the .py was last modified)",
                                    utc_time(le32(l, 8)), utc_time(le32(r, 8)),
                                    "a build timestamp (SOURCE_DATE_EPOCH makes py_compile write "
                                    "hash-based .pyc files)"));
            if (le32(l, 12) != le32(r, 12))
                out.push_back(field(".pyc source size", ".pyc source size", fmt::format("{}", le32(l, 12)),
                                    fmt::format("{}", le32(r, 12))));
        }
    }
    return out;
}

}  // namespace buildiff
