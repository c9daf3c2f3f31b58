// The pieces of `buildiff pack` that decide what goes in: sizes, evidence within a budget, and
// the masking of paths, user names and secrets.
#include <gtest/gtest.h>

#include "audit/evidence.h"
#include "audit/pack.h"

using namespace buildiff;

TEST(ParseSize, UnitsArePowersOf1024AndJunkIsRefused) {
    EXPECT_EQ(parse_size("1500000"), 1500000u);
    EXPECT_EQ(parse_size("20M"), 20u << 20);
    EXPECT_EQ(parse_size("20MB"), 20u << 20);
    EXPECT_EQ(parse_size("512k"), 512u << 10);
    EXPECT_EQ(parse_size("1GiB"), 1u << 30);
    EXPECT_EQ(parse_size("7B"), 7u);
    for (const char* bad : {"", "M", "20X", "20MBs", "-1", "1.5M", "99999999999999999999"})
        EXPECT_FALSE(parse_size(bad)) << bad;
}

namespace {
EvidenceItem item(const std::string& path, std::uint64_t left, std::uint64_t right) {
    EvidenceItem i;
    i.path = path;
    i.left = {"a", path + "-l", left, "evidence/a/" + path, "", false};
    i.right = {"b", path + "-r", right, "evidence/b/" + path, "", false};
    return i;
}
}  // namespace

TEST(SelectEvidence, SmallestFirstBothVersionsOrNeitherWithinTheBudget) {
    Evidence e = select_evidence({item("big", 600, 600), item("small", 10, 20),
                                  item("mid", 200, 250), item("huge", 5000, 5000)},
                                 1000);
    ASSERT_EQ(e.kept.size(), 2u);
    EXPECT_EQ(e.kept[0].path, "small");
    EXPECT_EQ(e.kept[1].path, "mid");
    ASSERT_EQ(e.left_out.size(), 2u);
    EXPECT_EQ(e.left_out[0].path, "big");  // 1200 would overrun what is left (520)
    EXPECT_NE(e.left_out[0].reason.find("over the size budget"), std::string::npos);
    // A version two items share is counted once.
    EvidenceItem shared = item("x", 400, 400);
    EvidenceItem again = shared;
    again.right.member = "evidence/c/x";
    again.right.run = "c";
    Evidence s = select_evidence({shared, again}, 1200);
    EXPECT_EQ(s.kept.size(), 2u);
    // The index round-trips, and a member that climbs out is refused.
    auto back = Evidence::from_json(nlohmann::json::parse(e.to_json().dump()), "index");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->kept.size(), 2u);
    EXPECT_EQ(back->left_out[1].path, "huge");
    nlohmann::json bad = e.to_json();
    bad["kept"][0]["left"]["member"] = "evidence/../../etc/passwd";
    EXPECT_FALSE(Evidence::from_json(bad, "index"));
}

TEST(SelectEvidence, StepInputsComeAfterEveryDivergentArtifactAndKeepTheirRole) {
    EvidenceItem input = item("tiny.c", 5, 5);
    input.right = input.left;  // one run's file
    input.step_input = true;
    Evidence e = select_evidence({input, item("obj.o", 300, 300), item("big.so", 900, 900)}, 700);
    ASSERT_EQ(e.kept.size(), 2u);
    EXPECT_EQ(e.kept[0].path, "obj.o");  // before the smaller input
    EXPECT_EQ(e.kept[1].path, "tiny.c");
    EXPECT_EQ(e.counts().artifacts_kept, 1u);
    EXPECT_EQ(e.counts().inputs_kept, 1u);
    auto back = Evidence::from_json(nlohmann::json::parse(e.to_json().dump()), "index");
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_FALSE(back->kept[0].step_input);
    EXPECT_TRUE(back->kept[1].step_input);
    EXPECT_EQ(e.to_json()["kept"][1]["role"], "step-input");
}

TEST(PathRedactor, MasksHomesUserNamesAndSecretsKeepingLengths) {
    PathRedactor r({"/home/alice", "/var/lib/ci"}, {"alice"}, {"hunter2-token"});
    auto same = [&](const std::string& in, const std::string& out) {
        std::string got = r.apply(in);
        EXPECT_EQ(got, out) << in;
        EXPECT_EQ(got.size(), in.size());
    };
    same("/home/alice/src/a.c", "/home/xxxxx/src/a.c");
    same("\"cwd\":\"/home/alice\"", "\"cwd\":\"/home/xxxxx\"");
    same("/home/bob/x", "/home/xxx/x");              // any /home/NAME
    same("/var/lib/ci/build", "/var/lib/xx/build");  // a home elsewhere
    same("/var/lib/cinder", "/var/lib/cinder");      // not that home
    same("/usr/home/alice2", "/usr/home/alice2");    // neither a home nor the user
    same("[\"USER\",\"alice\"]", "[\"USER\",\"xxxxx\"]");
    same("<td>alice</td> USER=alice", "<td>xxxxx</td> USER=xxxxx");
    same("alicebeth and malice", "alicebeth and malice");
    same("TOKEN=hunter2-token;", "TOKEN=xxxxxxxxxxxxx;");
    std::string elf(
        "\x7f"
        "ELF\0/home/alice/p\0",
        20);
    same(elf, std::string("\x7f"
                          "ELF\0/home/xxxxx/p\0",
                          20));
    EXPECT_EQ(r.apply(r.apply("/home/alice")), "/home/xxxxx");  // idempotent
}
