// Audit directories and bundles as inputs. The bundle reader is written for hostile archives: it
// never touches the file system beyond the bundle itself, and refuses what an extractor would
// have to be careful with (`..`, absolute names, links, devices, huge or endless members).
#include "audit/build_set.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "diff/archive_read.h"

namespace buildiff {

namespace fs = std::filesystem;

namespace {

struct ArchiveCloser {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

ArchivePtr open_bundle(const std::string& path) {
    ArchivePtr a(archive_read_new());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_format_tar(a.get());
    archive_read_support_format_gnutar(a.get());
    archive_read_support_format_zip(a.get());
    if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) return nullptr;
    return a;
}

bool is_file(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Why a member name is unsafe to honour, or "".
std::string unsafe_member(const std::string& name) {
    if (name.empty()) return "an empty name";
    if (name.front() == '/') return "an absolute name";
    if (name.find('\0') != std::string::npos || name.find('\\') != std::string::npos)
        return "a name with a backslash or NUL";
    ArchiveMember m;
    m.name = name;
    if (m.unsafe_name()) return "a name that climbs out with `..`";
    return "";
}

// Reads every regular member into memory, refusing anything unsafe. The first must be
// MANIFEST.json.
Result<std::map<std::string, std::string>> read_bundle(const std::string& path,
                                                       const BundleLimits& limits) {
    ArchivePtr a = open_bundle(path);
    auto fail = [&](const std::string& what) { return Error{fmt::format("{}: {}", path, what)}; };
    if (!a) return fail("cannot open the bundle");
    std::map<std::string, std::string> members;
    std::uint64_t total = 0;
    std::vector<char> buffer(1 << 16);
    archive_entry* entry = nullptr;
    for (;;) {
        int rc = archive_read_next_header(a.get(), &entry);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            const char* msg = archive_error_string(a.get());
            return fail(fmt::format("corrupt bundle: {}", msg ? msg : "unreadable archive"));
        }
        const char* raw = archive_entry_pathname(entry);
        std::string name = raw ? raw : "";
        if (members.empty() && name != "MANIFEST.json")
            return fail(
                fmt::format("not a buildiff bundle (its first member is `{}`, not "
                            "MANIFEST.json)",
                            name));
        bool dir = archive_entry_filetype(entry) == AE_IFDIR;
        while (dir && name.ends_with('/')) name.pop_back();
        if (std::string why = unsafe_member(name); !why.empty())
            return fail(fmt::format("member `{}` has {}: refused", name, why));
        if (const char* l = archive_entry_symlink(entry))
            return fail(fmt::format("member `{}` is a symbolic link to `{}`: refused", name, l));
        if (const char* l = archive_entry_hardlink(entry))
            return fail(fmt::format("member `{}` is a hard link to `{}`: refused", name, l));
        if (dir) continue;
        if (archive_entry_filetype(entry) != AE_IFREG)
            return fail(fmt::format("member `{}` is not a regular file: refused", name));
        if (members.size() >= limits.max_members)
            return fail(fmt::format("more than {} members: refused", limits.max_members));
        if (members.contains(name))
            return fail(fmt::format("member `{}` appears twice: refused", name));
        auto too_big = [&](std::uint64_t size) {
            return fail(
                fmt::format("member `{}` expands to {} bytes or more, over the {} MiB "
                            "bound on a member: refused",
                            name, size, limits.max_member_bytes >> 20));
        };
        if (archive_entry_size_is_set(entry) &&
            static_cast<std::uint64_t>(archive_entry_size(entry)) > limits.max_member_bytes)
            return too_big(static_cast<std::uint64_t>(archive_entry_size(entry)));
        std::string bytes;
        for (;;) {
            la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
            if (n == 0) break;
            if (n < 0) {
                const char* msg = archive_error_string(a.get());
                return fail(
                    fmt::format("member `{}`: corrupt data: {}", name, msg ? msg : "unreadable"));
            }
            if (bytes.size() + static_cast<size_t>(n) > limits.max_member_bytes)
                return too_big(bytes.size() + static_cast<size_t>(n));
            total += static_cast<std::uint64_t>(n);
            if (total > limits.max_total_bytes)
                return fail(
                    fmt::format("expands beyond {} MiB: refused", limits.max_total_bytes >> 20));
            bytes.append(buffer.data(), static_cast<size_t>(n));
        }
        members.emplace(std::move(name), std::move(bytes));
    }
    if (members.empty()) return fail("an empty archive, not a buildiff bundle");
    return members;
}

Result<nlohmann::json> parse_json(const std::string& text, const std::string& where) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return Error{fmt::format("{}: not valid JSON: {}", where, e.what())};
    }
}

}  // namespace

