#!/usr/bin/env bash
# scripts/deps.sh: installs the Debian packages gilsafe needs, when any is missing.
# Idempotent: with everything present it only asks dpkg, quietly, and returns.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  python3 python3-dev
  pybind11-dev libtbb-dev libsimdjson-dev libcli11-dev libgtest-dev libbenchmark-dev
  python3-pytest python3-pytest-benchmark python3-matplotlib python3-numpy
  python3-dask python3-distributed
  util-linux procps time
  clang libclang-rt-14-dev clang-format
  python3.11-dbg libpython3.11-dbg
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "scripts/deps.sh: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
