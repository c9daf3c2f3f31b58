// What each side of a diff is, and the comparison that fits the pair.
#include "audit/inputs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <istream>
#include <memory>
#include <optional>
#include <streambuf>
#include <string_view>
#include <utility>

#include <fmt/core.h>

#include "audit/build_set.h"
#include "base/blob.h"
#include "base/parallel.h"
#include "diff/plain_diff.h"
#include "recording/recording.h"

namespace buildiff {

namespace {

// One side of a diff: a recording, a run of an audit directory or bundle (`SET:RUN`, or a set
// with one run), or a plain file or directory.
struct Input {
    std::string spec;
    bool recording = false;
    std::shared_ptr<const BuildSet> set;
    std::string run;  // in `set`; "" when the set was named without one
    // A pipe (`<(zcat a.rec.gz)`, /dev/stdin): read once, here, to tell what it holds.
    std::optional<Blob> stream;
};

bool is_stream(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

Result<Input> classify_input(const std::string& spec, std::shared_ptr<const BuildSet> reuse) {
    Input in{spec, false, nullptr, "", std::nullopt};
    std::string path = spec;
    if (auto split = split_set_spec(spec)) std::tie(path, in.run) = *split;
    if (access(path.c_str(), R_OK) != 0)
        return Error{fmt::format("{}: {}", path, std::strerror(errno))};
    if (in.run.empty() && is_stream(path)) {
        Result<Blob> bytes = Blob::open_named(path);
        if (!bytes) return bytes.error();
        in.recording = starts_like_recording(bytes->memory());
        in.stream = std::move(*bytes);
        return in;
    }
    if (in.run.empty() && is_recording(path)) {
        in.recording = true;
        return in;
    }
    if (!in.run.empty() || BuildSet::detect(path)) {
        if (reuse && reuse->path() == path) {
            in.set = reuse;
        } else {
            Result<BuildSet> set = BuildSet::open(path);
            if (!set) return set.error();
            in.set = std::make_shared<const BuildSet>(std::move(*set));
        }
        if (!in.run.empty() && !in.set->run(in.run))
            return in.set->recording(in.run).error();  // names the runs there are
    }
    return in;
}

// Reads bytes held elsewhere as a stream, without copying them.
struct ViewBuffer : std::streambuf {
    explicit ViewBuffer(std::string_view bytes) {
        char* begin = const_cast<char*>(bytes.data());
        setg(begin, begin, begin + bytes.size());
    }
};

Result<Recording> recording_of(const Input& in) {
    if (in.set) return in.set->recording(in.run);
    if (!in.stream) return read_recording(in.spec);
    ViewBuffer buffer(in.stream->memory());
    std::istream bytes(&buffer);
    return read_recording(bytes, in.spec);
}

// The two recordings, read at once (the left's error is the one named when both are bad).
Result<std::pair<Recording, Recording>> recordings_of(const Input& l, const Input& r) {
    auto [left, right] =
        in_parallel([&] { return recording_of(l); }, [&] { return recording_of(r); });
    if (!left) return left.error();
    if (!right) return right.error();
    return std::pair{std::move(*left), std::move(*right)};
}

}  // namespace

Result<DiffResult> diff_inputs(const std::vector<std::string>& specs, DiffOptions options) {
    Result<Input> l = classify_input(specs[0], nullptr);
    if (!l) return l.error();
    if (specs.size() == 1) {
        // One audit directory or bundle: its most telling pair, as its report.html shows it.
        if (!l->set || !l->run.empty())
            return Error{
                fmt::format("{}: one input must be an audit directory or a bundle; "
                            "otherwise give LEFT and RIGHT",
                            specs[0])};
        if (l->set->runs().size() < 2)
            return Error{
                fmt::format("{} holds one run: compare it with another build "
                            "(buildiff diff {} NEW.rec)",
                            specs[0], specs[0])};
        auto [a, b] = l->set->main_pair();
        return diff_set_pair(*l->set, a, b, options);
    }
    Result<Input> r = classify_input(specs[1], l->set);
    if (!r) return r.error();
    bool lrec = l->recording || l->set, rrec = r->recording || r->set;
    if (lrec != rrec)
        return Error{
            fmt::format("{} is a recording but {} is not: compare recordings with "
                        "recordings, files with files",
                        lrec ? specs[0] : specs[1], lrec ? specs[1] : specs[0])};
    if (!lrec && !l->stream && !r->stream) return diff_plain(specs[0], specs[1], options);
    if (!lrec) {
        for (const Input* in : {&*l, &*r})
            if (!in->stream && std::filesystem::is_directory(in->spec))
                return Error{fmt::format("{}: is a directory, but {} is not", in->spec,
                                         in == &*l ? r->spec : l->spec)};
        Result<Blob> lb = l->stream ? *l->stream : Blob::open_named(specs[0]);
        if (!lb) return lb.error();
        Result<Blob> rb = r->stream ? *r->stream : Blob::open_named(specs[1]);
        if (!rb) return rb.error();
        return diff_plain_files(*lb, *rb);
    }
    for (Input* in : {&*l, &*r})
        if (in->set && in->run.empty()) {
            Result<std::string> only = in->set->only_run();
            if (!only) return only.error();
            in->run = *only;
        }
    if (l->set && l->set == r->set) return diff_set_pair(*l->set, l->run, r->run, options);
    Result<std::pair<Recording, Recording>> recs = recordings_of(*l, *r);
    if (!recs) return recs.error();
    auto& [left, right] = *recs;
    std::shared_ptr<const BuildSet> ls = l->set, rs = r->set;
    if (ls || rs)
        options.evidence = [ls, rs](const std::string& hash) {
            std::optional<Blob> b = ls ? ls->evidence_blob(hash) : std::nullopt;
            return b || !rs ? b : rs->evidence_blob(hash);
        };
    return diff_recordings(left, right, options);
}

Result<RecordedPair> load_recorded_pair(const std::vector<std::string>& specs,
                                        DiffOptions options) {
    Result<Input> l = classify_input(specs[0], nullptr);
    if (!l) return l.error();
    std::optional<Input> r;
    if (specs.size() == 1) {
        if (!l->set || !l->run.empty())
            return Error{fmt::format("{}: one input must be an audit directory or a bundle; "
                                     "otherwise give LEFT and RIGHT recordings",
                                     specs[0])};
        if (l->set->runs().size() < 2)
            return Error{fmt::format("{} holds one run: there is no pair to confirm", specs[0])};
        auto [a, b] = l->set->main_pair();
        l->run = a;
        r = *l;
        r->run = b;
    } else {
        Result<Input> rr = classify_input(specs[1], l->set);
        if (!rr) return rr.error();
        r = std::move(*rr);
    }
    for (Input* in : {&*l, &*r}) {
        if (!in->recording && !in->set)
            return Error{fmt::format("{}: not a recording, an audit directory or a bundle: "
                                     "confirm re-runs what a recording saw",
                                     in->spec)};
        if (in->set && in->run.empty()) {
            Result<std::string> only = in->set->only_run();
            if (!only) return only.error();
            in->run = *only;
        }
    }
    Result<std::pair<Recording, Recording>> recs = recordings_of(*l, *r);
    if (!recs) return recs.error();
    auto& [left, right] = *recs;
    RecordedPair pair{std::move(left), std::move(right), {}, "", "", l->set ? l->set : r->set};
    if (l->set) pair.left_tree = l->set->tree_now(l->run);
    if (r->set) pair.right_tree = r->set->tree_now(r->run);
    Result<DiffResult> d = l->set && l->set == r->set
                               ? diff_set_pair(*l->set, l->run, r->run, options)
                               : Result<DiffResult>(diff_recordings(pair.left, pair.right, options));
    if (!d) return d.error();
    pair.result = std::move(*d);
    return pair;
}

}  // namespace buildiff
