#!/usr/bin/env bash
# scripts/sanitize.sh [PRESET...]: the suites in checking builds, as CI runs them.
#   asan  (default): every test, built with AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan           : the pure C++ engine tests, built with ThreadSanitizer
#   pydebug        : every test against Debian's debug CPython (python3.11-dbg), whose
#                    assertions catch Python API calls made without the GIL
# Sanitizer suppressions and options live in tests/sanitizers/ and are compiled into the
# programs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
for preset in "${@:-asan}"; do
  echo "== preset: $preset"
  (
    # Under ASan, Python allocates with malloc, so ASan sees every Python object too
    # (pymalloc's arenas would hide overflows inside them).
    [ "$preset" = asan ] && export PYTHONMALLOC=malloc
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    ctest --preset "$preset" -j "$(nproc)"
  )
done
