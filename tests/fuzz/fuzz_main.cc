// The one libFuzzer binary of tests/fuzz/run.sh: its targets share most of their code, which is
// compiled once for all of them. BUILDIFF_FUZZ_TARGET (elf, archive, recording, bundle,
// deb822) picks
// the target.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

int fuzz_elf(const std::uint8_t* data, std::size_t size);
int fuzz_archive(const std::uint8_t* data, std::size_t size);
int fuzz_recording(const std::uint8_t* data, std::size_t size);
int fuzz_bundle(const std::uint8_t* data, std::size_t size);
int fuzz_deb822(const std::uint8_t* data, std::size_t size);

namespace {

using Target = int (*)(const std::uint8_t*, std::size_t);

Target chosen() {
    const char* name = std::getenv("BUILDIFF_FUZZ_TARGET");
    std::string_view n = name ? name : "";
    if (n == "elf") return fuzz_elf;
    if (n == "archive") return fuzz_archive;
    if (n == "recording") return fuzz_recording;
    if (n == "bundle") return fuzz_bundle;
    if (n == "deb822") return fuzz_deb822;
    std::fprintf(stderr,
                 "BUILDIFF_FUZZ_TARGET must be elf, archive, recording, bundle or deb822\n");
    std::exit(2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Target target = chosen();
    return target(data, size);
}
