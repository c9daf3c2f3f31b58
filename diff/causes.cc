// The cause rules, in order, and the words of each kind of cause.
#include "diff/causes.h"

#include <fmt/core.h>

#include "diff/index.h"

namespace buildiff {

namespace {

// An environment variable is usually set for the whole build: where the pair's inputs already
// diverged upstream, and nothing else of its own differs, the earliest invocation it reached is
// the cause.
bool env_applies(const PairFacts& f) {
    const PairAnalysis& a = f.analysis;
    bool explained_upstream =
        f.upstream_diverged && a.flags.empty() && !a.tool_differs && a.sources.empty();
    return !f.impactful_env.empty() && !explained_upstream;
}

const std::vector<CauseRule> kRules = {
    // What the tool really ran decides before anything set for the whole build (a TZ, a build
    // path) can be named: a wrapper that ran another command is the cause at its call.
    {"rewrite", [](const PairFacts& f) { return !f.rewrite.empty(); }, CauseVerdict::Own,
     RootCauseKind::Cache},
    {"env", env_applies, CauseVerdict::Own, RootCauseKind::Env},
    {"flags", [](const PairFacts& f) { return !f.analysis.flags.empty(); }, CauseVerdict::Own,
     RootCauseKind::Flags},
    {"tool", [](const PairFacts& f) { return f.analysis.tool_differs; }, CauseVerdict::Own,
     RootCauseKind::Tool},
    {"source", [](const PairFacts& f) { return !f.analysis.sources.empty(); }, CauseVerdict::Own,
     RootCauseKind::Source},
    {"upstream", [](const PairFacts& f) { return f.upstream_diverged; },
     CauseVerdict::FollowUpstream, RootCauseKind::Flags},
    {"copies", [](const PairFacts& f) { return f.copies_diverged && f.copies_diverged(); },
     CauseVerdict::FollowCopies, RootCauseKind::Flags},
    // Same configuration and inputs, yet a different output: a cache served it, the output
    // embeds the build root, or the tool is not deterministic.
    {"cache", [](const PairFacts& f) { return f.cache_hit; }, CauseVerdict::Own,
     RootCauseKind::Cache},
    {"build-path",
     [](const PairFacts& f) {
         return f.roots_differ && (!f.outputs_embed_root || f.outputs_embed_root());
     },
     CauseVerdict::Own, RootCauseKind::BuildPath},
    {"nondeterministic", [](const PairFacts&) { return true; }, CauseVerdict::Own,
     RootCauseKind::Nondeterministic},
};

std::string env_text(const EnvChange& e) {
    if (e.redacted) return fmt::format("{} differs (secret)", e.name);
    return fmt::format("{}: {} -> {}", e.name, e.left ? "`" + *e.left + "`" : "unset",
                       e.right ? "`" + *e.right + "`" : "unset");
}

}  // namespace

int cause_rank(RootCauseKind kind) {
    switch (kind) {
        case RootCauseKind::Cache:
            return 0;
        case RootCauseKind::BuildPath:
        case RootCauseKind::Nondeterministic:
            return 2;
        default:
            return 1;
    }
}

const std::vector<CauseRule>& cause_rules() {
    return kRules;
}

const CauseRule& decide_cause(const PairFacts& facts) {
    for (const CauseRule& rule : kRules)
        if (rule.applies(facts)) return rule;
    return kRules.back();
}

CauseText describe_cause(RootCauseKind kind, const PairFacts& facts, const CauseContext& c) {
    const PairAnalysis& a = facts.analysis;
    CauseText t;
    std::vector<std::string> parts;
    switch (kind) {
        case RootCauseKind::Env:
            for (auto& e : facts.impactful_env) parts.push_back(env_text(e));
            t.summary = "environment differs: " + join(parts, "; ");
            t.signature = "env " + t.summary;
            break;
        case RootCauseKind::Flags:
            for (auto& f : a.flags) parts.push_back(f.text);
            t.summary = join(parts, "; ");
            t.signature = fmt::format("flags {} {}", c.left_id, t.summary);
            break;
        case RootCauseKind::Tool:
            t.summary = fmt::format("a different `{}` binary", c.tool);
            t.signature = "tool " + join(a.details, " ");
            break;
        case RootCauseKind::Source:
            t.summary = "input not produced by the build differs: " + join(a.sources, ", ");
            t.signature = "source " + join(a.sources, " ");
            break;
        case RootCauseKind::Cache:
            if (!facts.rewrite_summary.empty()) {
                t.summary = facts.rewrite_summary;
                t.signature = "cache rewrite " + t.summary;
                break;
            }
            t.summary = fmt::format(
                "served from the {} cache on the {} and different from the other build's output",
                c.cache_tool, c.cache_side);
            t.signature = "cache " + t.summary;
            break;
        case RootCauseKind::BuildPath:
            t.summary = fmt::format(
                "same configuration up to the build root ({} -> {}), different output: the "
                "output embeds the build path",
                c.left_root, c.right_root);
            t.signature = "build-path";
            break;
        case RootCauseKind::Nondeterministic:
            t.summary = "same configuration and inputs, different output";
            t.signature = "nondeterministic";
            break;
        case RootCauseKind::MissingInvocation:
        case RootCauseKind::ExtraInvocation:
            break;  // said by the differ, which knows the invocation
    }
    return t;
}

}  // namespace buildiff
