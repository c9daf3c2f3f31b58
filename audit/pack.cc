// `buildiff pack`: gather (from an audit directory, a bundle, or recordings diffed here), redact,
// choose the evidence that fits the size budget, write MANIFEST.json first and the rest after it,
// and rename the finished bundle into place (never a half-written file).
#include "audit/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/core.h>

#include "audit/build_set.h"
#include "audit/evidence.h"
#include "base/atomic_write.h"
#include "base/blob.h"
#include "base/sizes.h"
#include "base/version.h"
#include "recording/recording.h"
#include "recording/redact.h"

namespace buildiff {

namespace fs = std::filesystem;

namespace {

using ojson = nlohmann::ordered_json;

bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

enum class Format { TarGz, TarZst, Zip };

std::optional<Format> format_for(const std::string& path) {
    if (path.ends_with(".tar.gz") || path.ends_with(".tgz")) return Format::TarGz;
    if (path.ends_with(".tar.zst")) return Format::TarZst;
    if (path.ends_with(".zip")) return Format::Zip;
    return std::nullopt;
}

struct Member {
    std::string name, bytes, what;  // what: report, recording, attachment, evidence, index
};

la_ssize_t append_to_string(archive*, void* data, const void* buf, size_t n) {
    static_cast<std::string*>(data)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
}

// The archive in memory. Every member is a regular 0644 file with a fixed mtime, so the same
// content packs to the same bytes.
Result<std::string> make_archive(Format format, const std::vector<const Member*>& members) {
    std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
    int rc = format == Format::Zip ? archive_write_set_format_zip(a.get())
                                   : archive_write_set_format_pax_restricted(a.get());
    if (rc == ARCHIVE_OK && format == Format::TarGz) {
        rc = archive_write_add_filter_gzip(a.get());
        // No time in the gzip header: the same content packs to the same bytes.
        if (rc == ARCHIVE_OK) rc = archive_write_set_options(a.get(), "gzip:!timestamp");
    }
    if (rc == ARCHIVE_OK && format == Format::TarZst) rc = archive_write_add_filter_zstd(a.get());
    // No zero padding after the compressed stream: zstd refuses trailing bytes.
    if (rc == ARCHIVE_OK) rc = archive_write_set_bytes_in_last_block(a.get(), 1);
    std::string out;
    if (rc == ARCHIVE_OK)
        rc = archive_write_open(a.get(), &out, nullptr, append_to_string, nullptr);
    for (const Member* m : members) {
        if (rc != ARCHIVE_OK) break;
        std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                                   archive_entry_free);
        archive_entry_set_pathname(e.get(), m->name.c_str());
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0644);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(m->bytes.size()));
        archive_entry_set_mtime(e.get(), 946684800, 0);  // 2000-01-01, as zip cannot say 1970
        rc = archive_write_header(a.get(), e.get());
        if (rc == ARCHIVE_OK && !m->bytes.empty() &&
            archive_write_data(a.get(), m->bytes.data(), m->bytes.size()) !=
                static_cast<la_ssize_t>(m->bytes.size()))
            rc = ARCHIVE_FATAL;
    }
    if (rc == ARCHIVE_OK) rc = archive_write_close(a.get());
    if (rc != ARCHIVE_OK) {
        const char* msg = archive_error_string(a.get());
        return Error{fmt::format("cannot write the archive: {}", msg ? msg : "libarchive error")};
    }
    return out;
}

Result<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
    return text.str();
}

// A recording made with --no-redact gets its secret-looking values hashed now, with this user's
// salt: a bundle never carries them in clear.
std::string redact_secrets(const std::string& text, std::set<std::string>& clear) {
    std::istringstream in(text);
    std::string line, out;
    std::optional<Redactor> redactor;
    while (std::getline(in, line)) {
        nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            std::string type = j.value("type", "");
            if (type == "header" && !j.value("redacted", true)) {
                if (!redactor) redactor.emplace(load_or_create_salt());
                j["redacted"] = true;
                j["salt_id"] = redactor->salt_id();
                line = j.dump();
            } else if (type == "env" && redactor && j.contains("vars") && j["vars"].is_array()) {
                for (auto& kv : j["vars"]) {
                    if (!kv.is_array() || kv.size() != 2 || !kv[0].is_string()) continue;
                    std::string name = kv[0].get<std::string>();
                    if (!is_secret_name(name)) continue;
                    std::string value = kv[1].is_string() ? kv[1].get<std::string>() : kv[1].dump();
                    if (value.size() >= 4) clear.insert(value);
                    kv[1] = redactor->value_for(name, value);
                }
                line = j.dump();
            }
        }
        out += line;
        if (!in.eof()) out += '\n';
    }
    return out;
}

