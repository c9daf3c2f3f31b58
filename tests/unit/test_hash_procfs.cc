#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "audit/hash.h"
#include "audit/procfs.h"

using namespace buildiff;

TEST(Hash, FileHashEqualsBytesHash) {
    char path[] = "/tmp/buildiff-hash-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::string content(3 * 1024 * 1024 + 17, 'x');  // larger than one read buffer
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
    ASSERT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    auto h = hash_fd(fd);
    close(fd);
    unlink(path);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->size, content.size());
    EXPECT_EQ(h->hash, hash_bytes(content));
    EXPECT_NE(hash_bytes("a"), hash_bytes("b"));
    EXPECT_EQ(hash_bytes("").hex().size(), 32u);
}

TEST(Hash, KnownVector) {
    // XXH3-128 of the empty input (xxHash's reference value).
    EXPECT_EQ(hash_bytes("").hex(), "99aa06d3014798d86001c324468d497f");
}

TEST(Procfs, NormalizeIsLexical) {
    EXPECT_EQ(procfs::normalize("/a/b/../c/./d//e"), "/a/c/d/e");
    EXPECT_EQ(procfs::normalize("/.."), "/");
    EXPECT_EQ(procfs::normalize("/"), "/");
    EXPECT_EQ(procfs::normalize("/tmp/x/"), "/tmp/x");
}

TEST(Procfs, SplitNul) {
    std::string bytes("a\0bb\0\0c\0", 8);
    auto parts = procfs::split_nul(bytes);
    ASSERT_EQ(parts.size(), 4u);
    EXPECT_EQ(parts[1], "bb");
    EXPECT_EQ(parts[2], "");
}

TEST(Procfs, ReadsOwnMemoryAndCpu) {
    const char* text = "hello tracer";
    auto s = procfs::read_string(getpid(), reinterpret_cast<std::uint64_t>(text));
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, text);
    EXPECT_TRUE(procfs::cpu_times(getpid()));
}
