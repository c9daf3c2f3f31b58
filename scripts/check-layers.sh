#!/usr/bin/env bash
# Fails when a folder reaches up: every library folder may include headers from, and link to,
# only itself and the folders below it. The order, bottom first, is the architecture of the
# README: base toolchain recording record diff report audit cli.
# Usage: scripts/check-layers.sh [ROOT]     Exit status 0 when no include or link runs upward.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
layers=(base toolchain recording record diff report audit cli)
declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done

problems=0 includes=0
for from in "${layers[@]}"; do
  [[ -d $root/$from ]] || { echo "check-layers: $from/ is missing"; problems=$((problems + 1)); continue; }
  # FILE:LINE:FOLDER for each include of a "folder/..." header (one sed for them all).
  while IFS=: read -r file line to; do
    [[ -n ${rank[$to]:-} ]] || continue
    includes=$((includes + 1))
    if ((rank[$to] > rank[$from])); then
      echo "check-layers: ${file#"$root"/}:$line includes from $to/, a layer above $from/"
      problems=$((problems + 1))
    fi
  done < <({ grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^/"]+/' \
               "$root/$from"/*.h "$root/$from"/*.cc 2>/dev/null || true; } |
           sed -E 's/^([^:]*):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*"([^/"]+)\/.*/\1:\2:\3/')
  # Links: buildiff_<layer> names in the folder's CMakeLists.txt.
  if [[ -f $root/$from/CMakeLists.txt ]]; then
    for to in $(grep -oE 'buildiff_[a-z]+' "$root/$from/CMakeLists.txt" | sed 's/buildiff_//' | sort -u); do
      [[ -n ${rank[$to]:-} ]] || continue
      if ((rank[$to] > rank[$from])); then
        echo "check-layers: $from/CMakeLists.txt links to buildiff_$to, a layer above $from/"
        problems=$((problems + 1))
      fi
    done
  fi
done
if ((problems)); then
  echo "check-layers: $problems upward reference(s); the order, bottom first: ${layers[*]}"
  exit 1
fi
echo "check-layers: $includes includes between layers, none upward (${layers[*]})"