// The same for a compressed recording (version 2), on its model: the secret-looking values of
// its environments are hashed and the recording written again. False when it was redacted.
bool redact_secrets(Recording& rec, std::set<std::string>& clear) {
    if (rec.redacted) return false;
    Redactor redactor(load_or_create_salt());
    for (EnvVars& env : rec.envs)
        for (auto& [name, value] : env) {
            if (!is_secret_name(name)) continue;
            if (value.size() >= 4) clear.insert(value);
            value = redactor.value_for(name, value);
        }
    rec.redacted = true;
    rec.salt_id = redactor.salt_id();
    return true;
}

// Run names from labels or file names: letters, digits, - and _, distinct.
std::vector<std::string> run_names(const std::vector<Recording>& recs,
                                   const std::vector<std::string>& files) {
    std::vector<std::string> out;
    std::set<std::string> used;
    for (size_t i = 0; i < recs.size(); ++i) {
        // A pipe's name (/dev/fd/63) says nothing: the label, else run1, run2...
        std::error_code ec;
        bool named = fs::is_regular_file(files[i], ec);
        std::string base = !recs[i].label.empty() ? recs[i].label
                           : named                ? fs::path(files[i]).stem().string()
                                                  : "";
        std::string name;
        for (char c : base) name += name_char(c) && c != '.' ? c : '_';
        if (name.empty() || name.size() > 48) name = fmt::format("run{}", i + 1);
        std::string unique = name;
        for (int n = 2; used.contains(unique); ++n) unique = fmt::format("{}-{}", name, n);
        used.insert(unique);
        out.push_back(unique);
    }
    return out;
}

std::vector<std::string> account_names(const std::vector<Recording>& recs, bool homes) {
    std::set<std::string> out;
    auto add = [&](const std::string& v) {
        if (v.size() >= 2 && v != "/" && v != "root" && (!homes || v.front() == '/')) out.insert(v);
    };
    for (const Recording& r : recs)
        for (const EnvVars& env : r.envs)
            for (auto& [k, v] : env)
                if (homes ? k == "HOME" : (k == "USER" || k == "LOGNAME" || k == "USERNAME"))
                    add(v);
    const char* here = std::getenv(homes ? "HOME" : "USER");
    if (here) add(here);
    if (passwd* pw = getpwuid(getuid())) add(homes ? pw->pw_dir : pw->pw_name);
    return {out.begin(), out.end()};
}

}  // namespace

PathRedactor::PathRedactor(std::vector<std::string> homes, std::vector<std::string> users,
                           std::vector<std::string> secrets)
    : m_homes(std::move(homes)), m_users(std::move(users)), m_secrets(std::move(secrets)) {
    auto longest_first = [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() > b.size() : a < b;
    };
    std::sort(m_homes.begin(), m_homes.end(), longest_first);
    std::sort(m_users.begin(), m_users.end(), longest_first);
}

