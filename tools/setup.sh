#!/usr/bin/env bash
# libticket set-up: install what is missing (Debian 12, as root), build, and
#   demo  run the end-to-end broadcaster -> transcoder demo (the main job)
#   demo --fleet  the demo's fleet mode: two transcoders on one PostgreSQL
#         database, one SIGKILLed mid-stream (also installs postgresql-15)
#   test  run the whole test suite: gcc and clang -Werror builds, sanitizers,
#         valgrind, package consumer, fuzz smoke, bench smoke
# Usage: bash tools/setup.sh demo [--fleet]|test
# Environment: TK_BUILD_ROOT (default: build/ in the repo), TK_SKIP_INSTALL=1.
set -euo pipefail

mode=${1:-}
fleet=${2:-}
case "$mode:$fleet" in
  demo:|demo:--fleet|test:) ;;
  *) echo "usage: bash tools/setup.sh demo [--fleet]|test" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_root=${TK_BUILD_ROOT:-$repo/build}
jobs=$(nproc 2>/dev/null || echo 2)

log() { printf '\n==> %s\n' "$*"; }

# ---- 1. Debian packages -------------------------------------------------
# python3: the demo runs on anvil through tools/chain/tkchain.py.
runtime_pkgs=(build-essential cmake pkg-config
  libsecp256k1-dev libssl-dev libgmp-dev libsqlite3-dev
  libprotobuf-c-dev protobuf-c-compiler libjansson-dev
  libmicrohttpd-dev libcurl4-openssl-dev libpq-dev python3)
# postgresql-15: the server the PostgreSQL store tests start privately
# (tools/pg/tkpg.py: initdb in a temporary directory, never the Debian
# cluster).
test_pkgs=(clang libclang-rt-14-dev llvm libcmocka-dev sqlite3 python3 valgrind
  postgresql-15)

install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all Debian packages present"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

if [ "${TK_SKIP_INSTALL:-0}" != 1 ]; then
  if [ "$mode" = demo ]; then
    # cmocka is needed to configure the tests, which the demo build skips.
    # --fleet: the PostgreSQL server too (tools/pg/tkpg.py starts a
    # throwaway cluster; the Debian cluster is never used).
    if [ -n "$fleet" ]; then
      install_missing "${runtime_pkgs[@]}" postgresql-15
    else
      install_missing "${runtime_pkgs[@]}"
    fi
  else
    install_missing "${runtime_pkgs[@]}" "${test_pkgs[@]}"
  fi
fi

# ---- 1b. The test chain's tools (npm, pinned in tools/chain/package-lock.json)
# anvil (a real Ethereum node) and solc-js. Installed with npm ci, once per
# lock file: a stamp holding the lock's checksum makes the next run instant.
install_chain_tools() {
  local dir=$repo/tools/chain stamp sum
  if ! command -v npm >/dev/null 2>&1; then
    if [ "${TK_SKIP_INSTALL:-0}" = 1 ]; then
      echo "npm is missing (TK_SKIP_INSTALL=1: not installing nodejs/npm)" >&2
      exit 1
    fi
    install_missing nodejs npm
  fi
  stamp=$dir/node_modules/.tk-lock.sha256
  sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] \
     && [ -x "$dir/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]; then
    log "chain tools present (anvil, solc-js)"
    return
  fi
  log "installing the chain tools (npm ci in tools/chain)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sum" >"$stamp"
}
install_chain_tools
# From here on a missing anvil or solc-js fails the tests instead of skipping.
export TK_REQUIRE_CHAIN=1

# From here on a missing PostgreSQL fails the pg tests instead of skipping.
[ "$mode" = test ] && export TK_REQUIRE_PG=1

# ---- 2. Build helpers ----------------------------------------------------
configure_build() { # dir, then extra cmake args
  local dir=$1; shift
  cmake -S "$repo" -B "$dir" -DTICKET_WERROR=ON "$@" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j"$jobs"
}

mkdir -p "$build_root"

if [ "$mode" = demo ]; then
  log "building (Release)"
  configure_build "$build_root/release" -DCMAKE_BUILD_TYPE=Release \
    -DTICKET_BUILD_TESTS=OFF -DTICKET_BUILD_BENCH=OFF -DTICKET_BUILD_EXAMPLES=ON
  if [ -n "$fleet" ]; then
    log "running the fleet demo: two transcoders on PostgreSQL, anvil (examples/README.md)"
    exec bash "$repo/examples/run-demo.sh" --fleet "$build_root/release"
  fi
  log "running the broadcaster -> transcoder demo on anvil (examples/README.md)"
  exec bash "$repo/examples/run-demo.sh" "$build_root/release"
fi

# ---- 3. The test suite ----------------------------------------------------
source "$repo/tools/test-stages.sh"
run_test_stages
