// The JSON report, schema buildiff.report/1 (docs/report-schema.md, docs/report.schema.json).
#include <cmath>
#include <functional>
#include <string>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "base/atomic_write.h"
#include "recording/recording.h"
#include "report/cause_graph.h"
#include "report/diff_render.h"
#include "report/show.h"
#include "report/timeline_render.h"

namespace buildiff {

namespace {

using json = nlohmann::ordered_json;

json optional_text(const std::string& s) {
    return s.empty() ? json(nullptr) : json_bytes(s);
}

json invocation(const std::optional<InvocationRef>& r, const char* side) {
    if (!r) return nullptr;
    json j;
    j["side"] = side;
    j["id"] = r->id;
    j["tool"] = json_bytes(r->tool);
    j["kind"] = r->kind;
    j["argv"] = json::array();
    for (auto& a : r->argv) j["argv"].push_back(json_bytes(a));
    j["cwd"] = json_bytes(r->cwd);
    j["wrapper"] = optional_text(r->wrapper);
    auto hit = served_from_cache(r->cache);
    j["cache_hit"] = hit ? json(*hit) : json(nullptr);
    j["cache"] = optional_text(std::string(cache_outcome_name(r->cache)));
    j["crate"] = optional_text(r->crate);
    return j;
}

json symbol_state(const std::optional<SymbolState>& s) {
    if (!s) return nullptr;
    return json{{"binding", s->binding},
                {"visibility", s->visibility},
                {"type", s->type},
                {"size", s->size},
                {"defined", s->defined},
                {"section", json_bytes(s->section)},
                {"version", optional_text(s->version)},
                {"dynamic", s->dynamic}};
}

json difference(const Difference& d) {
    json j;
    j["kind"] = d.kind;
    j["description"] = json_bytes(d.description);
    if (!d.name.empty()) j["name"] = json_bytes(d.name);
    if (d.kind == "symbol") {
        j["demangled"] = optional_text(d.demangled);
        j["left"] = symbol_state(d.left_symbol);
        j["right"] = symbol_state(d.right_symbol);
    } else {
        j["left"] = optional_text(d.left);
        j["right"] = optional_text(d.right);
    }
    if (d.kind == "function") j["demangled"] = optional_text(d.demangled);
    if (!d.looks_like.empty()) j["looks_like"] = json_bytes(d.looks_like);
    if (!d.lines.empty()) {
        j["lines"] = json::array();
        for (auto& l : d.lines) j["lines"].push_back(json_bytes(l));
    }
    j["children"] = json::array();
    for (auto& c : d.children) j["children"].push_back(difference(c));
    return j;
}

// Text in the layout of nlohmann's dump(2), written member by member and element by element:
// the report's long lists (its artifacts, the timelines' bars) are never held as one JSON value,
// which would take several times the memory of the text.
class Dump2 {
  public:
    // SINK, when given, takes the text a megabyte at a time (the rest at flush()).
    explicit Dump2(std::string& out, const PieceWriter* sink = nullptr)
        : m_out(out), m_sink(sink) {}
    // The text not yet given to the sink, given; false once the sink failed.
    bool flush() {
        if (m_sink && m_ok && !m_out.empty()) m_ok = (*m_sink)(m_out);
        if (m_sink) m_out.clear();
        return m_ok;
    }
    // VALUE, nested LEVEL deep (its first line where the text is).
    void value(const json& v, int level) {
        for (char c : v.dump(2)) {
            m_out += c;
            if (c == '\n') indent(level);
        }
    }
    // An object, nested LEVEL deep: each of MEMBERS ("name", writer of its value at LEVEL + 1).
    void object(int level,
                const std::vector<std::pair<std::string, std::function<void()>>>& members) {
        if (members.empty()) {
            m_out += "{}";
            return;
        }
        m_out += "{\n";
        for (size_t i = 0; i < members.size(); ++i) {
            indent(level + 1);
            m_out += json(members[i].first).dump() + ": ";
            members[i].second();
            m_out += i + 1 < members.size() ? ",\n" : "\n";
        }
        indent(level);
        m_out += '}';
    }
    // The members of OBJECT (a JSON object), then MORE.
    void object(int level, const json& object,
                std::vector<std::pair<std::string, std::function<void()>>> more) {
        std::vector<std::pair<std::string, std::function<void()>>> members;
        for (auto& [key, v] : object.items())
            members.emplace_back(key, [this, &v = v, level] { value(v, level + 1); });
        members.insert(members.end(), std::make_move_iterator(more.begin()),
                       std::make_move_iterator(more.end()));
        this->object(level, members);
    }
    // An array of N elements, nested LEVEL deep: element I is ELEMENT(I), written at LEVEL + 1.
    template <typename F>
    void array(size_t n, int level, F&& element) {
        if (n == 0) {
            m_out += "[]";
            return;
        }
        m_out += "[\n";
        for (size_t i = 0; i < n; ++i) {
            indent(level + 1);
            value(element(i), level + 1);
            m_out += i + 1 < n ? ",\n" : "\n";
            if (m_sink && m_out.size() >= (1u << 20)) flush();
        }
        indent(level);
        m_out += ']';
    }

