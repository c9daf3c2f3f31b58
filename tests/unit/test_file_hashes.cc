// The recorder's file hashes, without ptrace: a read file hashed once per identity for all its
// readers, an unreadable one known as such, a written one for its one waiter and the thread it
// holds.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "record/file_hashes.h"

using namespace buildiff;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("file-hashes-" + std::to_string(getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream(path / name, std::ios::binary) << content;
        return (path / name).string();
    }
};

FileKey key(const std::string& file) {
    struct stat st {};
    EXPECT_EQ(stat(file.c_str(), &st), 0) << file;
    return key_of(st);
}

// The jobs that end within a few seconds, waiting on the event descriptor as the tracer does.
std::vector<FileHashes::Finished> wait_for(FileHashes& hashes, size_t jobs) {
    std::vector<FileHashes::Finished> out;
    for (int tries = 0; out.size() < jobs && tries < 100; ++tries) {
        pollfd p{hashes.event_fd(), POLLIN, 0};
        poll(&p, 1, 50);
        for (auto& f : hashes.take_finished()) out.push_back(std::move(f));
    }
    return out;
}

}  // namespace

TEST(FileHashes, AFileReadByManyIsHashedOnceAndEveryReaderGetsItsHash) {
    TempDir dir;
    std::string a = dir.write("a.h", "int a;\n");
    FileHashes hashes;
    std::optional<FileHash> known;
    EXPECT_EQ(hashes.lookup(key(a), a, {1, 0}, known), FileHashes::Lookup::Hashing);
    EXPECT_EQ(hashes.lookup(key(a), a, {2, 3}, known), FileHashes::Lookup::Waiting);
    EXPECT_EQ(hashes.lookup(key(a), a, {3, -1}, known), FileHashes::Lookup::Waiting);
    auto done = wait_for(hashes, 1);
    ASSERT_EQ(done.size(), 1u);
    ASSERT_EQ(done[0].waiters.size(), 3u);
    EXPECT_EQ(done[0].waiters[1].rec, 2u);
    EXPECT_EQ(done[0].waiters[1].index, 3);
    EXPECT_EQ(done[0].waiters[2].index, -1);
    ASSERT_TRUE(done[0].value);
    EXPECT_EQ(done[0].value->hash, hash_bytes("int a;\n"));
    EXPECT_EQ(done[0].value->size, 7u);
    EXPECT_EQ(done[0].hold, 0);
    // Later readers are answered at once, with no job.
    EXPECT_EQ(hashes.lookup(key(a), a, {4, 0}, known), FileHashes::Lookup::Known);
    ASSERT_TRUE(known);
    EXPECT_EQ(known->hash, hash_bytes("int a;\n"));
    EXPECT_TRUE(hashes.take_finished().empty());
    EXPECT_EQ(hashes.pending(), 0u);
}

TEST(FileHashes, AFileWhoseSizeOrTimeChangedIsANewIdentityHashedAgain) {
    TempDir dir;
    std::string a = dir.write("a.h", "one\n");
    FileHashes hashes;
    std::optional<FileHash> known;
    FileKey before = key(a);
    ASSERT_EQ(hashes.lookup(before, a, {1, 0}, known), FileHashes::Lookup::Hashing);
    ASSERT_EQ(wait_for(hashes, 1).size(), 1u);
    dir.write("a.h", "three\n");
    FileKey after = key(a);
    ASSERT_FALSE(after == before);
    EXPECT_EQ(hashes.lookup(after, a, {2, 0}, known), FileHashes::Lookup::Hashing);
    auto done = wait_for(hashes, 1);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].value->hash, hash_bytes("three\n"));
    // The old identity keeps its old hash.
    EXPECT_EQ(hashes.lookup(before, a, {3, 0}, known), FileHashes::Lookup::Known);
    EXPECT_EQ(known->hash, hash_bytes("one\n"));
}

TEST(FileHashes, AFileThatCannotBeOpenedIsKnownUnhashedForEveryLaterReaderToo) {
    TempDir dir;
    std::string a = dir.write("a.h", "x");
    FileKey k = key(a);
    FileHashes hashes;
    std::optional<FileHash> known = FileHash{};
    EXPECT_EQ(hashes.lookup(k, (dir.path / "gone.h").string(), {1, 0}, known),
              FileHashes::Lookup::Known);
    EXPECT_FALSE(known);
    known = FileHash{};
    // Not opened again, though the path given now exists.
    EXPECT_EQ(hashes.lookup(k, a, {2, 0}, known), FileHashes::Lookup::Known);
    EXPECT_FALSE(known);
    EXPECT_EQ(hashes.pending(), 0u);
}

TEST(FileHashes, AWrittenFileIsHashedForItsOneWaiterAndHandsBackTheThreadItHeld) {
    TempDir dir;
    std::string out = dir.write("x.o", "object");
    std::string lib = dir.write("x.a", "archive");
    FileHashes hashes;
    hashes.hash_written(open(out.c_str(), O_RDONLY | O_CLOEXEC), {7, 2}, 4242);
    hashes.hash_written(open(lib.c_str(), O_RDONLY | O_CLOEXEC), {8, 0}, 0);
    hashes.hash_written(open(out.c_str(), O_RDONLY | O_CLOEXEC), {9, 1}, 0);  // not cached
    auto done = wait_for(hashes, 3);
    ASSERT_EQ(done.size(), 3u);
    EXPECT_EQ(done[0].waiters.size(), 1u);
    EXPECT_EQ(done[0].waiters[0].rec, 7u);
    EXPECT_EQ(done[0].waiters[0].index, 2);
    EXPECT_EQ(done[0].hold, 4242);
    EXPECT_EQ(done[0].value->hash, hash_bytes("object"));
    EXPECT_EQ(done[1].value->hash, hash_bytes("archive"));
    EXPECT_EQ(done[1].hold, 0);
    EXPECT_EQ(done[2].waiters[0].rec, 9u);
    EXPECT_EQ(done[2].value->hash, hash_bytes("object"));
}