std::string PathRedactor::apply(std::string_view text) const {
    std::string out(text);
    auto mask = [&](size_t from, size_t n) {
        bool changed = false;
        for (size_t k = from; k < from + n; ++k) {
            changed |= out[k] != 'x';
            out[k] = 'x';
        }
        m_count += changed;
    };
    for (const std::string& secret : m_secrets)
        for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at))
            mask(at, secret.size());
    auto ends_at = [&](size_t end) { return end >= out.size() || !name_char(out[end]); };
    for (size_t i = 0; i < out.size(); ++i) {
        char prev = i ? out[i - 1] : '\0';
        if (out[i] == '/' && !(name_char(prev) || prev == '/')) {
            // A home directory: its last component is masked ("/home/alice" -> "/home/xxxxx").
            bool done = false;
            for (const std::string& h : m_homes)
                if (out.compare(i, h.size(), h) == 0 && ends_at(i + h.size())) {
                    size_t last = h.rfind('/') + 1;
                    mask(i + last, h.size() - last);
                    i += h.size() - 1;
                    done = true;
                    break;
                }
            if (done) continue;
            if (out.compare(i, 6, "/home/") == 0) {
                size_t end = i + 6;
                while (end < out.size() && name_char(out[end])) ++end;
                mask(i + 6, end - i - 6);
                i = end - 1;
                continue;
            }
        }
        // A user name as a path component or a whole value ("alice", >alice<, USER=alice).
        if (prev == '/' || prev == '"' || prev == '>' || prev == '=' || prev == '\'')
            for (const std::string& u : m_users)
                if (out.compare(i, u.size(), u) == 0 && ends_at(i + u.size())) {
                    mask(i, u.size());
                    i += u.size() - 1;
                    break;
                }
    }
    return out;
}

