// What cargo build scripts cost a recorded build, and whether what they made was used: per crate
// with a build script, the time to compile and run it, the native work it ran (cc, cc1, as, ar,
// cmake, make, nasm), how long nothing else compiled meanwhile, and which of its outputs a later
// step consumed (a generated file rustc read, an archive or object a rustc or link read, the
// `links` metadata a dependent's build script was given). A `cargo check` links nothing: there a
// build script whose only product is native code did its work for nothing, and cargo's override
// of a `links` build script skips it. Derived from the recording, and from the build script's
// `output` file when it is still on disk (its cfgs, env and link lines).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "recording/analysis.h"
#include "recording/recording.h"

namespace buildiff {

struct BuildScriptCost {
    std::string crate, version, links;  // CARGO_PKG_NAME, CARGO_PKG_VERSION, CARGO_MANIFEST_LINKS
    std::string target;                 // TARGET, the triple an override names
    std::string out_dir;
    int run = -1;  // the build script's process record
    // Compiling the build script (rustc --crate-name build_script_build, with its linker).
    std::uint64_t compile_wall_ns = 0, compile_cpu_ns = 0;
    // Running it: the script's own CPU and wall, and the native work under it.
    std::uint64_t run_wall_ns = 0, run_cpu_ns = 0;
    std::size_t native_processes = 0;       // cc, cc1, as, ar, ld, cmake, make, nasm, ...
    std::uint64_t native_cpu_ns = 0, native_wall_ns = 0;  // wall: the union of their times
    std::vector<std::string> native_outputs;  // objects and archives it left, by path
    // Of the run's wall time, how long no rustc ran anywhere in the build (the build waited).
    std::uint64_t alone_ns = 0;
    // Build-dependencies only this build script used (rustc compiles of crates whose only
    // reader is its compile, such as `cc`): skipping the script skips them too.
    std::vector<std::string> only_for_it;
    std::uint64_t only_for_it_cpu_ns = 0;

    // What later steps consumed.
    std::vector<std::string> generated_read;  // OUT_DIR files (not native) read by a later rustc
    std::vector<std::string> native_read;     // its objects or archives read outside it
    std::vector<std::string> metadata_readers;  // DEP_<LINKS>_* in a dependent's environment
    // From its `output` file, when on disk: cfgs and env it gave the crate's rustc, link lines.
    bool output_read = false;
    std::vector<std::string> cfgs, envs, link_libs, link_searches;

    bool native_used() const { return !native_read.empty(); }
    // Skipping it would lose nothing a later step read (given what the recording and the output
    // file show): no generated file read, no cfg or env, no metadata a dependent was given.
    bool safe_to_skip() const {
        return generated_read.empty() && cfgs.empty() && envs.empty() && metadata_readers.empty();
    }
};

struct BuildScripts {
    std::vector<BuildScriptCost> crates;  // by crate name
    bool links_anything = false;  // a link ran (a `cargo build`); none in a `cargo check`
    std::uint64_t wall_ns = 0;    // the whole build's
};

// READ_OUTPUTS: read each build script's `output` file from disk (`show`); a diff does not, so
// that its report depends on the recordings alone (an audit's trees are gone when its report is
// read back).
BuildScripts build_script_costs(const Recording& rec, const Analysis& analysis,
                                bool read_outputs = true);

// The `--config` value and the `.cargo/config.toml` block that make cargo skip COST's build
// script (it needs a `links` name): the link lines it printed, so that a link still works.
std::string override_config_arg(const BuildScriptCost& cost);
std::string override_config_toml(const BuildScriptCost& cost);

}  // namespace buildiff
