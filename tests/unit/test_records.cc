// The recorder's records, without ptrace: a record is written after its parent, ids in the order
// written, and a record ends in the recording only once it has ended and its hashes are in.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "record/records.h"
#include "tests/unit/written_file.h"

using namespace buildiff;

namespace {

// The JSON lines a writer put in FILE.
std::vector<nlohmann::json> lines(const WrittenFile& file) {
    std::string text = file.text();
    std::vector<nlohmann::json> out;
    size_t start = 0;
    for (size_t nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
        out.push_back(nlohmann::json::parse(text.substr(start, nl - start)));
        start = nl + 1;
    }
    return out;
}

std::unique_ptr<Rec> rec_of(std::uint64_t parent, const std::string& tool, int pid) {
    auto r = std::make_unique<Rec>();
    auto image = std::make_shared<Image>();
    image->argv = {tool};
    image->exe = "/usr/bin/" + tool;
    r->image = image;
    r->parent = parent;
    r->data.pid = pid;
    return r;
}

// "process <id> <parent> <argv0>" and "end <id>", in the order written.
std::vector<std::string> written(const WrittenFile& f) {
    std::vector<std::string> out;
    for (const nlohmann::json& j : lines(f)) {
        if (j["type"] == "process")
            out.push_back("process " + std::to_string(j["id"].get<int>()) + " " +
                          std::to_string(j["parent"].is_null() ? -1 : j["parent"].get<int>()) +
                          " " + j["argv"][0].get<std::string>());
        if (j["type"] == "end") out.push_back("end " + std::to_string(j["id"].get<int>()));
    }
    return out;
}

}  // namespace

TEST(Records, AChildThatEndsFirstIsWrittenAfterItsParentAndIdsFollowTheWritingOrder) {
    WrittenFile out;
    RecordingWriter writer(out.fd(), 1);  // version 1: argv in the process lines
    Records records(writer);
    Rec& make = records.add(rec_of(0, "make", 10));
    Rec& cc = records.add(rec_of(make.serial, "cc", 11));
    EXPECT_EQ(make.serial, 1u);
    EXPECT_EQ(cc.serial, 2u);
    std::uint64_t cc_serial = cc.serial, make_serial = make.serial;
    records.end(cc, EndState::Exited, 5);
    records.maybe_emit(cc_serial);
    EXPECT_EQ(records.find(cc_serial), nullptr) << "written and let go";
    EXPECT_EQ(records.written(), 2);
    // Its id stays known for later children's parent links.
    EXPECT_EQ(records.ensure_emitted(cc_serial), 1);
    records.end(make, EndState::Exited, 9);
    records.maybe_emit(make_serial);
    ASSERT_TRUE(writer.flush());
    EXPECT_EQ(written(out), (std::vector<std::string>{"process 0 -1 make", "process 1 0 cc",
                                                      "end 1", "end 0"}));
}

TEST(Records, ARecordWaitingForAHashIsNotEndedUntilTheHashIsIn) {
    WrittenFile out;
    RecordingWriter writer(out.fd(), 1);  // version 1: argv in the process lines
    Records records(writer);
    Rec& ld = records.add(rec_of(0, "ld", 20));
    std::uint64_t serial = ld.serial;
    ld.pending = 1;
    records.end(ld, EndState::Exited, 3);
    records.maybe_emit(serial);
    ASSERT_NE(records.find(serial), nullptr) << "held: a written file's hash is still coming";
    records.maybe_emit(serial);
    ASSERT_NE(records.find(serial), nullptr);
    records.at(serial).pending = 0;
    records.maybe_emit(serial);
    EXPECT_EQ(records.find(serial), nullptr);
    // Not ended: never written, however often asked.
    Rec& running = records.add(rec_of(0, "sccache", 21));
    records.maybe_emit(running.serial);
    EXPECT_NE(records.find(running.serial), nullptr);
    ASSERT_TRUE(writer.flush());
    EXPECT_EQ(written(out), (std::vector<std::string>{"process 0 -1 ld", "end 0"}));
}
