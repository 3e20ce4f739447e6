#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: builds the libFuzzer target of the engine (clang, ASan+UBSan)
# and runs it for SECONDS (default 60) from the seed corpus in tests/fuzz/corpus. New
# inputs go to a scratch corpus; a crash leaves its input in build/fuzz/ and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"

bash scripts/deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
work="build/fuzz/corpus"
mkdir -p "$work"
cd build/fuzz
# -max_len lets texts span many SIMD blocks and cuts.
./tests/fuzz/fuzz_word_count "corpus" "../../tests/fuzz/corpus" \
  -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix=./
