#!/usr/bin/env bash
# scripts/sanitize.sh: the suites under sanitizers, as CI runs them.
#   asan  (default): every test, built with AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan           : the pure C++ engine tests, built with ThreadSanitizer
# Suppressions and options live in tests/sanitizers/ and are compiled into the programs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
for preset in "${@:-asan}"; do
  echo "== sanitizer preset: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" -j "$(nproc)"
done
