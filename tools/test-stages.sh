# Sourced by tools/setup.sh test. Each stage builds one configuration in
# $build_root/<name> and runs its part of the suite; any failure stops the run.
# Variables from setup.sh: repo, build_root, jobs; function configure_build.

ctest_run() { # dir, then ctest args
  local dir=$1; shift
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" "$@"
}

stage_gcc() {
  log "stage gcc: -Werror build (RelWithDebInfo), full suite"
  CC=gcc configure_build "$build_root/gcc" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  ctest_run "$build_root/gcc" -LE 'package'
}

stage_clang() {
  log "stage clang: -Werror build, full suite"
  CC=clang configure_build "$build_root/clang" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  ctest_run "$build_root/clang" -LE 'package'
}

stage_package() {
  log "stage package: install to a temporary prefix, build consumers"
  ctest_run "$build_root/gcc" -L package
}

# The demo's configuration (tools/setup.sh demo): Release (-O3) finds
# warnings -O2 does not (gcc's object-size checks), and -Werror makes
# them build failures of the main job. Build only: the suite ran above.
stage_release() {
  log "stage release: the demo's build (Release, -Werror, examples), build only"
  CC=gcc configure_build "$build_root/release-check" -DCMAKE_BUILD_TYPE=Release \
    -DTICKET_BUILD_TESTS=OFF -DTICKET_BUILD_BENCH=OFF -DTICKET_BUILD_EXAMPLES=ON
}

# ---- Hardening stages (sanitizers, valgrind, constant time, fuzzing) ----
# See docs/SECURITY.md for what each one proves.

# Sanitizer runtime options: stop at the first report, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

stage_asan() {
  log "stage asan: clang, ASan + UBSan build, full suite"
  CC=clang configure_build "$build_root/asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTICKET_SANITIZE=address,undefined
  # package runs too: its consumer is built with the same -fsanitize flags
  # (tests/package). ctime is not built with sanitizers.
  ctest_run "$build_root/asan" -LE 'ctime'
}

stage_tsan() {
  log "stage tsan: clang, ThreadSanitizer build, the multi-threaded tests"
  CC=clang configure_build "$build_root/tsan" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTICKET_SANITIZE=thread -DTICKET_BUILD_BENCH=OFF
  ctest_run "$build_root/tsan" -L threads
}

# Memcheck over the C test executables of the gcc build (no sanitizers):
# any error or any definitely/indirectly lost block fails the test. Left
# out: tests whose command is a script (package, cli, anvil, contracts,
# fuzz_corpus_fresh, vectors_agree, and every demo_* test - demo_e2e,
# demo_e2e_prepay, ...: Python drivers of examples/run-demo.sh, so memcheck
# would watch the interpreter, not our code; their label e2e also holds C
# tests, e2e and sender_guide_sample, which do run here; the demo's C
# programs run under ASan/UBSan instead; memcheck_scripts_left refuses a
# script that is not excluded), ctime
# (runs valgrind itself), the benchmark smoke,
# crash (SIGKILLs children at random moments: under valgrind's slowdown
# they are killed before doing anything; fleet_procs, whose node processes
# also hold a redeemer lease of 3 s that valgrind's slowdown would expire), pg (the command is the
# tools/pg/tkpg.py driver, a Python script that starts a PostgreSQL server;
# the store code it drives runs under ASan/UBSan and TSan instead) and
# sender_keystore (its real
# scrypt fixtures take over 300 s under valgrind; fuzz_replay_keystore runs
# the same code with light KDF settings under memcheck instead). The
# multi-threaded tests run in a second pass with TK_TEST_ITERS=1 (valgrind
# serializes threads; one round still runs every code path).
tk_memcheck() { # dir, then ctest args
  local dir=$1; shift
  ctest --test-dir "$dir" -T memcheck -j"$jobs" --output-on-failure \
    --overwrite MemoryCheckCommand="$(command -v valgrind)" \
    --overwrite "MemoryCheckCommandOptions=--error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect --num-callers=40" \
    "$@"
}

# The tests that ctest args select in dir whose command is not a program
# built in dir (a script, an interpreter, cmake): printed, status 1 if any.
memcheck_scripts_left() { # dir, then ctest args
  local dir=$1; shift
  ctest --test-dir "$dir" --show-only=json-v1 "$@" | python3 -c '
import json, os, sys
build = os.path.realpath(sys.argv[1]) + os.sep
left = [t["name"] for t in json.load(sys.stdin)["tests"]
        if not os.path.realpath(t.get("command", [""])[0]).startswith(build)]
for name in left:
    print("memcheck would run a script-driven test: " + name, file=sys.stderr)
sys.exit(1 if left else 0)' "$dir"
}

