// Choosing and describing evidence. Writing it (to a directory or into a bundle) is the caller's.
#include "audit/evidence.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/core.h>

#include "base/blob.h"
#include "base/sizes.h"
#include "diff/normalize.h"
#include "recording/analysis.h"

namespace buildiff {

namespace {

using ojson = nlohmann::ordered_json;

// A path inside the tree that is safe as a member name: relative, no `..`, no empty component.
bool safe_relative(std::string_view rel) {
    if (rel.empty() || rel.front() == '/') return false;
    size_t start = 0;
    while (start <= rel.size()) {
        size_t end = rel.find('/', start);
        if (end == std::string_view::npos) end = rel.size();
        std::string_view part = rel.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

ojson file_json(const EvidenceFile& f) {
    ojson j = {{"run", f.run}, {"hash", f.hash}, {"size", f.size}};
    if (!f.member.empty()) j["member"] = f.member;
    if (f.redacted) j["redacted"] = true;
    return j;
}

EvidenceFile file_from_json(const nlohmann::json& j) {
    EvidenceFile f;
    f.run = j.at("run").get<std::string>();
    f.hash = j.at("hash").get<std::string>();
    f.size = j.at("size").get<std::uint64_t>();
    f.member = j.value("member", "");
    f.redacted = j.value("redacted", false);
    return f;
}

}  // namespace

Evidence::Counts Evidence::counts() const {
    Counts c;
    for (const auto* list : {&kept, &left_out})
        for (const EvidenceItem& i : *list) {
            (i.step_input ? c.inputs : c.artifacts)++;
            if (list == &kept) (i.step_input ? c.inputs_kept : c.artifacts_kept)++;
        }
    return c;
}

std::string Evidence::Counts::inputs_words() const {
    return inputs == 0 ? ""
                       : fmt::format(" and {} of the {} files the root causes' steps read",
                                     inputs_kept, inputs);
}

ojson Evidence::to_json() const {
    ojson j = {{"format", kEvidenceFormat}, {"budget", budget}};
    for (const char* list : {"kept", "left_out"}) {
        ojson items = ojson::array();
        for (const EvidenceItem& i : std::string_view(list) == "kept" ? kept : left_out) {
            ojson item = {
                {"path", i.path}, {"left", file_json(i.left)}, {"right", file_json(i.right)}};
            if (!i.reason.empty()) item["reason"] = i.reason;
            if (i.step_input) item["role"] = "step-input";
            items.push_back(std::move(item));
        }
        j[list] = std::move(items);
    }
    return j;
}

Result<Evidence> Evidence::from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object() || j.value("format", "") != kEvidenceFormat)
        return Error{fmt::format("{}: not a buildiff evidence index ({})", where, kEvidenceFormat)};
    Evidence e;
    try {
        e.budget = j.value("budget", std::uint64_t{0});
        for (const char* list : {"kept", "left_out"})
            for (const auto& item : j.at(list)) {
                EvidenceItem i;
                i.path = item.at("path").get<std::string>();
                i.left = file_from_json(item.at("left"));
                i.right = file_from_json(item.at("right"));
                i.reason = item.value("reason", "");
                i.step_input = item.value("role", "") == "step-input";
                bool kept = std::string_view(list) == "kept";
                for (const EvidenceFile* f : {&i.left, &i.right})
                    if (kept && (!f->member.starts_with("evidence/") || !safe_relative(f->member)))
                        return Error{fmt::format("{}: evidence member `{}` is not a safe name",
                                                 where, f->member)};
                (kept ? e.kept : e.left_out).push_back(std::move(i));
            }
    } catch (const nlohmann::json::exception& ex) {
        return Error{fmt::format("{}: bad evidence index: {}", where, ex.what())};
    }
    return e;
}

void evidence_candidates(const DiffResult& result, const std::string& left_run,
                         const std::string& right_run, const std::string& left_tree,
                         const std::string& right_tree, std::vector<EvidenceItem>& candidates,
                         std::vector<EvidenceItem>& gone) {
    for (const Artifact& a : result.artifacts) {
        if (a.status != "different") continue;
        EvidenceItem item;
        item.path = a.path;
        // Each version under its run's name, at its path in the tree as the build wrote it.
        auto version = [&](const std::string& run, const std::string& hash, const std::string& file,
                           const std::string& root, const std::string& tree) {
            std::string rel = file.starts_with(root + "/") ? file.substr(root.size() + 1) : "";
            if (!safe_relative(rel)) item.reason = "its path is not a safe member name";
            return EvidenceFile{run,  hash, 0, "evidence/" + run + "/" + rel, tree + "/" + rel,
                                false};
        };
        item.left = version(left_run, a.left_hash, a.left_file, result.left_root, left_tree);
        item.right = version(right_run, a.right_hash, a.right_file, result.right_root, right_tree);
        for (EvidenceFile* f : {&item.left, &item.right}) {
            if (!item.reason.empty()) break;
            Result<Blob> b = Blob::open(f->source);
            if (!b) {
                item.reason = "gone from disk";
            } else if (b->hash().hex() != f->hash) {
                item.reason = "changed on disk since it was recorded";
            } else {
                f->size = b->size();
            }
        }
        (item.reason.empty() ? candidates : gone).push_back(std::move(item));
    }
}

namespace {

// Files of one run (path relative to ROOT, the recorded root -> recorded hash) as one-version
// items: the run paired with itself, left and right the same file.
void one_version_candidates(const std::map<std::string, std::string>& files,
                            const std::string& root, const std::string& run,
                            const std::string& tree, std::vector<EvidenceItem>& candidates,
                            std::vector<EvidenceItem>& gone) {
    DiffResult self;
    self.left_root = self.right_root = root;
    for (const auto& [rel, hash] : files) {
        Artifact a;
        a.status = "different";  // as a divergent artifact of a pair, with one version
        a.path = std::string(kRootToken) + "/" + rel;
        a.left_hash = a.right_hash = hash;
        a.left_file = a.right_file = root + "/" + rel;
        self.artifacts.push_back(std::move(a));
    }
    evidence_candidates(self, run, run, tree, tree, candidates, gone);
}

}  // namespace

void baseline_candidates(const Recording& rec, const std::string& run, const std::string& tree,
                         std::vector<EvidenceItem>& candidates, std::vector<EvidenceItem>& gone) {
    std::map<std::string, std::string> left;
    for (const auto& [path, produced] : final_writes(rec))
        if (!produced.hash.empty() && path.starts_with(rec.cwd + "/"))
            left.emplace(path.substr(rec.cwd.size() + 1), produced.hash);
    one_version_candidates(left, rec.cwd, run, tree, candidates, gone);
}

void step_input_candidates(const std::map<std::string, std::string>& inputs,
                           const std::string& root, const std::string& run,
                           const std::string& tree, std::vector<EvidenceItem>& candidates,
                           std::vector<EvidenceItem>& gone) {
    std::set<std::string> known;  // confirm looks inputs up by hash: one copy is enough
    for (const EvidenceItem& i : candidates) known.insert({i.left.hash, i.right.hash});
    std::map<std::string, std::string> wanted;
    for (const auto& [rel, hash] : inputs)
        if (!known.contains(hash)) wanted.emplace(rel, hash);
    size_t first_candidate = candidates.size(), first_gone = gone.size();
    one_version_candidates(wanted, root, run, tree, candidates, gone);
    for (size_t i = first_candidate; i < candidates.size(); ++i) candidates[i].step_input = true;
    for (size_t i = first_gone; i < gone.size(); ++i) gone[i].step_input = true;
}

Evidence select_evidence(std::vector<EvidenceItem> candidates, std::uint64_t budget) {
    std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
        std::uint64_t sa = a.left.size + a.right.size, sb = b.left.size + b.right.size;
        if (a.step_input != b.step_input) return b.step_input;
        return sa != sb ? sa < sb : a.path < b.path;
    });
    Evidence out;
    out.budget = budget;
    std::set<std::string> members;  // a run's version of a path is stored once
    std::uint64_t spent = 0;
    for (EvidenceItem& item : candidates) {
        std::uint64_t cost = 0;
        for (const EvidenceFile* f : {&item.left, &item.right})
            if (!members.contains(f->member)) cost += f->size;
        if (spent + cost > budget) {
            item.reason = fmt::format("over the size budget ({} for {} of evidence)",
                                      mib(item.left.size + item.right.size, 1), mib(budget, 1));
            out.left_out.push_back(std::move(item));
            continue;
        }
        spent += cost;
        members.insert(item.left.member);
        members.insert(item.right.member);
        out.kept.push_back(std::move(item));
    }
    return out;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    size_t i = 0;
    std::uint64_t value = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        if (value > (std::uint64_t{1} << 50)) return std::nullopt;
        value = value * 10 + static_cast<std::uint64_t>(text[i++] - '0');
    }
    if (i == 0) return std::nullopt;
    std::string_view unit = text.substr(i);
    int shift = 0;
    if (!unit.empty()) {
        char u = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
        shift = u == 'K' ? 10 : u == 'M' ? 20 : u == 'G' ? 30 : u == 'B' ? 0 : -1;
        if (shift < 0) return std::nullopt;
        unit.remove_prefix(1);
        if (unit == "iB" || unit == "ib" || unit == "B" || unit == "b") unit = {};
        if (!unit.empty()) return std::nullopt;
    }
    return value << shift;
}

}  // namespace buildiff
