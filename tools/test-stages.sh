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

run_test_stages() {
  local stages=${TK_STAGES:-"gcc clang package"}
  local s
  for s in $stages; do
    "stage_$s"
  done
  log "all stages passed: $stages"
}
