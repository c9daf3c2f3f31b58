#!/usr/bin/python3
"""Fails when scripts/deps.sh would leave a fresh Debian machine without something buildiff needs.

Checks, against the package lists of scripts/deps.sh (`deps.sh --list TASK`):
- every header the sources include with <...>: the Debian package that owns it (`dpkg -S`) must be
  in the build list (the test list for tests/, the bench list for bench/);
- every program the example, the tests, the scripts and the benchmarks name: the same, against the
  example, test or bench list;
- every Python module the tests import: the same, against the test list.
A package is also accepted when it comes with the compiler (g++ and what it depends on: the C and
C++ standard libraries, binutils) or with every Debian system (Essential or Priority: required).
A program that no Debian package owns (rustup's cargo, pyenv's python) is not checked: it is not
installed by deps.sh, so no list can miss it. Run it on a machine where `deps.sh test` has run:
what is not installed cannot be traced to a package, and the suite would fail on it anyway.

Usage: scripts/check-deps.py [--deps FILE] [--root DIR] [--verbose]
Exit status: 0 when every list is complete, 1 when one is not (one line per missing package), 2 on
trouble.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

# Which list each part of the tree is checked against, by path prefix (first match wins).
SCOPES = [
    ("scripts/example.sh", "example"),
    ("scripts/build.sh", "example"),
    ("examples/", "example"),
    ("bench/", "bench"),
    ("tests/", "test"),
    ("scripts/", "test"),
    (".ci/", "test"),
    ("", "build"),
]
# buildiff's own sources name tools as data (classification tables, messages); they run none
# that a test does not also run, so only their headers are checked.
PROGRAM_SCOPES = ("example", "test", "bench")
# Words in the scanned files that resolve to a program on PATH but name no program a test or
# script runs (they are data: arguments, file names, tool names a unit test classifies). Each is
# here with the reason; the list is short on purpose.
NOT_RUN = {
    "file": "a JSON key (compile_commands.json's \"file\"), not file(1)",
    "clang": "test_compare.cc looks for the text \"clang version 14\" in DWARF producers",
}
SOURCE_EXT = (".cc", ".c", ".h", ".hpp", ".rs")
SHELL_EXT = (".sh",)
SKIP_DIRS = ("build", "build-asan", "out", ".git")
# Unit tests name tools as data (classification tables), they run none.
SKIP_PROGRAM_SCAN = ("tests/unit/",)


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def package_lists(deps):
    lists = {}
    for task in ("build", "example", "test", "bench"):
        r = run(["bash", deps, "--list", task])
        if r.returncode != 0:
            sys.exit(f"check-deps: {deps}: --list {task} failed: {r.stderr.strip()}")
        lists[task] = set(r.stdout.split())
    return lists


def installed_status():
    """Package -> (essential or required, [dependencies]) for every installed package."""
    r = run(["dpkg-query", "-W", "-f=${Package}\t${Essential}\t${Priority}\t${Depends}\t${Pre-Depends}\t${db:Status-Status}\n"])
    info = {}
    for line in r.stdout.splitlines():
        name, essential, priority, depends, predepends, status = (line.split("\t") + [""] * 6)[:6]
        if status != "installed":
            continue
        deps = []
        for clause in (depends + "," + predepends).split(","):
            # "a (>= 1) | b" : the first alternative that is installed is what apt kept.
            for alt in clause.split("|"):
                alt = alt.strip().split(" ")[0].split(":")[0]
                if alt:
                    deps.append(alt)
                    break
        info[name] = (essential == "yes" or priority == "required", deps)
    return info


def closure(roots, info):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen or p not in info:
            continue
        seen.add(p)
        todo.extend(info[p][1])
    return seen


def owners(paths):
    """Path -> owning package, for those dpkg knows (tries the path, its real path, and the
    /usr-merged spelling, as packages may register /bin/x for /usr/bin/x)."""
    variants = {}
    for p in paths:
        cands = [p, os.path.realpath(p)]
        for c in list(cands):
            if c.startswith("/usr/bin/") or c.startswith("/usr/sbin/") or c.startswith("/usr/lib/"):
                cands.append(c[4:])
        variants[p] = list(dict.fromkeys(cands))
    every = sorted({c for cs in variants.values() for c in cs})
    found = {}
    for i in range(0, len(every), 200):
        r = run(["dpkg", "-S"] + every[i:i + 200])
        for line in r.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            pkgs, _, path = line.partition(": ")
            found[path] = pkgs.split(",")[0].strip().split(":")[0]
    return {p: next((found[c] for c in cs if c in found), None) for p, cs in variants.items()}


def tree_files(root):
    r = run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard"])
    if r.returncode == 0:
        return sorted(f for f in r.stdout.splitlines() if os.path.isfile(os.path.join(root, f)))
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
        out += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(out)


def scope_of(rel):
    return next(task for prefix, task in SCOPES if rel.startswith(prefix))


def is_shell(rel, text):
    base = os.path.basename(rel)
    return rel.endswith(SHELL_EXT) or base in ("Makefile", "run") or base.endswith(".mk") or \
        text.startswith("#!/bin/sh") or text.startswith("#!/usr/bin/env bash") or \
        text.startswith("#!/bin/bash")


def string_literals(text):
    """The contents of C/C++/Rust string literals, raw ones included; comments left out."""
    out = []
    i, n = 0, len(text)
    raw = re.compile(r'R"([^(\s]{0,16})\(')
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "'" and i + 2 < n:
            j = i + 1
            while j < n and text[j] != "'" and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif c == "R" and raw.match(text, i) and (i == 0 or not text[i - 1].isalnum()):
            m = raw.match(text, i)
            end = ")" + m.group(1) + '"'
            j = text.find(end, m.end())
            j = n if j < 0 else j
            out.append(text[m.end():j])
            i = j + len(end)
        elif c == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\n":
                    break
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                    buf.append({"n": "\n", "t": "\t"}.get(text[j], text[j]))
                else:
                    buf.append(text[j])
                j += 1
            out.append("".join(buf))
            i = j + 1
        else:
            i += 1
    return out


def shell_text(text):
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        lines.append(re.sub(r"(^|\s)#.*", "", line))
    return "\n".join(lines)


# A word in command position: at the start of a line or literal, or after a shell operator
# (; && || | ! $( ` then do else), after buildiff's --cache, or after env, exec, xargs, sudo,
# timeout N, or make's @ and -.
# Not an assignment (NAME=...) nor a function's definition.
COMMAND = re.compile(
    r"(?:^|[;&|!`]|\$\(|--cache\s|\bthen\b|\bdo\b|\belse\b|\bexec\b|\benv\b|\bxargs\b|\bsudo\b|"
    r"\btimeout\s+\d+\w?\b|^\t[@-]*)\s*(/(?:usr/)?s?bin/[\w.+-]+|[A-Za-z][\w.+-]*)(?![\w.+-]|=|\()",
    re.M)
# make: a program named by a variable (CC ?= cc).
MAKE_TOOL = re.compile(r"(?m)^\s*(?:CC|CXX|AR|AS|LD|NM|RANLIB|STRIP)\s*[:?]?=\s*([\w.+/-]+)")


def program_words(rel, text):
    """The words of a file that stand where a program is named: the first word of each C++ or
    Rust string literal (an argv element, or a command for sh -c) and the command positions in
    it, the command positions of a shell script or Makefile."""
    if rel.endswith(SOURCE_EXT):
        chunks = string_literals(text)
    elif is_shell(rel, text):
        chunks = [shell_text(text)]
    else:
        return set()
    words = set()
    for chunk in chunks:
        functions = set(re.findall(r"(?m)^\s*([\w-]+)\s*\(\)", chunk))
        found = COMMAND.findall(chunk) + MAKE_TOOL.findall(chunk)
        words.update(w for w in found if len(w) > 1 and w not in functions)
    return words


def python_modules(rel, text):
    if not rel.endswith(SOURCE_EXT):
        return set()
    mods = set()
    for chunk in string_literals(text):
        for m in re.finditer(r"(?m)^\s*(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import)",
                             chunk):
            names = m.group(1) or m.group(2)
            mods.update(n.strip().split(".")[0] for n in names.split(","))
        # python3 -c "import x; ..." one-liners
        for m in re.finditer(r"(?:^|;)\s*import\s+([\w.]+)", chunk):
            mods.add(m.group(1).split(".")[0])
    return mods


def compiler_include_dirs():
    r = run(["g++", "-std=c++20", "-E", "-x", "c++", "-v", "-"], input="")
    dirs, on = [], False
    for line in r.stderr.splitlines():
        if line.startswith("#include <...> search starts here"):
            on = True
        elif line.startswith("End of search list"):
            on = False
        elif on:
            dirs.append(line.strip())
    return dirs


def module_origins(mods):
    py = "/usr/bin/python3"
    if not mods or not os.access(py, os.X_OK):
        return {}
    code = ("import importlib.util, sys, sysconfig\n"
            "std = sysconfig.get_paths()['stdlib']\n"
            "for m in sys.argv[1:]:\n"
            "    try: s = importlib.util.find_spec(m)\n"
            "    except Exception: s = None\n"
            "    o = s.origin if s else None\n"
            "    if m in sys.builtin_module_names or (o and (o.startswith(std + '/') and 'dist-packages' not in o or o in ('built-in', 'frozen'))): o = 'stdlib'\n"
            "    if s and s.submodule_search_locations and o in (None, 'namespace'):\n"
            "        o = list(s.submodule_search_locations)[0]\n"
            "    print(m, o or '-')\n")
    r = run([py, "-c", code] + sorted(mods))
    return dict(line.split(" ", 1) for line in r.stdout.splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--root", default=os.path.dirname(here))
    ap.add_argument("--deps", default=os.path.join(here, "deps.sh"))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if not shutil.which("dpkg"):
        sys.exit("check-deps: needs dpkg (a Debian system)")

    lists = package_lists(args.deps)
    info = installed_status()
    # What comes with the compiler or with every Debian system needs no line in a list.
    base = closure(["g++"], info) | {p for p, (req, _) in info.items() if req}
    # What apt installs for a list: its packages and what they depend on.
    lists = {task: closure(pkgs, info) | pkgs for task, pkgs in lists.items()}

    headers, programs, modules = {}, {}, {}  # name -> {(scope, file)}
    for rel in tree_files(args.root):
        path = os.path.join(args.root, rel)
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read(1 << 20)
        except OSError as e:
            sys.exit(f"check-deps: {rel}: {e.strerror}")
        scope = scope_of(rel)
        if rel.endswith(SOURCE_EXT):
            for h in re.findall(r"(?m)^\s*#\s*include\s*<([^>]+)>", text):
                headers.setdefault(h, set()).add((scope, rel))
        if scope in PROGRAM_SCOPES and not rel.startswith(SKIP_PROGRAM_SCAN):
            for w in program_words(rel, text):
                programs.setdefault(w, set()).add((scope, rel))
            if scope == "test":
                for m in python_modules(rel, text):
                    modules.setdefault(m, set()).add((scope, rel))

    problems = []

    # Headers: found through the compiler's own search path.
    dirs = compiler_include_dirs()
    header_path = {}
    for h in headers:
        p = next((os.path.join(d, h) for d in dirs if os.path.isfile(os.path.join(d, h))), None)
        if p:
            header_path[h] = p
        elif not any(os.path.isfile(os.path.join(args.root, os.path.dirname(r), h))
                     for _, r in headers[h]):
            problems.append(f"check-deps: {sorted(headers[h])[0][1]} includes <{h}>, which is not "
                            "on this machine: install its package (and add it to deps.sh), then "
                            "run this again")
    owner = owners(header_path.values())
    for h, p in sorted(header_path.items()):
        check(problems, "includes", f"<{h}>", owner.get(p), headers[h], lists, base, args.verbose)

    # Programs: resolved through PATH, as the tests and scripts run them.
    resolved = {}
    for w in programs:
        if w in NOT_RUN:
            continue
        p = w if w.startswith("/") else shutil.which(w)
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            resolved[w] = p
    owner = owners(resolved.values())
    for w, p in sorted(resolved.items()):
        pkg = owner.get(p)
        if pkg is None:
            if args.verbose:
                print(f"check-deps: {w} ({p}) is not from a Debian package: not checked")
            continue
        check(problems, "runs", w, pkg, programs[w], lists, base, args.verbose)

    # Python modules the tests import, through Debian's python3.
    origins = module_origins(set(modules))
    mod_paths = {m: o for m, o in origins.items() if o not in ("stdlib", "-")}
    owner = owners(mod_paths.values())
    for m, p in sorted(mod_paths.items()):
        check(problems, "imports", f"Python module {m}", owner.get(p), modules[m], lists, base,
              args.verbose)

    for line in problems:
        print(line)
    if problems:
        print(f"check-deps: {counted(len(problems), 'use')} of a package missing from "
              f"{args.deps}; add each package to the list named")
        return 1
    print(f"check-deps: complete: {counted(len(headers), 'header')}, "
          f"{counted(len(resolved), 'program')}, {counted(len(mod_paths), 'Python module')} "
          "traced to packages deps.sh installs")
    return 0


def counted(n, noun):
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def check(problems, verb, what, pkg, uses, lists, base, verbose):
    if pkg is None:
        return
    for scope in sorted({s for s, _ in uses}):
        if pkg in lists[scope] or pkg in base:
            continue
        where = sorted(r for s, r in uses if s == scope)[0]
        problems.append(f"check-deps: {where} {verb} {what}, from Debian package {pkg}, which "
                        f"`deps.sh {scope}` does not install")
    if verbose:
        print(f"check-deps: {what}: {pkg}")


if __name__ == "__main__":
    sys.exit(main())