namespace {

// What goes into a bundle before the evidence: its members, the recordings and their runs' names,
// the evidence to choose from, and the secrets found in clear.
struct Gathered {
    std::vector<Member> members;  // everything but MANIFEST.json and evidence, in order
    std::vector<Recording> recs;
    std::vector<std::string> names;  // the runs
    std::vector<EvidenceItem> candidates, left_out;
    std::shared_ptr<const BuildSet> set;
    std::string source;
    // Secret values a --no-redact recording held in clear: masked wherever else they appear
    // (a report made from it, an attachment).
    std::set<std::string> secrets;
};

// A step of pack: nothing, or what went wrong.
using Problem = std::optional<Error>;

Problem problem(std::string message) {
    return Error{std::move(message)};
}

// An audit directory or a bundle: its reports as they are, its recordings, its evidence.
Problem gather_set(const std::string& input, Gathered& g) {
    Result<BuildSet> opened = BuildSet::open(input);
    if (!opened) return opened.error();
    g.set = std::make_shared<const BuildSet>(std::move(*opened));
    g.source = g.set->is_bundle() ? "bundle" : "audit";
    std::vector<std::string> reports = {"report.json", "report.html", "summary.md"};
    for (const AuditPair& p : g.set->report().pairs)
        if (const std::string& page = p.html;
            !page.empty() && page.find('/') == std::string::npos && page.ends_with(".html"))
            reports.push_back(page);
    for (const std::string& name : reports) {
        Result<std::string> text = g.set->member(name);
        if (!text) {
            if (name == "report.json") return text.error();
            continue;  // a page an older audit did not write
        }
        g.members.push_back({name, std::move(*text), "report"});
    }
    for (const AuditRun& run : g.set->runs()) {
        Result<std::string> text = g.set->member(run.name + ".rec");
        if (!text) return text.error();
        g.members.push_back({run.name + ".rec", std::move(*text), "recording"});
        Result<Recording> rec = g.set->recording(run.name);
        if (!rec) return rec.error();
        g.recs.push_back(std::move(*rec));
        g.names.push_back(run.name);
    }
    for (const std::string& name : g.set->members()) {
        bool script = name.starts_with("repro/") && name.ends_with(".sh") &&
                      name.find('/', 6) == std::string::npos;
        if (name.starts_with("attachments/") || script)
            if (Result<std::string> text = g.set->member(name))
                g.members.push_back({name, std::move(*text), script ? "reproducer" : "attachment"});
    }
    g.candidates = g.set->evidence().kept;
    g.left_out = g.set->evidence().left_out;
    return std::nullopt;
}

// Recordings (their text, secrets in clear masked, and the files they came from) and reports to
// attach, from the inputs.
Problem read_inputs(const std::vector<std::string>& inputs, Gathered& g,
                    std::vector<std::string>& texts, std::vector<std::string>& files,
                    std::vector<Member>& attachments) {
    for (const std::string& in : inputs) {
        std::error_code ec;
        if (fs::is_directory(in, ec))
            return problem(
                fmt::format("{}: a directory, but not an audit directory (no report.json of {})",
                            in, kAuditFormat));
        if (BuildSet::detect(in))
            return problem(
                fmt::format("{}: an audit or bundle packs alone, not with other inputs", in));
        Result<std::string> text = read_file(in);
        if (!text) return text.error();
        if (starts_like_recording(*text)) {
            std::istringstream stream(*text);
            Result<Recording> rec = read_recording(stream, in);
            if (!rec) return rec.error();
            if (rec->version >= 2) {
                // Compressed: secrets masked on the model (written again when any was), then the
                // records as text, masked like version 1's below; the bundle compresses them.
                std::istringstream bytes(redact_secrets(*rec, g.secrets)
                                             ? write_recording(*rec, rec->version)
                                             : std::move(*text));
                Result<std::string> lines = recording_text(bytes, in);
                if (!lines) return lines.error();
                texts.push_back(std::move(*lines));
            } else {
                texts.push_back(redact_secrets(*text, g.secrets));
                std::istringstream masked(texts.back());
                rec = read_recording(masked, in);
                if (!rec) return rec.error();
            }
            files.push_back(in);
            g.recs.push_back(std::move(*rec));
            continue;
        }
        std::string ext = fs::path(in).extension().string();
        if (ext != ".html" && ext != ".md" && ext != ".json" && ext != ".xml" && ext != ".txt")
            return problem(fmt::format(
                "{}: not a recording, an audit directory, a bundle or a report (.html, .md, "
                ".json, .xml, .txt)",
                in));
        std::string name = "attachments/" + fs::path(in).filename().string();
        for (const Member& a : attachments)
            if (a.name == name)
                return problem(fmt::format("{}: two attachments named {}", in, name));
        attachments.push_back({name, std::move(*text), "attachment"});
    }
    if (g.recs.empty()) return problem("no recordings among the inputs");
    return std::nullopt;
}

// Recordings diffed here, every pair, as an audit would; the reports, the recordings and the
// attachments are the members.
Problem gather_recordings(const PackOptions& o, Gathered& g) {
    g.source = "recordings";
    std::vector<std::string> texts, files;
    std::vector<Member> attachments;
    if (Problem p = read_inputs(o.inputs, g, texts, files, attachments)) return p;
    g.names = run_names(g.recs, files);
    // Paths are masked before the diff, so the reports show what the bundle holds.
    std::vector<std::string> trees_now;
    for (const Recording& r : g.recs) trees_now.push_back(r.cwd);
    if (o.redact_paths) {
        PathRedactor redactor(account_names(g.recs, true), account_names(g.recs, false), {});
        for (size_t i = 0; i < g.recs.size(); ++i) {
            texts[i] = redactor.apply(texts[i]);
            std::istringstream stream(texts[i]);
            Result<Recording> rec = read_recording(stream, files[i]);
            if (!rec) return rec.error();
            g.recs[i] = std::move(*rec);
        }
    }
    AuditReport head;  // no command, cache or variations: recordings made elsewhere
    for (size_t i = 0; i < g.recs.size(); ++i) {
        AuditRun run;
        run.name = g.names[i];
        run.recording = fs::path(files[i]).filename().string();
        run.tree = run.kept_tree = g.recs[i].cwd;
        head.runs.push_back(std::move(run));
    }
    AuditReports reports = diff_audit_runs(std::move(head), g.recs, false, trees_now);
    for (auto& [name, content] : reports.files)
        g.members.push_back({name, std::move(content), "report"});
    for (size_t i = 0; i < g.recs.size(); ++i)
        g.members.push_back({g.names[i] + ".rec", std::move(texts[i]), "recording"});
    for (Member& a : attachments) g.members.push_back(std::move(a));
    g.candidates = std::move(reports.candidates);
    g.left_out = std::move(reports.gone);
    if (g.recs.size() == 1)
        baseline_candidates(g.recs[0], g.names[0], trees_now[0], g.candidates, g.left_out);
    return std::nullopt;
}

// Redaction of everything that goes in; evidence is masked the same way (same lengths).
std::optional<PathRedactor> redact_members(const PackOptions& o, Gathered& g) {
    std::optional<PathRedactor> redactor;
    if (!o.redact_paths && g.secrets.empty()) return redactor;
    redactor.emplace(o.redact_paths ? account_names(g.recs, true) : std::vector<std::string>{},
                     o.redact_paths ? account_names(g.recs, false) : std::vector<std::string>{},
                     std::vector<std::string>(g.secrets.begin(), g.secrets.end()));
    for (Member& m : g.members) {
        m.name = redactor->apply(m.name);
        m.bytes = redactor->apply(m.bytes);
    }
    return redactor;
}

// Each kept version read (and masked) once; `redacted` says its bytes no longer hash as recorded.
Problem read_versions(const Gathered& g, const std::optional<PathRedactor>& redactor,
                      Evidence& evidence, std::map<std::string, Member>& versions) {
    auto load = [&](const EvidenceFile& f) -> Result<std::string> {
        std::optional<Blob> blob;
        if (g.set) {
            blob = g.set->evidence_blob(f.hash);
        } else if (Result<Blob> b = Blob::open(f.source)) {
            blob = *b;
        }
        if (!blob || blob->size() > (1ull << 31))
            return Error{fmt::format("evidence {} is unreadable", f.member)};
        return blob->read(0, static_cast<size_t>(blob->size()));
    };
    std::set<std::string> masked;
    for (EvidenceItem& item : evidence.kept)
        for (EvidenceFile* f : {&item.left, &item.right}) {
            if (redactor) f->member = redactor->apply(f->member);
            if (!versions.contains(f->member)) {
                Result<std::string> bytes = load(*f);
                if (!bytes) return bytes.error();
                std::string out = redactor ? redactor->apply(*bytes) : *bytes;
                if (out != *bytes) masked.insert(f->member);
                versions.emplace(f->member, Member{f->member, std::move(out), "evidence"});
            }
            f->redacted = masked.contains(f->member);
        }
    return std::nullopt;
}

ojson manifest_of(const PackOptions& o, const Gathered& g, const Evidence& evidence,
                  const std::optional<PathRedactor>& redactor,
                  const std::vector<const Member*>& all) {
    ojson listing = ojson::array();
    for (const Member* m : all)
        listing.push_back({{"name", m->name}, {"size", m->bytes.size()}, {"what", m->what}});
    ojson manifest = {
        {"format", kBundleFormat},
        {"buildiff", kBuildiffVersion},
        {"source", g.source},
        {"runs", ojson::array()},
        {"max_size", o.max_size},
        {"evidence",
         {{"kept", evidence.kept.size()},
          {"left_out", evidence.left_out.size()},
          {"step_inputs_kept", evidence.counts().inputs_kept},
          {"index", "evidence/index.json"}}},
        {"redaction",
         {{"secrets", "salted hash (secret-looking environment values are never in clear)"},
          {"paths", o.redact_paths},
          {"secrets_found_in_clear", g.secrets.size()},
          {"replacements", redactor ? redactor->count() : 0}}},
        {"members", std::move(listing)}};
    for (const std::string& n : g.names) manifest["runs"].push_back(n);
    return manifest;
}

// The bundle: MANIFEST.json, the members, the evidence index and the kept versions. Over the
// bound after all (incompressible evidence), the largest item is dropped and the bundle made
// again.
Result<std::string> make_bundle(const PackOptions& o, Format format, const Gathered& g,
                                const std::optional<PathRedactor>& redactor, Evidence& evidence,
                                const std::map<std::string, Member>& versions) {
    for (;;) {
        std::vector<const Member*> files;
        std::set<std::string> stored;
        for (const EvidenceItem& item : evidence.kept)
            for (const EvidenceFile* f : {&item.left, &item.right})
                if (stored.insert(f->member).second) files.push_back(&versions.at(f->member));
        std::string index = evidence.to_json().dump(2) + "\n";
        if (redactor) index = redactor->apply(index);
        Member index_member{"evidence/index.json", index, "index"};
        std::vector<const Member*> all;
        for (const Member& m : g.members) all.push_back(&m);
        all.push_back(&index_member);
        all.insert(all.end(), files.begin(), files.end());
        Member manifest_member{
            "MANIFEST.json", manifest_of(o, g, evidence, redactor, all).dump(2) + "\n", "manifest"};
        all.insert(all.begin(), &manifest_member);
        Result<std::string> made = make_archive(format, all);
        if (!made) return Error{fmt::format("{}: {}", o.output, made.error().message)};
        if (made->size() <= o.max_size || evidence.kept.empty()) return made;
        auto largest = std::max_element(
            evidence.kept.begin(), evidence.kept.end(), [](const auto& a, const auto& b) {
                return a.left.size + a.right.size < b.left.size + b.right.size;
            });
        largest->reason = fmt::format("over the size budget ({} of evidence)", mib(o.max_size, 2));
        evidence.left_out.insert(evidence.left_out.begin(), std::move(*largest));
        evidence.kept.erase(largest);
    }
}

void print_packed(const PackOptions& o, const Gathered& g, const std::string& bundle,
                  const Evidence& evidence, const std::optional<PathRedactor>& redactor) {
    Evidence::Counts c = evidence.counts();
    fmt::print("packed {} ({}): {} recording{}, evidence for {} of {} {}{}", o.output,
               mib(bundle.size(), 2), g.recs.size(), g.recs.size() == 1 ? "" : "s",
               c.artifacts_kept, c.artifacts,
               g.recs.size() == 1 ? "files the build left" : "divergent artifacts",
               c.inputs_words());
    if (!evidence.left_out.empty())
        fmt::print(" ({} left out, listed in evidence/index.json)", evidence.left_out.size());
    if (redactor) fmt::print("; {} paths, user names or secrets masked", redactor->count());
    fmt::print("\n");
}

int pack_failed(const std::string& message) {
    fmt::print(stderr, "buildiff pack: {}\n", message);
    return 2;
}

}  // namespace

