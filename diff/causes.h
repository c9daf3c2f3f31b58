// Causes: why a pair of invocations produced different outputs, decided by an ordered table of
// named rules. The first rule that applies decides: either the pair's own configuration or
// behaviour diverged (a root cause of that kind), or the pair only carries a divergence from
// upstream (its divergent inputs, or the invocations whose outputs it copied).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diff/env_diff.h"
#include "diff/model.h"

namespace buildiff {

// What comparing the two invocations of a pair found (diff/differ.cc's analyze_pair).
struct PairAnalysis {
    std::vector<FlagChange> flags;  // those that can change the output
    EnvDiff env;
    bool tool_differs = false;
    std::vector<std::string> sources;   // differing inputs the build did not produce
    std::vector<std::string> upstream;  // differing inputs the build produced
    std::vector<std::string> details;
};

// Everything the rules look at. The costly facts are asked for only by the rules that need
// them, and only when no earlier rule applied.
struct PairFacts {
    PairAnalysis analysis;
    // The environment changes that can be a cause here: impactful, not the configuration of a
    // cache wrapper that runs on either side, not a variable the caller changed on purpose.
    std::vector<EnvChange> impactful_env;
    bool upstream_diverged = false;  // a divergent input leads to causes upstream
    // Whether the pair's outputs are copies of what a divergent invocation wrote.
    std::function<bool()> copies_diverged;
    // A cache wrapper that ran something other than it was asked (diff/rewrite), on one side
    // only: the changes by meaning, the cause in words, and both command lines.
    std::vector<FlagChange> rewrite;
    std::string rewrite_summary;
    std::vector<std::string> rewrite_facts;
    bool cache_hit = false;     // a cache wrapper served either side's output
    bool roots_differ = false;  // the two builds ran in different roots
    std::function<bool()> outputs_embed_root;
};

// What a rule concludes.
enum class CauseVerdict {
    Own,             // the pair is a root cause, of the rule's kind
    FollowUpstream,  // the causes are those of the divergent inputs
    FollowCopies,    // the causes are those of the invocations whose outputs were copied
};

struct CauseRule {
    std::string_view name;  // as the tests and docs/differ-design.md name it
    bool (*applies)(const PairFacts&);
    CauseVerdict verdict;
    RootCauseKind kind;  // for CauseVerdict::Own
};

// How specific a cause of KIND is, most first: what a cache wrapper did (0), a configuration:
// flags, tool, source, environment, an invocation only one build ran (1), the build path or
// chance (2). An artifact with several causes names the most specific; reports list causes so.
int cause_rank(RootCauseKind kind);

// The rules in the order they are tried; the last always applies.
const std::vector<CauseRule>& cause_rules();
// The first rule that applies to FACTS.
const CauseRule& decide_cause(const PairFacts& facts);

// The words of a cause ("environment differs: CFLAGS: ...") and the signature that merges the
// same cause met at several invocations into one.
struct CauseText {
    std::string summary;
    std::string signature;
};
struct CauseContext {
    int left_id = -1;        // the pair's left record id (a flags cause is per invocation)
    std::string tool;        // the pair's tool
    std::string cache_tool;  // the wrapper that served from cache
    std::string cache_side;  // "left" or "right"
    std::string left_root, right_root;
};
CauseText describe_cause(RootCauseKind kind, const PairFacts& facts, const CauseContext& context);

}  // namespace buildiff
