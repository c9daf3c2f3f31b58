#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "report/diff_render.h"

using namespace buildiff;

namespace {

DiffResult model_with(size_t divergent) {
    DiffResult r;
    r.left_name = "l.rec";
    r.right_name = "r.rec";
    r.divergent = divergent > 0;
    RootCause rc;
    rc.kind = RootCauseKind::BuildPath;
    rc.summary = "same configuration up to the build root";
    r.root_causes.push_back(rc);
    for (size_t i = 0; i < divergent; ++i) {
        Artifact a;
        a.path = "$ROOT/obj" + std::to_string(1000 + i) + ".o";
        a.status = "different";
        a.root_cause = 0;
        r.artifacts.push_back(a);
        r.root_causes[0].explains.push_back(a.path);
    }
    r.summary.divergent_artifacts = divergent;
    r.summary.artifacts = divergent;
    return r;
}

std::string text_of(const DiffResult& r) {
    char* buf = nullptr;
    size_t size = 0;
    std::FILE* f = open_memstream(&buf, &size);
    render_diff_text(r, f, false);
    std::fclose(f);
    std::string out(buf, size);
    free(buf);
    return out;
}

}  // namespace

TEST(DiffText, LongArtifactListsAreCutWithACount) {
    std::string text = text_of(model_with(60));
    EXPECT_NE(text.find("$ROOT/obj1049.o"), std::string::npos);
    EXPECT_EQ(text.find("$ROOT/obj1050.o  (root"), std::string::npos);
    EXPECT_NE(text.find("... and 10 more divergent artifacts"), std::string::npos) << text;
    EXPECT_NE(text.find("... (60 files)"), std::string::npos) << "the explains chain is cut too";
}

TEST(DiffText, ControlBytesInPathsAreEscaped) {
    DiffResult r = model_with(1);
    r.artifacts[0].path = "$ROOT/evil\x1b[2J.o";
    std::string text = text_of(r);
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_NE(text.find("\\x1b[2J"), std::string::npos);
}

TEST(DiffJson, ListsEverythingAndParses) {
    auto j = nlohmann::json::parse(render_diff_json(model_with(60)));
    EXPECT_EQ(j["schema"], "buildiff.report/1");
    EXPECT_EQ(j["artifacts"].size(), 60u);
    EXPECT_EQ(j["root_causes"][0]["kind"], "build-path");
    EXPECT_EQ(j["artifacts"][0]["root_cause"], 1);
}
