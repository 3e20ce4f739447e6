#!/usr/bin/env bash
# scripts/demo.sh: from a fresh clone to the main job: installs what is missing, builds
# Release and runs gil_demo on the built-in corpus (the guide's benchmark text).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
gil_demo=build/release/app/gil_demo

echo
echo "== gil_demo wordcount --variant all (the guide's corpus: Zen of Python x1000, needle 'is')"
"$gil_demo" wordcount --variant all

echo
echo "== gil_demo userids (the guide's UserID example: GIL released, taken back by each worker)"
"$gil_demo" userids

echo
echo "== gil_demo deadlock (the deadlock the guide warns about, in a watched child process)"
"$gil_demo" deadlock

echo
echo "== gil_demo bench (the guide's benchmark from the embedded host: about 1 s per row)"
"$gil_demo" bench