  private:
    void indent(int level) { m_out.append(static_cast<size_t>(2 * level), ' '); }
    std::string& m_out;
    const PieceWriter* m_sink;
    bool m_ok = true;
};

json artifact_json(const Artifact& a) {
    json x;
    x["path"] = json_bytes(a.path);
    x["status"] = a.status;
    x["format"] = a.format;
    x["left_hash"] = optional_text(a.left_hash);
    x["right_hash"] = optional_text(a.right_hash);
    x["root_cause"] = a.root_cause >= 0 ? json(a.root_cause + 1) : json(nullptr);
    x["root_output"] = a.is_root_output;
    x["deliverable"] = a.deliverable;
    x["bookkeeping"] = optional_text(a.bookkeeping);
    x["differences"] = json::array();
    for (auto& d : a.differences) x["differences"].push_back(difference(d));
    return x;
}

}  // namespace

namespace {

// The report into OUT, or piece by piece to SINK when one is given; false when SINK failed.
bool dump_diff_json(const DiffResult& r, std::string& out, const PieceWriter* sink) {
    json j;
    j["schema"] = kReportSchema;
    j["left"] = json{{"name", json_bytes(r.left_name)}, {"root", json_bytes(r.left_root)}};
    j["right"] = json{{"name", json_bytes(r.right_name)}, {"root", json_bytes(r.right_root)}};
    j["mode"] = r.plain ? "files" : "recordings";
    j["verdict"] = r.divergent ? "divergent" : "identical";
    j["strict"] = r.strict;
    const DiffSummary& s = r.summary;
    j["summary"] = json{{"left_invocations", s.left_invocations},
                        {"right_invocations", s.right_invocations},
                        {"paired", s.paired},
                        {"missing_invocations", s.missing},
                        {"extra_invocations", s.extra},
                        {"artifacts", s.artifacts},
                        {"divergent_artifacts", s.divergent_artifacts},
                        {"deliverables", s.deliverables},
                        {"divergent_deliverables", s.divergent_deliverables},
                        {"ignored_artifacts", s.ignored_artifacts},
                        {"tolerated_causes", s.tolerated_causes},
                        {"root_causes", r.root_causes.size()},
                        {"hidden_env_changes", s.hidden_env_changes},
                        {"outside", r.outside.size()}};
    j["root_causes"] = json::array();
    const ArtifactIndex artifacts = index_artifacts(r);
    for (size_t i = 0; i < r.root_causes.size(); ++i) {
        const RootCause& rc = r.root_causes[i];
        json c;
        c["id"] = i + 1;
        c["kind"] = root_cause_kind_name(rc.kind);
        c["summary"] = json_bytes(rc.summary);
        c["invocation"] = rc.right ? invocation(rc.right, "right") : invocation(rc.left, "left");
        c["left"] = invocation(rc.left, "left");
        c["right"] = invocation(rc.right, "right");
        c["invocations"] = rc.invocations;
        json details;
        details["flags"] = json::array();
        for (auto& f : rc.flags)
            details["flags"].push_back(json{{"change", f.change},
                                            {"category", f.category},
                                            {"flag", json_bytes(f.flag)},
                                            {"left", json_bytes(f.left)},
                                            {"right", json_bytes(f.right)},
                                            {"text", json_bytes(f.text)}});
        details["env"] = json::array();
        for (auto& e : rc.env)
            details["env"].push_back(
                json{{"name", json_bytes(e.name)},
                     {"left", e.redacted || !e.left ? json(nullptr) : json_bytes(*e.left)},
                     {"right", e.redacted || !e.right ? json(nullptr) : json_bytes(*e.right)},
                     {"impactful", e.impactful},
                     {"redacted", e.redacted}});
        details["facts"] = json::array();
        for (auto& d : rc.details) details["facts"].push_back(json_bytes(d));
        c["details"] = std::move(details);
        c["explains"] = json::array();
        for (auto& p : rc.explains) c["explains"].push_back(json_bytes(p));
        c["explains_from"] = json::array();
        for (size_t k = 0; k < rc.explains.size(); ++k)
            c["explains_from"].push_back(k < rc.explains_from.size() ? json(rc.explains_from[k])
                                                                     : json::array());
        c["bookkeeping"] = rc.bookkeeping;
        c["reaches_deliverable"] = rc.reaches_deliverable;
        // The graph the HTML report draws (report/cause_graph.h), for other tools to draw.
        CauseGraph graph = cause_graph(r, i, artifacts);
        json nodes = json::array(), edges = json::array();
        for (size_t n = 0; n < graph.nodes.size(); ++n) {
            const GraphNode& g = graph.nodes[n];
            nodes.push_back(json{{"id", fmt::format("n{}", n)},
                                 {"kind", g.kind},
                                 {"label", json_bytes(g.label)},
                                 {"path", g.path.empty() ? json(nullptr) : json_bytes(g.path)},
                                 {"status", g.status.empty() ? json(nullptr) : json(g.status)},
                                 {"badge", g.badge.empty() ? json(nullptr) : json(g.badge)},
                                 {"count", g.count},
                                 {"layer", g.layer},
                                 {"row", g.row}});
        }
        for (auto [a, b] : graph.edges)
            edges.push_back(json::array({fmt::format("n{}", a), fmt::format("n{}", b)}));
        c["graph"] = json{{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
        if (const std::optional<Confirmation>& k = rc.confirmation) {
            json minimal = json::array(), irrelevant = json::array(), facts = json::array();
            for (auto& m : k->minimal) minimal.push_back(json_bytes(m));
            for (auto& m : k->irrelevant) irrelevant.push_back(json_bytes(m));
            for (auto& d : k->details) facts.push_back(json_bytes(d));
            c["confirmation"] = json{{"status", k->status},
                                     {"summary", json_bytes(k->summary)},
                                     {"minimal", std::move(minimal)},
                                     {"irrelevant", std::move(irrelevant)},
                                     {"facts", std::move(facts)},
                                     {"runs", k->runs},
                                     {"seconds", std::round(k->seconds * 10) / 10},
                                     {"script", optional_text(k->script)}};
        }
        j["root_causes"].push_back(std::move(c));
    }
    json outside = json::array(), notes = json::array();
    for (const OutsideWrite& o : r.outside)
        outside.push_back(json{{"path", json_bytes(o.path)},
                               {"left_hash", optional_text(o.left_hash)},
                               {"right_hash", optional_text(o.right_hash)},
                               {"shared", o.shared}});
    for (auto& n : r.notes) notes.push_back(json_bytes(n));
    // Each build's cargo build scripts: what they cost, whether their native work was used.
    json build_scripts = nullptr;
    if (r.build_scripts.size() == 2) {
        build_scripts = json::object();
        for (size_t side = 0; side < 2; ++side) {
            json list = json::array();
            for (const BuildScriptCost& c : r.build_scripts[side].crates)
                list.push_back(build_script_json(c, r.build_scripts[side]));
            build_scripts[side == 0 ? "left" : "right"] = std::move(list);
        }
    }
    // The members in the schema's order: the artifacts after the root causes, the timelines and
    // build scripts after the notes. The artifacts and the timelines' bars are written one by one.
    Dump2 d(out, sink);
    auto timeline = [&](const Timeline& t) {
        return [&d, &t] {
            d.object(2, timeline_json_without_bars(t),
                     {{"bars", [&d, &t] {
                           d.array(t.bars.size(), 3,
                                   [&t](size_t i) { return timeline_bar_json(t.bars[i]); });
                       }}});
        };
    };
    d.object(0, j,
             {{"artifacts",
               [&] {
                   d.array(r.artifacts.size(), 1,
                           [&r](size_t i) { return artifact_json(r.artifacts[i]); });
               }},
              {"outside", [&] { d.value(outside, 1); }},
              {"notes", [&] { d.value(notes, 1); }},
              {"timelines",
               [&] {
                   // Each build over time, as the HTML report draws it; a cause's steps are its
                   // invocations' ids.
                   if (r.timelines.size() != 2) return d.value(nullptr, 1);
                   d.object(1, {{"left", timeline(r.timelines[0])},
                                {"right", timeline(r.timelines[1])}});
               }},
              {"build_scripts", [&] { d.value(build_scripts, 1); }}});
    out += '\n';
    return d.flush();
}

}  // namespace

std::string render_diff_json(const DiffResult& r) {
    std::string out;
    dump_diff_json(r, out, nullptr);
    return out;
}

bool write_diff_json(const DiffResult& r, const PieceWriter& sink) {
    std::string pending;
    return dump_diff_json(r, pending, &sink);
}

}  // namespace buildiff
