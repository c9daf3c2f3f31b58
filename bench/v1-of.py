#!/usr/bin/env python3
"""The version-1 recording (plain JSON Lines, every string in place) of a version-2 recording's
records, read decompressed on stdin (`zstd -dc new.rec | bench/v1-of.py > old.rec`): for
benchmarking a buildiff that reads version 1 only against the current one on the same build."""
import json
import sys

OPS = ['read', 'write', 'rename', 'link', 'unlink']
strings, files = [], []


def event(e):
    op, t = OPS[e[0]], e[1]
    out = {'op': op}
    if op in ('read', 'write'):
        path, digest, size = files[e[2]]
        out['path'] = strings[path]
        out['hash'] = digest
        if digest is not None:
            out['size'] = size
    else:
        out['path'] = strings[e[2]]
        if op != 'unlink':
            out['to'] = strings[e[3]]
    out['t'] = t
    if op == 'write':
        if e[3] & 1:
            out['created'] = True
        if e[3] & 2:
            out['deleted'] = True
    return out


for line in sys.stdin:
    j = json.loads(line)
    kind = j.get('type')
    if kind == 'header':
        j['version'] = 1
    elif kind == 'strings':
        strings.extend(j['values'])
        continue
    elif kind == 'files':
        files.extend(j['values'])
        continue
    elif kind == 'env':
        j['vars'] = [[strings[a], strings[b]] for a, b in j['vars']]
    elif kind == 'process':
        j['exe'] = strings[j['exe']]
        j['argv'] = [strings[i] for i in j['argv']]
        j['cwd'] = strings[j['cwd']]
    elif kind == 'end':
        j['files'] = [event(e) for e in j['files']]
    sys.stdout.write(json.dumps(j, separators=(',', ':'), ensure_ascii=False) + '\n')
