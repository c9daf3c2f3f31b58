// `buildiff show` renderers. Everything shown comes from the recording and audit/analysis.
#include "report/show.h"

#include <map>
#include <set>
#include <tuple>
#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include "base/names.h"

namespace buildiff {

std::string display_arg(const std::string& arg) {
    bool plain = !arg.empty();
    for (unsigned char c : arg)
        if (!(std::isalnum(c) || std::string_view("-_./=:,+@%^$").find(static_cast<char>(c)) !=
                                     std::string_view::npos))
            plain = false;
    if (plain) return arg;
    std::string out = "'";
    for (unsigned char c : arg) {
        if (c == '\'')
            out += "'\\''";
        else if (c < 0x20 || c == 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    return out + "'";
}

std::string display_text(const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

std::string display_command(const std::vector<std::string>& argv, size_t limit) {
    std::string out;
    for (const auto& a : argv) {
        if (!out.empty()) out += ' ';
        out += display_arg(a);
        if (out.size() > limit) {
            out.resize(limit);
            out += " ...";
            break;
        }
    }
    return out;
}

namespace {

std::string seconds(std::uint64_t ns) {
    return fmt::format("{:.2f}s", static_cast<double>(ns) / 1e9);
}

// How a process ended, in words; an exit is told by its status.
constexpr Named<EndState> kEndStateText[] = {
    {EndState::Replaced, "exec'd"},
    {EndState::Running, "still running"},
    {EndState::Unknown, "unknown"},
    {EndState::Exited, ""},
};

std::string status_text(const ProcessRecord& p) {
    if (!p.ended) return "no end record";
    if (p.end_state != EndState::Exited) return std::string(name_of(kEndStateText, p.end_state));
    if (p.status.signal) return fmt::format("signal {}", *p.status.signal);
    return fmt::format("exit {}", p.status.code.value_or(-1));
}

std::string share(std::uint64_t part, std::uint64_t whole) {
    return whole ? fmt::format("{:.0f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole))
                 : "-";
}

std::string file_list(const std::vector<std::string>& paths, size_t limit = 3) {
    std::string out;
    for (size_t i = 0; i < paths.size() && i < limit; ++i)
        out += (i ? ", " : "") + display_arg(paths[i]);
    if (paths.size() > limit) out += fmt::format(" and {} more", paths.size() - limit);
    return out;
}

}  // namespace

namespace {

// How to skip a build script whose native code went unused (it needs a `links` name and the
// target triple), or why not; nothing when its native code was used or it made none.
std::vector<std::string> how_to_skip(const BuildScriptCost& c, bool wasted) {
    std::uint64_t most = c.native_cpu_ns + c.run_cpu_ns + c.compile_cpu_ns + c.only_for_it_cpu_ns;
    if (!c.safe_to_skip())
        return {"not safe to skip: the build read what it made besides native code (above)"};
    if (!wasted) return {};
    if (c.links.empty()) return {"no `links` key: cargo has no override to skip it"};
    if (c.target.empty())
        return {"skip it with an override of `links = " + c.links +
                "` under the target triple (TARGET was not recorded)"};
    if (!c.output_read)
        return {fmt::format(
            "skip it (saves {} to {} cpu) with cargo's override of `links = {}` under "
            "target.'{}' (its output file, with the link lines the override gives, is not read "
            "here: `buildiff show` of the recording prints the override while its target "
            "directory is there)",
            seconds(c.native_cpu_ns), seconds(most), c.links, c.target)};
    std::vector<std::string> lines = {
        fmt::format("skip it (saves {} to {} cpu: the native work, up to the script's compile and "
                    "run{}), by adding to the cargo command: {}",
                    seconds(c.native_cpu_ns), seconds(most),
                    c.only_for_it.empty() ? ""
                                          : " and " + file_list(c.only_for_it) + ", built only for it",
                    override_config_arg(c)),
        "or in .cargo/config.toml: " + override_config_toml(c)};
    return lines;
}

bool wasted_native(const BuildScriptCost& c) {
    return !c.native_used() && (c.native_cpu_ns > 0 || !c.native_outputs.empty());
}

std::string native_words(const BuildScriptCost& c, const BuildScripts& all) {
    if (c.native_used()) return "native code used: " + file_list(c.native_read) + " read by a link or rustc";
    return fmt::format("native code unused: {}; {} cpu spent for nothing",
                       all.links_anything ? "nothing read its objects or archives"
                                          : "this build linked nothing (a check)",
                       seconds(c.native_cpu_ns));
}

const BuildScriptCost* find_script(const BuildScripts& s, const std::string& crate) {
    for (const BuildScriptCost& c : s.crates)
        if (c.crate == crate) return &c;
    return nullptr;
}

}  // namespace

std::vector<std::string> build_script_crates(const BuildScripts& left, const BuildScripts& right) {
    std::set<std::string> names;
    for (const BuildScripts* s : {&left, &right})
        for (const BuildScriptCost& c : s->crates) names.insert(c.crate);
    return {names.begin(), names.end()};
}

std::vector<std::string> compare_build_script(const std::string& crate, const BuildScripts& left,
                                              const BuildScripts& right) {
    const BuildScriptCost* l = find_script(left, crate);
    const BuildScriptCost* r = find_script(right, crate);
    bool differs = !l || !r || l->native_used() != r->native_used();
    if (!differs) return {};
    const BuildScriptCost& any = l ? *l : *r;
    std::vector<std::string> lines = {fmt::format(
        "{}{}{}", display_arg(any.crate), any.version.empty() ? "" : " " + display_arg(any.version),
        any.links.empty() ? "" : fmt::format(" (links {})", display_arg(any.links)))};
    for (auto [side, c, all] : {std::tuple{"left", l, &left}, std::tuple{"right", r, &right}}) {
        if (!c) {
            lines.push_back(fmt::format("{}: its build script did not run", side));
            continue;
        }
        lines.push_back(fmt::format("{}: native work {} process{}, {} cpu; {}", side,
                                    c->native_processes, c->native_processes == 1 ? "" : "es",
                                    seconds(c->native_cpu_ns), native_words(*c, *all)));
        if (wasted_native(*c))
            for (const std::string& line : how_to_skip(*c, true))
                lines.push_back(fmt::format("{}: {}", side, line));
    }
    return lines;
}

void print_build_script_lines(const std::vector<std::string>& lines, std::FILE* out) {
    for (size_t i = 0; i < lines.size(); ++i) {
        std::string line = lines[i];
        for (size_t at = line.find('\n'); at != std::string::npos && at + 1 < line.size();
             at = line.find('\n', at + 1))
            line.insert(at + 1, "      ");
        if (!line.empty() && line.back() == '\n') line.pop_back();
        fmt::print(out, "{}{}\n", i ? "    " : "  ", line);
    }
}

std::vector<std::string> describe_build_script(const BuildScriptCost& c, const BuildScripts& all) {
    std::vector<std::string> lines;
    lines.push_back(fmt::format(
        "{}{}{}: compiled in {} ({} cpu), ran {} ({} cpu of its own); native work: {} process{}, "
        "{} cpu, {} wall{}; the build waited on it (no rustc running) {}, {} of the build",
        display_arg(c.crate), c.version.empty() ? "" : " " + display_arg(c.version),
        c.links.empty() ? "" : fmt::format(" (links {})", display_arg(c.links)),
        seconds(c.compile_wall_ns), seconds(c.compile_cpu_ns), seconds(c.run_wall_ns),
        seconds(c.run_cpu_ns), c.native_processes, c.native_processes == 1 ? "" : "es",
        seconds(c.native_cpu_ns), seconds(c.native_wall_ns),
        c.native_outputs.empty() ? ""
                                 : fmt::format(", leaving {} object{} and archive{}",
                                               c.native_outputs.size(),
                                               c.native_outputs.size() == 1 ? "" : "s",
                                               c.native_outputs.size() == 1 ? "" : "s"),
        seconds(c.alone_ns), share(c.alone_ns, all.wall_ns)));
    if (!c.generated_read.empty())
        lines.push_back("generated code read by rustc: " + file_list(c.generated_read));
    if (!c.cfgs.empty()) lines.push_back("cfgs given to the crate: " + file_list(c.cfgs));
    if (!c.envs.empty()) lines.push_back("environment given to the crate: " + file_list(c.envs));
    if (!c.metadata_readers.empty())
        lines.push_back(fmt::format("its `links` metadata (DEP_*) was given to the build script{} of {}",
                                    c.metadata_readers.size() == 1 ? "" : "s",
                                    file_list(c.metadata_readers)));
    bool wasted = wasted_native(c);
    if (c.native_used() || wasted) lines.push_back(native_words(c, all));
    for (std::string& line : how_to_skip(c, wasted)) lines.push_back(std::move(line));
    return lines;
}

void render_show_text(const Recording& rec, const Analysis& a, const Summary& s, std::FILE* out,
                      bool color) {
    auto dim = [&](const std::string& t) { return color ? "\x1b[2m" + t + "\x1b[0m" : t; };
    auto bold = [&](const std::string& t) { return color ? "\x1b[1m" + t + "\x1b[0m" : t; };
    fmt::print(out, "{} {}\n", bold("recording"), display_arg(rec.path));
    if (!rec.label.empty()) fmt::print(out, "label     {}\n", display_arg(rec.label));
    fmt::print(out, "command   {}\n", display_command(rec.command, 400));
    fmt::print(out, "cwd       {}\n", display_arg(rec.cwd));
    fmt::print(out, "started   {} (buildiff {})\n", rec.started_at, rec.buildiff_version);
    if (!rec.truncation.empty()) fmt::print(out, "{} {}\n", bold("truncated:"), rec.truncation);
    for (const Warning& w : rec.warnings) fmt::print(out, "{} {}\n", bold("warning:"), w.message);
    fmt::print(out, "\n{}\n", bold("processes"));

    // Depth-first, iterative (exec chains can be deep).
    std::vector<std::pair<int, int>> stack;
    for (auto it = a.roots.rbegin(); it != a.roots.rend(); ++it) stack.emplace_back(*it, 0);
    while (!stack.empty()) {
        auto [id, depth] = stack.back();
        stack.pop_back();
        const ProcessRecord& p = rec.processes[static_cast<size_t>(id)];
        const Classification& c = p.classification;
        std::string what = fmt::format("{} {}", kind_name(c.kind), c.tool);
        if (c.role) {
            what += fmt::format(" {}", role_name(*c.role));
            if (*c.role == WrapperRole::Client && !c.wrapped_tool.empty())
                what += fmt::format(" of {}", c.wrapped_tool);
            if (CacheOutcome o = a.cache[static_cast<size_t>(id)]; o != CacheOutcome::Unknown)
                what += fmt::format(", {}", cache_outcome_phrase(o));
        }
        const Attribution& at = a.attribution[static_cast<size_t>(id)];
        if (at.role == CrateRole::BuildScript && !at.crate.empty())
            what += fmt::format(", build script of {}", at.crate);
        if (!p.via_exec) what += ", fork";
        std::uint64_t wall = p.ended && p.end_ns >= p.start_ns ? p.end_ns - p.start_ns : 0;
        fmt::print(out, "{}[{}] {}\n", std::string(static_cast<size_t>(depth) * 2, ' '), id,
                   display_command(p.argv, 240));
        fmt::print(out, "{}    {}\n", std::string(static_cast<size_t>(depth) * 2, ' '),
                   dim(fmt::format("pid {} | {} | {} | {} wall, {} cpu | {} file{}", p.pid, what,
                                   status_text(p), seconds(wall), seconds(p.user_ns + p.system_ns),
                                   p.files.size(), p.files.size() == 1 ? "" : "s")));
        const auto& kids = a.children[static_cast<size_t>(id)];
        for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.emplace_back(*it, depth + 1);
    }

    fmt::print(out, "\n{}\n", bold("summary"));
    std::string kinds;
    for (auto& [k, n] : s.by_kind) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", k, n);
    fmt::print(out, "processes {} ({})\n", s.processes, kinds);
    for (auto& [crate, counts] : s.by_crate) {
        std::string parts;
        if (counts.first)
            parts += fmt::format("{} build-script process{} (the script and what it launched)",
                                 counts.first, counts.first == 1 ? "" : "es");
        if (counts.second)
            parts += fmt::format("{}{} rustc process{}", parts.empty() ? "" : "; ", counts.second,
                                 counts.second == 1 ? "" : "es");
        fmt::print(out, "crate     {}: {}\n", crate.empty() ? "(unnamed)" : display_arg(crate),
                   parts);
    }
    fmt::print(out, "files     {} read, {} written\n", s.files_read, s.files_written);
    if (s.cache_hits + s.cache_misses + s.cache_uncacheable + s.cache_unknown + s.cache_probes) {
        fmt::print(out, "cache     {} hit{}, {} miss{}, {} not cacheable, {} unknown", s.cache_hits,
                   s.cache_hits == 1 ? "" : "s", s.cache_misses, s.cache_misses == 1 ? "" : "es",
                   s.cache_uncacheable, s.cache_unknown);
        if (s.cache_probes)
            fmt::print(out, "; {} probe{} that compile{} nothing (such as rustc -vV)",
                       s.cache_probes, s.cache_probes == 1 ? "" : "s",
                       s.cache_probes == 1 ? "s" : "");
        fmt::print(out, "\n");
    }
    std::string root =
        rec.complete
            ? (rec.root_status.signal ? fmt::format("killed by signal {}", *rec.root_status.signal)
                                      : fmt::format("exit {}", rec.root_status.code.value_or(-1)))
            : "unknown (recording incomplete)";
    fmt::print(out, "time      {} wall, {} cpu; {} process{} failed; build {}\n",
               seconds(s.wall_ns), seconds(s.cpu_ns), s.failed, s.failed == 1 ? "" : "es", root);
    BuildScripts scripts = build_script_costs(rec, a);
    if (!scripts.crates.empty()) fmt::print(out, "\n{}\n", bold("build scripts"));
    for (const BuildScriptCost& c : scripts.crates) {
        print_build_script_lines(describe_build_script(c, scripts), out);
    }
}

namespace {

using json = nlohmann::ordered_json;

}  // namespace

namespace {

json strings(const std::vector<std::string>& values) {
    json out = json::array();
    for (const std::string& v : values) out.push_back(json_bytes(v));
    return out;
}

}  // namespace

// A build script's run: its costs and what became of its outputs (docs/recording-format.md).
json build_script_json(const BuildScriptCost& c, const BuildScripts& all) {
    auto opt = [](const std::string& v) { return v.empty() ? json(nullptr) : json_bytes(v); };
    bool skippable = !c.native_used() && c.safe_to_skip() && !c.links.empty() && !c.target.empty();
    bool overridable = skippable && c.output_read;  // the link lines it gives are known
    return json{
        {"package", json_bytes(c.crate)},
        {"version", opt(c.version)},
        {"links", opt(c.links)},
        {"target", opt(c.target)},
        {"compile", {{"wall_ns", c.compile_wall_ns}, {"cpu_ns", c.compile_cpu_ns}}},
        {"run", {{"wall_ns", c.run_wall_ns}, {"cpu_ns", c.run_cpu_ns}}},
        {"native", {{"processes", c.native_processes},
                    {"cpu_ns", c.native_cpu_ns},
                    {"wall_ns", c.native_wall_ns},
                    {"outputs", strings(c.native_outputs)},
                    {"used", c.native_used()},
                    {"read", strings(c.native_read)}}},
        {"alone_ns", c.alone_ns},
        {"build_links", all.links_anything},
        {"generated_read", strings(c.generated_read)},
        {"metadata_readers", strings(c.metadata_readers)},
        {"output_file", c.output_read},
        {"cfgs", strings(c.cfgs)},
        {"envs", strings(c.envs)},
        {"link_libs", strings(c.link_libs)},
        {"link_searches", strings(c.link_searches)},
        {"only_for_it", strings(c.only_for_it)},
        {"safe_to_skip", c.safe_to_skip()},
        {"saving_cpu_ns",
         skippable ? json::array({c.native_cpu_ns, c.native_cpu_ns + c.run_cpu_ns + c.compile_cpu_ns +
                                                       c.only_for_it_cpu_ns})
                   : json(nullptr)},
        {"override", overridable ? json{{"config_arg", override_config_arg(c)},
                                      {"config_toml", override_config_toml(c)}}
                               : json(nullptr)}};
}


void render_show_json(const Recording& rec, const Analysis& a, std::FILE* out) {
    const Timeline timeline = build_timeline(rec, a);
    const BuildScripts scripts = build_script_costs(rec, a);
    std::map<int, const BuildScriptCost*> script_of;
    for (const BuildScriptCost& c : scripts.crates) script_of[c.run] = &c;
    for (const ProcessRecord& p : rec.processes) {
        json j;
        j["id"] = p.id;
        j["pid"] = p.pid;
        j["parent"] = p.parent >= 0 ? json(p.parent) : json(nullptr);
        j["via"] = p.via_exec ? "exec" : "fork";
        j["kind"] = kind_name(p.classification.kind);
        j["tool"] = json_bytes(p.classification.tool);
        if (p.classification.role) {
            json w;
            w["role"] = role_name(*p.classification.role);
            if (*p.classification.role == WrapperRole::Client) {
                w["tool"] = json_bytes(p.classification.wrapped_tool);
                w["kind"] = kind_name(p.classification.wrapped_kind);
                w["argv"] = json::array();
                for (size_t i = p.classification.wrapped_argv_index; i < p.argv.size(); ++i)
                    w["argv"].push_back(json_bytes(p.argv[i]));
            }
            CacheOutcome outcome = a.cache[static_cast<size_t>(p.id)];
            auto hit = served_from_cache(outcome);
            w["cache_hit"] = hit ? json(*hit) : json(nullptr);
            w["cache"] = outcome == CacheOutcome::Unknown
                             ? json(nullptr)
                             : json(std::string(cache_outcome_name(outcome)));
            j["wrapper"] = std::move(w);
        }
        const Attribution& at = a.attribution[static_cast<size_t>(p.id)];
        if (at.role != CrateRole::None)
            j["crate"] = json{{"name", json_bytes(at.crate)},
                              {"role", crate_role_name(at.role)},
                              {"out_dir", json_bytes(at.out_dir)}};
        j["exe"] = json_bytes(p.exe);
        j["exe_hash"] = p.exe_hash.empty() ? json(nullptr) : json(p.exe_hash);
        j["argv"] = json::array();
        for (auto& arg : p.argv) j["argv"].push_back(json_bytes(arg));
        j["cwd"] = json_bytes(p.cwd);
        json env = json::object();
        if (p.env >= 0)
            for (auto& [k, v] : rec.envs[static_cast<size_t>(p.env)]) env[k] = json_bytes(v);
        j["env"] = std::move(env);
        j["start_ns"] = p.start_ns;
        j["end_ns"] = p.ended ? json(p.end_ns) : json(nullptr);
        j["state"] = !p.ended                            ? "no-end-record"
                     : p.end_state == EndState::Exited   ? "exited"
                     : p.end_state == EndState::Replaced ? "replaced"
                     : p.end_state == EndState::Running  ? "running"
                                                         : "unknown";
        j["exit"] = p.status.code ? json(*p.status.code) : json(nullptr);
        j["signal"] = p.status.signal ? json(*p.status.signal) : json(nullptr);
        j["user_ns"] = p.user_ns;
        j["system_ns"] = p.system_ns;
        if (auto it = script_of.find(p.id); it != script_of.end())
            j["build_script"] = build_script_json(*it->second, scripts);
        // Its place on the timeline: a step's bar, or the step it ran inside.
        int bar = timeline.bar_of[static_cast<size_t>(p.id)];
        if (bar < 0) {
            j["step"] = nullptr;
        } else if (const TimelineBar& b = timeline.bars[static_cast<size_t>(bar)]; b.record != p.id) {
            j["step"] = json{{"inside", b.record}};
        } else {
            const std::string& group = timeline.groups[b.group].name;
            j["step"] = json{{"kind", timeline_kind_name(b.kind)},
                             {"lane", b.lane},
                             {"group", group.empty() ? json(nullptr) : json_bytes(group)}};
        }
        json files = json::array();
        for (auto& f : p.files) {
            json e;
            e["op"] = file_op_name(f.op);
            e["path"] = json_bytes(f.path);
            if (f.op == FileOp::Rename || f.op == FileOp::Link) e["to"] = json_bytes(f.to);
            if (f.op == FileOp::Read || f.op == FileOp::Write) {
                e["hash"] = f.hash.empty() ? json(nullptr) : json(f.hash);
                e["size"] = f.hash.empty() ? json(nullptr) : json(f.size);
            }
            if (f.op == FileOp::Write) {
                e["created"] = f.created;
                e["deleted"] = f.deleted;
            }
            files.push_back(std::move(e));
        }
        j["files"] = std::move(files);
        fmt::print(out, "{}\n", j.dump());
    }
}

}  // namespace buildiff
