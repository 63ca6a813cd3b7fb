#!/usr/bin/env bash
# scripts/fuzz.sh TARGET... : builds the libFuzzer targets of fuzz/ (ASan+UBSan,
# clang) in $FUZZ_BUILD and runs each for $FUZZ_SECONDS seconds, printing
#   fuzz: <target> <N> runs, <M> s, no crash
# Every target runs even after one crashes, so one report shows them all; the
# exit status is non-zero if any crashed. A crash leaves its input as
# $FUZZ_BUILD/<target>-crash-* (-timeout-*, -leak-*, -oom-* for those) and the
# full output in $FUZZ_BUILD/<target>.log. Called by `make fuzz` and `make fuzz-lint`.
set -uo pipefail

FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
JOBS=${JOBS:-$(nproc)}

if [ $# -eq 0 ]; then
  echo "usage: scripts/fuzz.sh TARGET... (lint_fuzz, migration_fuzz, expression_fuzz)" >&2
  exit 2
fi
cd "$(dirname "$0")/.." || exit 1
root=$(pwd)

# clang and libFuzzer are needed only here, so they are installed here, like
# the rest by scripts/setup-debian.sh (`make fuzz` runs that first).
if [ -z "${FUZZ_CXX:-}" ] && ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null |
  grep -q "install ok installed"; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "fuzz: installing clang-14 libclang-rt-14-dev"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends clang-14 libclang-rt-14-dev
fi

# Debian's clang-14 package installs only clang++-14; the clang package adds clang++.
cxx=${FUZZ_CXX:-}
if [ -z "$cxx" ]; then
  for candidate in clang++ clang++-14; do
    if command -v "$candidate" >/dev/null; then
      cxx=$candidate
      break
    fi
  done
fi
if [ -z "$cxx" ]; then
  echo "fuzz: no clang++ found; install clang-14 and libclang-rt-14-dev (libFuzzer)" >&2
  exit 1
fi

cmake -S . -B "$FUZZ_BUILD" -DCMAKE_CXX_COMPILER="$cxx" -DZS_FUZZ=ON -DZS_ASAN=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo || exit 1
cmake --build "$FUZZ_BUILD" -j "$JOBS" --target "$@" || exit 1

failed=0
for target in "$@"; do
  # lint_fuzz's seeds predate the others and live in fuzz/corpus.
  seeds=$root/fuzz/corpus-${target%_fuzz}
  [ "$target" = lint_fuzz ] && seeds=$root/fuzz/corpus
  if [ ! -d "$seeds" ]; then
    echo "fuzz: $target has no seed corpus $seeds" >&2
    exit 1
  fi
  # New inputs go to a corpus of the build tree, never into fuzz/.
  corpus=$FUZZ_BUILD/corpus-$target
  [ "$target" = lint_fuzz ] && corpus=$FUZZ_BUILD/corpus
  mkdir -p "$corpus"
  log=$FUZZ_BUILD/$target.log
  start=$(date +%s)
  "$FUZZ_BUILD/$target" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=4096 -artifact_prefix="$FUZZ_BUILD/$target-" "$corpus" "$seeds" >"$log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  # libFuzzer's own "Done N runs in M second(s)" when it finished; a crash
  # skips that line, so fall back to the wall clock.
  seconds=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  [ -n "$seconds" ] || seconds=$(($(date +%s) - start))
  if [ "$status" -eq 0 ]; then
    echo "fuzz: $target ${runs:-?} runs, $seconds s, no crash"
  else
    failed=1
    echo "fuzz: $target CRASHED (exit $status) after ${runs:-?} runs, $seconds s; log: $log"
    grep -E "^==[0-9]+==ERROR|^SUMMARY|runtime error|^artifact_prefix|Test unit written" "$log" |
      head -n 20 | sed 's/^/  /'
  fi
done
exit "$failed"