bool BuildSet::detect(const std::string& path) {
    if (is_dir(path)) {
        std::ifstream in(path + "/report.json", std::ios::binary);
        char head[256] = {};
        in.read(head, sizeof head - 1);
        return std::string_view(head, static_cast<size_t>(in.gcount())).find(kAuditFormat) !=
               std::string_view::npos;
    }
    if (!is_file(path)) return false;
    std::ifstream in(path, std::ios::binary);
    char head[512] = {};
    in.read(head, sizeof head);
    if (!is_archive(std::string_view(head, static_cast<size_t>(in.gcount())))) return false;
    ArchivePtr a = open_bundle(path);
    archive_entry* entry = nullptr;
    if (!a || archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) return false;
    const char* name = archive_entry_pathname(entry);
    return name && std::string_view(name) == "MANIFEST.json";
}

Result<std::string> BuildSet::member(const std::string& name) const {
    if (m_bundle) {
        auto it = m_members.find(name);
        if (it == m_members.end())
            return Error{fmt::format("{}: the bundle has no member {}", m_path, name)};
        return it->second;
    }
    std::string file = m_path + "/" + name;
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot open: {}", file, std::strerror(errno))};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Result<BuildSet> BuildSet::open(const std::string& path, const BundleLimits& limits) {
    BuildSet set;
    set.m_path = path;
    while (set.m_path.size() > 1 && set.m_path.ends_with('/')) set.m_path.pop_back();
    set.m_bundle = !is_dir(path);
    if (set.m_bundle) {
        auto members = read_bundle(path, limits);
        if (!members) return members.error();
        set.m_members = std::move(*members);
        auto manifest = parse_json(set.m_members["MANIFEST.json"], path + ": MANIFEST.json");
        if (!manifest) return manifest.error();
        if (!manifest->is_object() || manifest->value("format", "") != kBundleFormat)
            return Error{
                fmt::format("{}: MANIFEST.json is not a {} manifest", path, kBundleFormat)};
        set.m_manifest = std::move(*manifest);
    }
    std::string where = set.m_path + (set.m_bundle ? ":report.json" : "/report.json");
    Result<std::string> text = set.member("report.json");
    if (!text) return text.error();
    Result<AuditReport> report = parse_audit_report(*text, where);
    if (!report) return report.error();
    set.m_report = std::move(*report);
    // Evidence is optional: audits before it existed, and bundles packed with --max-size 0.
    bool has_index = set.m_bundle ? set.m_members.contains("evidence/index.json")
                                  : is_file(set.m_path + "/evidence/index.json");
    if (has_index) {
        std::string iwhere = set.m_path + (set.m_bundle ? ":" : "/") + "evidence/index.json";
        Result<std::string> itext = set.member("evidence/index.json");
        if (!itext) return itext.error();
        auto index = parse_json(*itext, iwhere);
        if (!index) return index.error();
        auto evidence = Evidence::from_json(*index, iwhere);
        if (!evidence) return evidence.error();
        set.m_evidence = std::move(*evidence);
        for (const EvidenceItem& item : set.m_evidence.kept)
            for (const EvidenceFile* f : {&item.left, &item.right}) set.m_by_hash[f->hash] = *f;
    }
    return set;
}

