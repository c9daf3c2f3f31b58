// report.json of an audit: what the one writer writes, the one reader reads back, and what the
// reader refuses.
#include <gtest/gtest.h>

#include "audit/audit_report.h"

using namespace buildiff;

namespace {

AuditReport two_runs() {
    AuditReport r;
    r.command = std::vector<std::string>{"make", "-j2"};
    r.cache = "ccache";
    r.variations = {"build-path", "tz"};
    AuditRun plain{"plain", "out/plain.rec", "/tmp/b-a", "out/trees/plain", {}, false, ""};
    AuditRun cold{"cold", "out/cold.rec", "/tmp/b-bb", "out/trees/cold", {{"TZ", "UTC-14"}},
                  true, ""};
    r.runs = {plain, cold};
    return r;
}

nlohmann::ordered_json diff_report(int causes, const char* kind) {
    nlohmann::ordered_json j = {{"verdict", causes ? "divergent" : "identical"},
                                {"summary", {{"root_causes", causes}, {"divergent_artifacts", 2}}},
                                {"root_causes", nlohmann::ordered_json::array()}};
    for (int i = 0; i < causes; ++i) j["root_causes"].push_back({{"kind", kind}});
    return j;
}

}  // namespace

TEST(AuditReport, WhatIsWrittenReadsBackFieldForField) {
    AuditReport r = two_runs();
    r.runs[0].not_plain = "ccache ran";
    r.pairs.push_back({"plain", "cold", true, "plain-vs-cold.html", diff_report(1, "cache")});
    std::string text = audit_report_json(r);
    EXPECT_NE(text.find("\"schema\": \"buildiff.audit/1\""), std::string::npos);
    EXPECT_NE(text.find("\"verdict\": \"divergent\"\n}"), std::string::npos) << text;

    Result<AuditReport> back = parse_audit_report(text, "d/report.json");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->command, r.command);
    EXPECT_EQ(back->cache, r.cache);
    EXPECT_EQ(back->variations, r.variations);
    ASSERT_EQ(back->runs.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(back->runs[i].name, r.runs[i].name);
        EXPECT_EQ(back->runs[i].recording, r.runs[i].recording);
        EXPECT_EQ(back->runs[i].tree, r.runs[i].tree);
        EXPECT_EQ(back->runs[i].kept_tree, r.runs[i].kept_tree);
        EXPECT_EQ(back->runs[i].variations, r.runs[i].variations);
        EXPECT_EQ(back->runs[i].cached, r.runs[i].cached);
        EXPECT_EQ(back->runs[i].not_plain, r.runs[i].not_plain);
    }
    ASSERT_EQ(back->pairs.size(), 1u);
    EXPECT_TRUE(back->pairs[0].divergent);
    EXPECT_EQ(back->pairs[0].html, "plain-vs-cold.html");
    EXPECT_EQ(back->pairs[0].report, r.pairs[0].report);
    EXPECT_TRUE(back->varies("tz"));
    EXPECT_FALSE(back->varies("umask"));
    // Written again, it is the same text.
    EXPECT_EQ(audit_report_json(*back), text);
}

TEST(AuditReport, PackedRecordingsHaveNoCommandAndARunWithoutBuiltInWasBuiltWhereItIsKept) {
    AuditReport r;
    r.runs.push_back({"a", "a.rec", "/src", "/src", {}, false, ""});
    std::string text = audit_report_json(r);
    EXPECT_NE(text.find("\"command\": null"), std::string::npos);
    EXPECT_NE(text.find("\"verdict\": \"identical\""), std::string::npos);
    Result<AuditReport> back = parse_audit_report(
        R"({"schema": "buildiff.audit/1", "runs": [{"name": "a", "tree": "/k"}]})", "r.json");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_FALSE(back->command);
    EXPECT_FALSE(back->cache);
    EXPECT_EQ(back->runs[0].tree, "/k");
    EXPECT_EQ(back->runs[0].kept_tree, "/k");
}

TEST(AuditReport, TheMainPairHasACacheCauseElseIsTheFirstDivergentElseTheFirst) {
    AuditReport r = two_runs();
    r.runs.push_back({"warm", "", "", "", {}, true, ""});
    r.pairs = {{"plain", "cold", false, "", diff_report(0, "")},
               {"plain", "warm", true, "", diff_report(1, "flags")},
               {"cold", "warm", true, "", diff_report(1, "cache")}};
    EXPECT_EQ(r.main_pair(), 2u);
    r.pairs[2].report = diff_report(1, "env");
    EXPECT_EQ(r.main_pair(), 1u);
    r.pairs[1].divergent = r.pairs[2].divergent = false;
    EXPECT_EQ(r.main_pair(), 0u);
    EXPECT_FALSE(r.divergent());
}

TEST(AuditReport, APairReadsAsOneLineAndMissingCountsReadAsZero) {
    AuditPair p{"plain", "cold", true, "", diff_report(1, "cache")};
    EXPECT_EQ(describe_pair(p), "plain vs cold: divergent (1 root cause, 2 divergent artifacts)");
    p.report = {{"summary", {{"root_causes", "many"}}}};
    p.divergent = false;
    EXPECT_EQ(describe_pair(p), "plain vs cold: identical (0 root causes, 0 divergent artifacts)");
    // Identical with intermediates that differ; files written at one place by both runs.
    p.report = {{"summary", {{"root_causes", 2}, {"divergent_artifacts", 9}}},
                {"outside",
                 {{{"path", "/tmp/out/app.bin"}, {"shared", true}},
                  {{"path", "/tmp/out/other"}, {"shared", false}}}}};
    EXPECT_EQ(describe_pair(p),
              "plain vs cold: identical (2 root causes, 9 divergent artifacts, none of them "
              "delivered)\n    warning: both runs wrote 1 file at one place outside their own "
              "directories (first: /tmp/out/app.bin): the later run's replaced the earlier's, and "
              "only the hashes recorded at the time were compared");
}

TEST(AuditReport, BadReportsAreRefusedWithTheFileAndTheProblem) {
    auto error = [](std::string_view text) {
        Result<AuditReport> r = parse_audit_report(text, "x/report.json");
        return r ? std::string("accepted") : r.error().message;
    };
    EXPECT_TRUE(error("{").starts_with("x/report.json: not valid JSON"));
    EXPECT_EQ(error(R"({"schema": "buildiff.report/1", "runs": []})"),
              "x/report.json: not an audit report (buildiff.audit/1)");
    EXPECT_EQ(error(R"([1])"), "x/report.json: not an audit report (buildiff.audit/1)");
    EXPECT_EQ(error(R"({"schema": "buildiff.audit/1", "runs": []})"), "x/report.json: no runs");
    EXPECT_TRUE(error(R"({"schema": "buildiff.audit/1"})").starts_with("x/report.json: bad field"));
    EXPECT_EQ(error(R"({"schema": "buildiff.audit/1", "runs": [{"name": "../a"}]})"),
              "x/report.json: run name `../a` is not a distinct name of letters, digits, - and _");
    EXPECT_EQ(error(R"({"schema": "buildiff.audit/1", "runs": [{"name": "a"}, {"name": "a"}]})"),
              "x/report.json: run name `a` is not a distinct name of letters, digits, - and _");
    EXPECT_EQ(error(R"({"schema": "buildiff.audit/1", "runs": [{"name": "a"}],
                       "pairs": [{"left": "a", "right": "b"}]})"),
              "x/report.json: a pair names the unknown run `b`");
    EXPECT_TRUE(error(R"({"schema": "buildiff.audit/1", "runs": [{"name": 7}]})")
                    .starts_with("x/report.json: bad field"));
}
