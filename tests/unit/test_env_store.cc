// The recorder's environment store, without ptrace: each distinct environment written once, with
// an id, secrets redacted as the recording promises.
#include <gtest/gtest.h>

#include <stdio.h>
#include <unistd.h>

#include <string>

#include "record/env_store.h"
#include "tests/unit/written_file.h"

using namespace buildiff;

namespace {

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

std::string environ_of(std::initializer_list<std::string> entries) {
    std::string raw;
    for (auto& e : entries) raw += e + '\0';
    return raw;
}

}  // namespace

TEST(EnvStore, EachDistinctEnvironmentIsWrittenOnceWithItsOwnId) {
    WrittenFile out;
    RecordingWriter writer(out.fd());
    Redactor redactor("salt");
    EnvStore store(writer, redactor, true);
    std::string a = environ_of({"PATH=/usr/bin", "CC=gcc"});
    std::string b = environ_of({"PATH=/usr/bin", "CC=clang"});
    EXPECT_EQ(store.id(a), 0);
    EXPECT_EQ(store.id(b), 1);
    EXPECT_EQ(store.id(a), 0) << "the same environment again is the same id";
    EXPECT_EQ(store.size(), 2u);
    ASSERT_TRUE(writer.flush());
    std::string text = out.records();
    EXPECT_EQ(count(text, "\"gcc\""), 1u) << text;
    EXPECT_EQ(count(text, "\"clang\""), 1u) << text;
}

TEST(EnvStore, SecretValuesAreRedactedUnlessAsked) {
    for (bool redact : {true, false}) {
        WrittenFile out;
        RecordingWriter writer(out.fd());
        Redactor redactor("salt");
        EnvStore store(writer, redactor, redact);
        store.id(environ_of({"GITHUB_TOKEN=ghp_verysecret", "LANG=C", "NOVALUE"}));
        ASSERT_TRUE(writer.flush());
        std::string text = out.records();
        EXPECT_EQ(text.find("ghp_verysecret") == std::string::npos, redact) << text;
        EXPECT_EQ(text.find("buildiff-redacted:") != std::string::npos, redact) << text;
        EXPECT_NE(text.find("\"C\""), std::string::npos) << "other values stay: " << text;
        EXPECT_NE(text.find("NOVALUE"), std::string::npos) << "an entry without '=' is kept";
    }
}
