#!/usr/bin/env bash
# Every test graphrun has, as CI runs them on a fresh Debian 12 machine:
#   1. tools/setup.sh: the Debian packages and the Release build in build/
#   2. the unit tests on build/
#   3. build-asan/: a clang build with AddressSanitizer, UndefinedBehaviorSanitizer and
#      libFuzzer's coverage instrumentation (a unity build: twice as fast to compile);
#      the unit tests again under the sanitizers (any finding is fatal), and each fuzzer
#      replaying its committed corpus and regressions
#   4. the three fuzzers side by side for FUZZ_SECONDS (60) each, from a copy of their
#      committed corpus
# Parts 2 to 4 all run; the exit status is non-zero when any of them failed.
#   FUZZ_SECONDS=n       fuzzing time per target (0 skips part 4)
#   BUILD_DIR=dir        the Release build directory (default build; tools/setup.sh's)
#   SAN_BUILD_DIR=dir    the sanitizer build directory (default build-asan)
#   GRAPHRUN_SKIP_APT=1  passed on to tools/setup.sh
set -uo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds="${FUZZ_SECONDS:-60}"
build="${BUILD_DIR:-build}"
export BUILD_DIR="$build"  # tools/setup.sh builds there
san="${SAN_BUILD_DIR:-build-asan}"
jobs="$(nproc)"
failed=()
start=$SECONDS

step() { printf '\n=== test.sh [%dm%02ds] %s\n' $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) "$*"; }
fail() { failed+=("$1"); printf '=== test.sh: FAILED: %s\n' "$1"; }

step "setup: packages, Release build in $build/"
bash tools/setup.sh || { echo "test.sh: tools/setup.sh failed" >&2; exit 1; }

# Tests run two at a time (-j2) on two cores, and many start graphrun: one OpenMP thread
# each, or oneDNN's threads spin-waiting for a descheduled sibling make them 30× slower.
export OMP_NUM_THREADS=1

step "unit tests ($build/)"
ctest --test-dir "$build" --output-on-failure -j"$jobs" || fail "unit tests ($build/)"

step "sanitizer and fuzzer build ($san/: clang, ASan + UBSan + libFuzzer)"
# -O1 and line tables only: sanitized code that is quick to build and still gives
# readable stack traces.
configure() {
  CC=clang CXX=clang++ cmake -S . -B "$san" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" -DGRAPHRUN_SANITIZE=ON -DGRAPHRUN_FUZZ=ON \
    -DCMAKE_UNITY_BUILD="$1" >/dev/null
}
built=0
if configure ON && cmake --build "$san" -j"$jobs"; then
  built=1
else
  # A unity build compiles several files as one: two files of a library with a helper
  # of the same name in their anonymous namespaces collide. Rename one; meanwhile the
  # tests still run, file by file.
  echo "test.sh: the unity build of $san/ failed (names clashing between files of one library?);" \
       "building file by file" >&2
  fail "unity build of $san/ (see the compiler errors above)"
  configure OFF && cmake --build "$san" -j"$jobs" && built=1
fi

if ((built)); then
  export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
  step "unit tests under ASan + UBSan, fuzz corpora and regressions replayed ($san/)"
  ctest --test-dir "$san" --output-on-failure -j"$jobs" || fail "unit tests under the sanitizers"

  if ((fuzz_seconds > 0)); then
    # libFuzzer adds what it finds to its first corpus directory: a copy, so that the
    # committed corpus stays as it is (tests/fuzz/README.md says how to grow it).
    step "fuzzing model, checkpoint and npz for ${fuzz_seconds} s each, side by side"
    work="$san/fuzz-work"
    rm -rf "$work"
    pids=()
    for target in model checkpoint npz; do
      mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
      cp -r "tests/fuzz/corpus/$target/." "$work/$target/corpus/"
      dirs=("$work/$target/corpus")
      [[ -d "tests/fuzz/regressions/$target" ]] && dirs+=("tests/fuzz/regressions/$target")
      "$san/tests/fuzz/fuzz_$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$work/$target/artifacts/" "${dirs[@]}" \
        >"$work/$target/log" 2>&1 &
      pids+=($!)
    done
    i=0
    for target in model checkpoint npz; do
      if wait "${pids[$i]}"; then
        printf 'fuzz_%s: %s executions, %s new inputs, no finding\n' "$target" \
          "$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target/log")" \
          "$(sed -n 's/^stat::new_units_added: *//p' "$work/$target/log")"
      else
        tail -n 60 "$work/$target/log"
        fail "fuzz_$target: the input is in $work/$target/artifacts/ (tests/fuzz/README.md: a finding)"
      fi
      i=$((i + 1))
    done
  fi
else
  fail "sanitizer build ($san/)"
fi

step "done"
if ((${#failed[@]})); then
  printf 'test.sh: %d part(s) failed:\n' "${#failed[@]}"
  printf '  - %s\n' "${failed[@]}"
  exit 1
fi
echo "test.sh: everything passed"
