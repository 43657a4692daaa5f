#!/usr/bin/env bash
# Installs graphrun's dependencies (Debian 12 packages) and builds it into build/.
# Idempotent: re-running only rebuilds what changed.
#   GRAPHRUN_SKIP_APT=1  skip the package installation (already done)
#   BUILD_DIR=dir        build elsewhere (default build)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake make pkg-config                          # toolchain
  libdnnl-dev libabsl-dev libprotobuf-dev protobuf-compiler zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev         # tests and benchmarks
  python3-matplotlib python3-numpy                   # optional: `graphrun plot`
  clang libclang-rt-14-dev libomp-dev                # tools/test.sh: sanitizers and libFuzzer
)

if [[ "${GRAPHRUN_SKIP_APT:-0}" != 1 ]]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)"
