#!/usr/bin/env bash
# scripts/format.sh [--check]: formats every C++ source of the tree with the committed
# .clang-format (clang-format 14, Debian's). --check changes nothing and fails on the
# first file that is not formatted (what CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' '*.h')
if [ "${1:-}" = "--check" ]; then
  clang-format --dry-run -Werror "${files[@]}"
  echo "scripts/format.sh: ${#files[@]} files formatted"
else
  clang-format -i "${files[@]}"
fi