// The passes: check the options, gather, redact, budget the evidence, read it, make the bundle,
// write it into place.
int run_pack(const PackOptions& o) {
    std::optional<Format> format = format_for(o.output);
    if (!format)
        return pack_failed(
            fmt::format("{}: unknown bundle format (name it .tar.gz, .zip or .tar.zst)", o.output));
    if (o.inputs.empty())
        return pack_failed("nothing to pack: give an audit directory or recordings");
    if (o.max_size == 0) return pack_failed("--max-size must be more than 0");

    Gathered g;
    Problem gathered = o.inputs.size() == 1 && BuildSet::detect(o.inputs[0])
                           ? gather_set(o.inputs[0], g)
                           : gather_recordings(o, g);
    if (gathered) return pack_failed(gathered->message);
    std::optional<PathRedactor> redactor = redact_members(o, g);

    // What must go in, compressed, sets what is left for evidence.
    std::vector<const Member*> fixed;
    for (const Member& m : g.members) fixed.push_back(&m);
    Result<std::string> base = make_archive(*format, fixed);
    if (!base) return pack_failed(fmt::format("{}: {}", o.output, base.error().message));
    constexpr std::uint64_t kPerFile = 1024;  // header and compressor overhead, at most
    std::uint64_t reserve =
        base->size() + 8192 + kPerFile * (g.members.size() + 2 * g.candidates.size());
    auto over = [&](std::uint64_t size) {
        return pack_failed(
            fmt::format("the reports and recordings alone take {} compressed, over --max-size {}",
                        mib(size, 2), mib(o.max_size, 2)));
    };
    if (reserve > o.max_size) return over(base->size());
    Evidence evidence = select_evidence(std::move(g.candidates), o.max_size - reserve);
    for (EvidenceItem& item : g.left_out) evidence.left_out.push_back(std::move(item));
    evidence.budget = o.max_size;

    std::map<std::string, Member> versions;
    if (Problem p = read_versions(g, redactor, evidence, versions)) return pack_failed(p->message);
    Result<std::string> bundle = make_bundle(o, *format, g, redactor, evidence, versions);
    if (!bundle) return pack_failed(bundle.error().message);
    if (bundle->size() > o.max_size) return over(bundle->size());
    if (!write_file_atomically(o.output, *bundle))
        return pack_failed(fmt::format("{}: cannot write: {}", o.output, std::strerror(errno)));
    print_packed(o, g, *bundle, evidence, redactor);
    return 0;
}

}  // namespace buildiff
