// report.json of an audit: the one writer and the one reader (see audit_report.h).
#include "audit/audit_report.h"

#include <fmt/format.h>

#include "report/show.h"

namespace buildiff {

namespace {

using ojson = nlohmann::ordered_json;

// Run names become member and file names: letters, digits, - and _ only.
bool valid_run_name(const std::string& n) {
    return !n.empty() && n.size() <= 64 &&
           n.find_first_not_of(
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
               std::string::npos;
}

const char* verdict(bool divergent) { return divergent ? "divergent" : "identical"; }

ojson run_json(const AuditRun& run) {
    return {{"name", run.name},
            {"recording", run.recording},
            {"tree", run.kept_tree},
            {"built_in", run.tree},
            {"cached", run.cached},
            {"variations", run.variations},
            {"not_plain", run.not_plain.empty() ? ojson(nullptr) : ojson(run.not_plain)}};
}

AuditRun parse_run(const ojson& r) {
    AuditRun run;
    run.name = r.at("name").get<std::string>();
    run.recording = r.value("recording", "");
    run.kept_tree = r.value("tree", "");
    run.tree = r.value("built_in", run.kept_tree);
    run.cached = r.value("cached", false);
    run.variations = r.value("variations", std::map<std::string, std::string>{});
    if (r.contains("not_plain") && r["not_plain"].is_string())
        run.not_plain = r["not_plain"].get<std::string>();
    return run;
}

AuditPair parse_pair(const ojson& p) {
    AuditPair pair;
    pair.left = p.at("left").get<std::string>();
    pair.right = p.at("right").get<std::string>();
    pair.divergent = p.value("verdict", "") == "divergent";
    pair.html = p.value("html", "");
    if (p.contains("report") && p["report"].is_object()) pair.report = p["report"];
    return pair;
}

}  // namespace

bool AuditReport::divergent() const {
    for (const AuditPair& p : pairs)
        if (p.divergent) return true;
    return false;
}

const AuditRun* AuditReport::run(const std::string& name) const {
    for (const AuditRun& r : runs)
        if (r.name == name) return &r;
    return nullptr;
}

bool AuditReport::varies(std::string_view variation) const {
    for (const std::string& v : variations)
        if (v == variation) return true;
    return false;
}

std::size_t AuditReport::main_pair() const {
    std::size_t best = 0;
    int best_score = -1;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        int score = 0;
        if (pairs[i].divergent) {
            score = 1;
            for (const auto& rc : pairs[i].report.value("root_causes", ojson::array()))
                if (rc.is_object() && rc.value("kind", "") == "cache") score = 2;
        }
        if (score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

std::string audit_report_json(const AuditReport& report) {
    ojson j;
    j["schema"] = kAuditFormat;
    j["command"] = report.command ? ojson(*report.command) : ojson(nullptr);
    j["cache"] = report.cache ? ojson(*report.cache) : ojson(nullptr);
    j["variations"] = report.variations;
    j["variations_refused"] = ojson::array();
    for (const auto& [name, why] : report.refused)
        j["variations_refused"].push_back({{"name", name}, {"why", why}});
    j["variation_notes"] = report.variation_notes;
    j["runs"] = ojson::array();
    for (const AuditRun& run : report.runs) j["runs"].push_back(run_json(run));
    j["pairs"] = ojson::array();
    for (const AuditPair& p : report.pairs)
        j["pairs"].push_back({{"left", p.left},
                              {"right", p.right},
                              {"verdict", verdict(p.divergent)},
                              {"html", p.html},
                              {"report", p.report}});
    j["verdict"] = verdict(report.divergent());
    return j.dump(2) + "\n";
}

Result<AuditReport> parse_audit_report(std::string_view text, const std::string& where) {
    ojson j;
    try {
        j = ojson::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return Error{fmt::format("{}: not valid JSON: {}", where, e.what())};
    }
    AuditReport report;
    try {
        if (!j.is_object() || j.value("schema", "") != kAuditFormat)
            return Error{fmt::format("{}: not an audit report ({})", where, kAuditFormat)};
        if (j.contains("command") && j["command"].is_array())
            report.command = j["command"].get<std::vector<std::string>>();
        if (j.contains("cache") && j["cache"].is_string())
            report.cache = j["cache"].get<std::string>();
        for (const auto& v : j.value("variations", ojson::array()))
            if (v.is_string()) report.variations.push_back(v.get<std::string>());
        for (const auto& v : j.value("variations_refused", ojson::array()))
            if (v.is_object() && v.value("name", ojson()).is_string() &&
                v.value("why", ojson()).is_string())
                report.refused.emplace_back(v["name"].get<std::string>(), v["why"].get<std::string>());
        for (const auto& v : j.value("variation_notes", ojson::array()))
            if (v.is_string()) report.variation_notes.push_back(v.get<std::string>());
        for (const auto& r : j.at("runs")) {
            AuditRun run = parse_run(r);
            if (!valid_run_name(run.name) || report.run(run.name))
                return Error{
                    fmt::format("{}: run name `{}` is not a distinct name of letters, "
                                "digits, - and _",
                                where, run.name)};
            report.runs.push_back(std::move(run));
        }
        for (const auto& p : j.value("pairs", ojson::array())) {
            AuditPair pair = parse_pair(p);
            for (const std::string* side : {&pair.left, &pair.right})
                if (!report.run(*side))
                    return Error{
                        fmt::format("{}: a pair names the unknown run `{}`", where, *side)};
            report.pairs.push_back(std::move(pair));
        }
    } catch (const nlohmann::json::exception& e) {
        return Error{fmt::format("{}: bad field: {}", where, e.what())};
    }
    if (report.runs.empty()) return Error{fmt::format("{}: no runs", where)};
    return report;
}

std::string describe_pair(const AuditPair& pair) {
    auto count = [&](const char* key) {
        auto summary = pair.report.find("summary");
        if (summary == pair.report.end() || !summary->is_object()) return 0;
        auto n = summary->find(key);
        return n != summary->end() && n->is_number_integer() ? n->get<int>() : 0;
    };
    int causes = count("root_causes"), artifacts = count("divergent_artifacts");
    std::string line =
        fmt::format("{} vs {}: {} ({} root cause{}, {} divergent artifact{}{})", pair.left,
                    pair.right, verdict(pair.divergent), causes, causes == 1 ? "" : "s", artifacts,
                    artifacts == 1 ? "" : "s",
                    !pair.divergent && artifacts ? ", none of them delivered" : "");
    // Files both runs wrote at one place outside their own directories: never silent.
    std::vector<std::string> shared;
    if (auto o = pair.report.find("outside"); o != pair.report.end() && o->is_array())
        for (auto& x : *o)
            if (x.is_object() && x.value("shared", false) && x.contains("path") &&
                x["path"].is_string())
                shared.push_back(x["path"].get<std::string>());
    if (!shared.empty())
        line += fmt::format(
            "\n    warning: both runs wrote {} file{} at one place outside their own directories "
            "(first: {}): the later run's replaced the earlier's, and only the hashes recorded "
            "at the time were compared",
            shared.size(), shared.size() == 1 ? "" : "s", display_arg(shared.front()));
    return line;
}

}  // namespace buildiff