const AuditRun* BuildSet::run(const std::string& name) const { return m_report.run(name); }

Result<std::string> BuildSet::only_run() const {
    if (m_report.runs.size() == 1) return m_report.runs.front().name;
    std::string names;
    for (const AuditRun& r : m_report.runs)
        names += fmt::format("{}{}:{}", names.empty() ? "" : ", ", m_path, r.name);
    return Error{fmt::format("{} holds {} runs: name one ({})", m_path, m_report.runs.size(), names)};
}

bool BuildSet::build_path_varied() const { return m_report.varies("build-path"); }

std::vector<std::string> BuildSet::members() const {
    std::vector<std::string> out;
    if (m_bundle) {
        for (auto& [name, bytes] : m_members) out.push_back(name);
        return out;
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(m_path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::string rel = fs::path(it->path()).lexically_relative(m_path).string();
        if (rel == "trees" || rel == "cache") it.disable_recursion_pending();
        if (it->is_regular_file()) out.push_back(rel);
    }
    std::sort(out.begin(), out.end());
    return out;
}

Result<Recording> BuildSet::recording(const std::string& name) const {
    if (!run(name))
        return Error{fmt::format("{}: no run named `{}` (runs: {})", m_path, name, [&] {
            std::string list;
            for (auto& r : m_report.runs) list += (list.empty() ? "" : ", ") + r.name;
            return list;
        }())};
    std::string member = name + ".rec";
    if (!m_bundle) return read_recording(m_path + "/" + member);
    auto it = m_members.find(member);
    if (it == m_members.end())
        return Error{fmt::format("{}: the bundle has no recording {}", m_path, member)};
    std::istringstream in(it->second);
    return read_recording(in, m_path + ":" + member);
}

std::optional<Blob> BuildSet::evidence_blob(const std::string& hash) const {
    if (auto cached = m_blobs.find(hash); cached != m_blobs.end()) return cached->second;
    std::optional<Blob> out;
    auto it = m_by_hash.find(hash);
    if (it != m_by_hash.end()) {
        const EvidenceFile& f = it->second;
        if (m_bundle) {
            if (auto m = m_members.find(f.member); m != m_members.end())
                out = Blob::memory(m_path + ":" + f.member, m->second);
        } else if (Result<Blob> b = Blob::open(m_path + "/" + f.member)) {
            out = *b;
        }
        // Evidence that is not what was recorded is no evidence (unless paths were masked).
        if (out && !f.redacted && out->hash().hex() != hash) out.reset();
    }
    m_blobs[hash] = out;
    return out;
}

std::string BuildSet::tree_now(const std::string& name) const {
    const AuditRun* r = run(name);
    if (m_bundle || !r || r->kept_tree.empty()) return "";
    // trees/RUN/SRC (trees/RUN before the runs had directories of their own), wherever the
    // audit directory is now.
    size_t trees = r->kept_tree.rfind("/trees/");
    if (trees == std::string::npos) return "";
    std::string here = m_path + r->kept_tree.substr(trees);
    return is_dir(here) ? here : "";
}

std::pair<std::string, std::string> BuildSet::main_pair() const {
    const std::vector<AuditRun>& runs = m_report.runs;
    if (m_report.pairs.empty())
        return {runs.front().name, runs.size() > 1 ? runs[1].name : runs.front().name};
    const AuditPair& p = m_report.pairs[m_report.main_pair()];
    return {p.left, p.right};
}

Result<DiffResult> diff_set_pair(const BuildSet& set, const std::string& left_run,
                                 const std::string& right_run, DiffOptions options) {
    Result<Recording> l = set.recording(left_run);
    if (!l) return l.error();
    Result<Recording> r = set.recording(right_run);
    if (!r) return r.error();
    options.left_tree = set.tree_now(left_run);
    options.right_tree = set.tree_now(right_run);
    // An audit that built each run in trees/RUN/SRC: the directory around each tree was its own.
    auto own_directory = [](const AuditRun& run) {
        return fs::path(run.tree).parent_path().parent_path().filename() == "trees";
    };
    options.private_parents =
        own_directory(*set.run(left_run)) && own_directory(*set.run(right_run));
    auto fallback = options.evidence;
    options.evidence = [&set, fallback](const std::string& hash) {
        std::optional<Blob> b = set.evidence_blob(hash);
        return b || !fallback ? b : fallback(hash);
    };
    return diff_audit_pair(*l, *r, *set.run(left_run), *set.run(right_run), set.build_path_varied(),
                           options);
}

std::string describe_set(const BuildSet& set) {
    const AuditReport& r = set.report();
    std::string out;
    std::string what = set.is_bundle() ? "a bundle" : "an audit directory";
    if (r.command) {
        out += fmt::format("{}: {}, the audit of `{}` (cache: {})\n", set.path(), what,
                           fmt::join(*r.command, " "), r.cache.value_or("?"));
    } else {
        out += fmt::format("{}: {} of {} recordings\n", set.path(), what, set.runs().size());
    }
    out += "runs:\n";
    for (const AuditRun& run : set.runs()) {
        Result<Recording> rec = set.recording(run.name);
        std::string about = rec ? fmt::format("{} process{}, built in {}", rec->processes.size(),
                                              rec->processes.size() == 1 ? "" : "es", rec->cwd)
                                : rec.error().message;
        out += fmt::format("  {}:{}  {}{}\n", set.path(), run.name, about,
                           run.cached ? " (cached)" : "");
    }
    if (!r.pairs.empty()) out += "pairs:\n";
    for (const AuditPair& p : r.pairs) out += "  " + describe_pair(p) + "\n";
    const Evidence& e = set.evidence();
    Evidence::Counts c = e.counts();
    out += fmt::format("evidence: both versions of {} divergent artifacts kept, {} left out\n",
                       c.artifacts_kept, c.artifacts - c.artifacts_kept);
    if (c.inputs > 0)
        out += fmt::format("evidence: {} files the root causes' steps read kept (for buildiff "
                           "confirm), {} left out\n",
                           c.inputs_kept, c.inputs - c.inputs_kept);
    for (const EvidenceItem& i : e.left_out)
        out += i.step_input ? fmt::format("  left out: step input {} of {}: {}\n", i.path,
                                          i.left.run, i.reason)
                            : fmt::format("  left out: {} ({} vs {}): {}\n", i.path, i.left.run,
                                          i.right.run, i.reason);
    if (!r.pairs.empty()) {
        auto [a, b] = set.main_pair();
        out += fmt::format("diff the main pair ({} vs {}): buildiff diff {}\n", a, b, set.path());
    }
    out += fmt::format("show a run: buildiff show {}:{}\n", set.path(), set.runs().front().name);
    return out;
}

std::optional<std::pair<std::string, std::string>> split_set_spec(const std::string& spec) {
    if (access(spec.c_str(), F_OK) == 0) return std::nullopt;
    size_t colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    std::string set = spec.substr(0, colon), run = spec.substr(colon + 1);
    if (!BuildSet::detect(set)) return std::nullopt;
    return std::make_pair(set, run);
}

Result<Recording> load_recording(const std::string& spec, std::shared_ptr<const BuildSet>* out) {
    std::string path = spec, run;
    if (auto split = split_set_spec(spec)) std::tie(path, run) = *split;
    if (run.empty() && !BuildSet::detect(path)) return read_recording(path);
    Result<BuildSet> set = BuildSet::open(path);
    if (!set) return set.error();
    auto shared = std::make_shared<const BuildSet>(std::move(*set));
    if (run.empty()) {
        Result<std::string> only = shared->only_run();
        if (!only) return only.error();
        run = *only;
    }
    Result<Recording> rec = shared->recording(run);
    if (rec && out) *out = shared;
    return rec;
}

}  // namespace buildiff
