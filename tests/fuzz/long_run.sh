#!/usr/bin/env bash
# The documented long fuzzing run (docs/SECURITY.md): every fuzz_<target>
# of a TICKET_BUILD_FUZZ build for a fixed number of executions, one after
# the other, from its committed corpus; prints one summary line per target.
#
#   tests/fuzz/long_run.sh BUILD_DIR [RUNS] [TARGET...]
#
# RUNS defaults to 10000000 per target. Findings (crash-*, leak-*, timeout-*
# files) go to BUILD_DIR/tests/fuzz/long-run/; a target's log is next to
# them. Exit status: 1 if any target found something.
set -uo pipefail

build=${1:?usage: long_run.sh BUILD_DIR [RUNS] [TARGET...]}
runs=${2:-10000000}
shift $(( $# >= 2 ? 2 : 1 ))
out=$build/tests/fuzz/long-run
mkdir -p "$out"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$t" ] && targets+=("$(basename "$t" | sed 's/^fuzz_//')")
  done
fi

status=0
printf '%-10s %12s %8s %s\n' target executions seconds result
for name in "${targets[@]}"; do
  bin=$build/tests/fuzz/fuzz_$name
  log=$out/$name.log
  start=$(date +%s)
  "$bin" -runs="$runs" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$out/$name-" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  result="no findings"
  if [ $rc -ne 0 ]; then
    result="FINDING (exit $rc; see $log)"
    status=1
  fi
  printf '%-10s %12s %8s %s\n' "$name" "${execs:-?}" "$secs" "$result"
done
exit $status
