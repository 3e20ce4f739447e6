#!/usr/bin/env bash
# scripts/test.sh: from a fresh clone to a green test suite: installs what is missing,
# checks the formatting, builds the `check` preset (Release, GIL assertions, -Werror) and
# runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
bash scripts/format.sh --check >/dev/null # first: a formatting slip fails in a second
cmake --preset check >/dev/null
cmake --build --preset check
ctest --preset check -j "$(nproc)"
