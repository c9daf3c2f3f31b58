// Plain-file mode: pair files by relative path, compare each pair with the deep comparators.
#include "diff/plain_diff.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>

#include <fmt/core.h>

#include "diff/normalize.h"
#include "recording/redact.h"

namespace buildiff {

namespace fs = std::filesystem;

namespace {

struct Entry {
    bool link = false;
    std::string target;  // symbolic link target
};

Result<std::map<std::string, Entry>> walk(const std::string& root) {
    std::map<std::string, Entry> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
    if (ec) return Error{fmt::format("{}: cannot read directory: {}", root, ec.message())};
    for (; it != end; it.increment(ec)) {
        if (ec) return Error{fmt::format("{}: cannot read directory: {}", root, ec.message())};
        const fs::directory_entry& e = *it;
        // Lexically: fs::relative would resolve a symbolic link to its target's name.
        std::string rel = e.path().lexically_relative(root).string();
        if (e.is_symlink(ec)) {
            out[rel] = Entry{true, fs::read_symlink(e.path(), ec).string()};
        } else if (e.is_regular_file(ec)) {
            out[rel] = Entry{};
        }
    }
    return out;
}

bool glob_ignored(const DiffOptions& options, const std::string& path) {
    for (auto& g : options.ignore)
        if (glob_match(g, path)) return true;
    return false;
}

// One pair of files into an artifact. `top`: errors are the caller's (exit 2), else a node.
Result<Artifact> compare_blobs(Comparer& comparer, const Blob& l, const Blob& r,
                               std::string display, bool top) {
    Artifact a;
    a.path = std::move(display);
    a.format = "file";
    a.left_hash = l.hash().hex();
    a.right_hash = r.hash().hex();
    Result<Comparison> c = comparer.compare(l, r);
    if (!c) {
        if (top) return c.error();
        a.status = "different";
        Difference d;
        d.kind = "error";
        d.description = c.error().message;
        a.differences.push_back(std::move(d));
        return a;
    }
    a.format = c->format;
    a.status = a.left_hash == a.right_hash ? "identical" : "different";
    if (a.status == "different") {
        Difference content;
        content.kind = "content";
        content.description = "content differs";
        content.left = a.left_hash;
        content.right = a.right_hash;
        content.children = std::move(c->differences);
        a.differences.push_back(std::move(content));
    }
    return a;
}

Result<Artifact> compare_files(Comparer& comparer, const std::string& lpath,
                               const std::string& rpath, std::string display) {
    Result<Blob> l = Blob::open(lpath);
    if (!l) return l.error();
    Result<Blob> r = Blob::open(rpath);
    if (!r) return r.error();
    return compare_blobs(comparer, *l, *r, std::move(display), false);
}

// Divergent artifacts first, then identical ones, in path order within each.
void finish(DiffResult& result, std::vector<Artifact> divergent, std::vector<Artifact> identical) {
    result.summary.divergent_artifacts = divergent.size();
    result.artifacts = std::move(divergent);
    result.artifacts.insert(result.artifacts.end(), std::make_move_iterator(identical.begin()),
                            std::make_move_iterator(identical.end()));
    decide_verdict(result);  // without a recording, every file is a deliverable
}

}  // namespace

Result<DiffResult> diff_plain_files(const Blob& left, const Blob& right,
                                    const CompareLimits& limits) {
    DiffResult result;
    result.left_name = left.name();
    result.right_name = right.name();
    result.plain = true;
    Comparer comparer(limits);
    // The header names both files; the artifact is named after the left one.
    Result<Artifact> a =
        compare_blobs(comparer, left, right, fs::path(left.name()).filename().string(), true);
    if (!a) return a.error();
    ++result.summary.artifacts;
    std::vector<Artifact> divergent, identical;
    (a->status == "identical" ? identical : divergent).push_back(std::move(*a));
    finish(result, std::move(divergent), std::move(identical));
    return result;
}

Result<DiffResult> diff_plain(const std::string& left, const std::string& right,
                              const DiffOptions& options, const CompareLimits& limits) {
    std::error_code ec;
    bool ldir = fs::is_directory(left, ec), rdir = fs::is_directory(right, ec);
    if (ldir != rdir)
        return Error{fmt::format("{}: is {}a directory, but {} is {}", left, ldir ? "" : "not ",
                                 right, rdir ? "one" : "not")};
    if (!ldir) {
        Result<Blob> l = Blob::open_named(left);
        if (!l) return l.error();
        Result<Blob> r = Blob::open_named(right);
        if (!r) return r.error();
        return diff_plain_files(*l, *r, limits);
    }
    DiffResult result;
    result.left_name = left;
    result.right_name = right;
    result.plain = true;
    Comparer comparer(limits);
    std::vector<Artifact> divergent, identical;
    result.left_root = left;
    result.right_root = right;
    Result<std::map<std::string, Entry>> lw = walk(left), rw = walk(right);
    if (!lw) return lw.error();
    if (!rw) return rw.error();
    std::set<std::string> paths;
    for (auto& [p, e] : *lw) paths.insert(p);
    for (auto& [p, e] : *rw) paths.insert(p);
    for (const std::string& p : paths) {
        ++result.summary.artifacts;
        auto li = lw->find(p), ri = rw->find(p);
        Artifact a;
        a.path = p;
        a.format = "file";
        if (li == lw->end() || ri == rw->end()) {
            a.status = li == lw->end() ? "only-right" : "only-left";
            Difference d;
            d.kind = "missing";
            d.description = li == lw->end() ? "only in the right tree" : "only in the left tree";
            a.differences.push_back(std::move(d));
        } else if (li->second.link || ri->second.link) {
            a.format = "symlink";
            a.left_hash = li->second.link ? "-> " + li->second.target : "(file)";
            a.right_hash = ri->second.link ? "-> " + ri->second.target : "(file)";
            a.status = a.left_hash == a.right_hash ? "identical" : "different";
            if (a.status == "different") {
                Difference d;
                d.kind = "symlink";
                d.description = fmt::format("link {} -> {}", a.left_hash, a.right_hash);
                a.differences.push_back(std::move(d));
            }
        } else {
            Result<Artifact> c = compare_files(comparer, (fs::path(left) / p).string(),
                                               (fs::path(right) / p).string(), p);
            if (!c) return c.error();
            a = std::move(*c);
            for (auto& d : a.differences)
                if (d.kind == "error") result.notes.push_back(d.description);
        }
        if (a.status != "identical" && glob_ignored(options, p)) {
            ++result.summary.ignored_artifacts;
            continue;
        }
        (a.status == "identical" ? identical : divergent).push_back(std::move(a));
    }
    finish(result, std::move(divergent), std::move(identical));
    return result;
}

}  // namespace buildiff
