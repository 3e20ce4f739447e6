#!/usr/bin/env bash
# scripts/test.sh: from a fresh clone to a green test suite: installs what is missing,
# builds the `check` preset (Release, GIL assertions, -Werror) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake --preset check >/dev/null
cmake --build --preset check
ctest --preset check -j "$(nproc)"