stage_valgrind() {
  log "stage valgrind: memcheck on the suite (gcc build): zero errors, zero leaks"
  local dir=$build_root/gcc rc=0 f
  local skip_labels='package|ctime|cli|bench|crash|compile|anvil|contracts|pg'
  local skip_tests='^(demo_.*|fuzz_corpus_fresh|vectors_agree|sender_keystore)$'
  CC=gcc configure_build "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  # A new script-driven test must be excluded above, with its reason.
  memcheck_scripts_left "$dir" -LE "$skip_labels" -E "$skip_tests" || return 1
  rm -f "$dir"/Testing/Temporary/MemoryChecker.*.log
  tk_memcheck "$dir" -LE "$skip_labels|threads" -E "$skip_tests" || rc=$?
  if [ "$rc" -eq 0 ]; then
    TK_TEST_ITERS=1 tk_memcheck "$dir" -L threads -LE "$skip_labels" \
      -E "$skip_tests" || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    # ctest keeps valgrind's reports in per-test logs: show the bad ones.
    for f in "$dir"/Testing/Temporary/MemoryChecker.*.log; do
      if grep -qE 'ERROR SUMMARY: [1-9]|(definitely|indirectly) lost: [1-9]' "$f"; then
        echo "---- $f"
        cat "$f"
      fi
    done
    return "$rc"
  fi
}

stage_ctime() {
  log "stage ctime: valgrind constant-time test (key and secret undefined)"
  CC=gcc configure_build "$build_root/gcc" -DCMAKE_BUILD_TYPE=RelWithDebInfo
  # The test is skipped at configure time without valgrind: make sure it is
  # there, so that a missing valgrind cannot pass as "zero reports".
  local listed
  listed=$(ctest --test-dir "$build_root/gcc" -N -L ctime)
  case "$listed" in
    *"Total Tests: 0"*)
      echo "ctime test not configured (valgrind or its headers missing?)" >&2
      return 1 ;;
  esac
  ctest_run "$build_root/gcc" -L ctime
}

# Every fuzz_<target> from its committed corpus for a short smoke:
# TK_FUZZ_SECONDS each (default 10), at least 60 s in all.
stage_fuzz() {
  log "stage fuzz: libFuzzer + ASan + UBSan smoke of every fuzz target"
  local dir=$build_root/fuzz targets=() t per n name
  CC=clang configure_build "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTICKET_BUILD_FUZZ=ON -DTICKET_SANITIZE=address,undefined \
    -DTICKET_BUILD_TESTS=OFF -DTICKET_BUILD_BENCH=OFF -DTICKET_BUILD_EXAMPLES=OFF
  for t in "$dir"/tests/fuzz/fuzz_*; do
    [ -x "$t" ] && targets+=("$t")
  done
  n=${#targets[@]}
  [ "$n" -gt 0 ] || { echo "no fuzz targets built" >&2; return 1; }
  per=${TK_FUZZ_SECONDS:-10}
  [ $((per * n)) -ge 60 ] || per=$(( (60 + n - 1) / n ))
  mkdir -p "$dir/artifacts"
  for t in "${targets[@]}"; do
    name=$(basename "$t")
    log "fuzz: $name for ${per}s"
    # Crashing inputs land in $dir/artifacts; a finding fails the stage.
    if ! "$t" -max_total_time="$per" -timeout=25 -print_final_stats=1 \
         -artifact_prefix="$dir/artifacts/$name-" >"$dir/artifacts/$name.log" 2>&1; then
      tail -n 60 "$dir/artifacts/$name.log"
      echo "$name found a bug: the input is in $dir/artifacts" >&2
      return 1
    fi
    grep -E '^(Done|stat::number_of_executed_units)' "$dir/artifacts/$name.log" || true
  done
}

run_test_stages() {
  local stages=${TK_STAGES:-"gcc clang package release asan tsan valgrind ctime fuzz"}
  local s all_log=$build_root/stages.log passed failed
  : >"$all_log"
  for s in $stages; do
    # tee keeps a copy for the totals below; pipefail keeps the status.
    "stage_$s" 2>&1 | tee -a "$all_log"
  done
  log "all stages passed: $stages"
  # One closing line over every ctest run of every stage.
  passed=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' \
           "$all_log" | awk '{p += $1 - $2; f += $2} END {print p + 0}')
  failed=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of.*/\1/p' \
           "$all_log" | awk '{f += $1} END {print f + 0}')
  echo "libticket: $passed passed, $failed failed"
}
