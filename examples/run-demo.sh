#!/usr/bin/env bash
# Run the broadcaster -> transcoder demo from an existing build.
#   usage: examples/run-demo.sh BUILD_DIR [SEGMENTS]
# Starts the transcoder on a free loopback port, runs the broadcaster for
# SEGMENTS segments (default 20), stops the transcoder (SIGTERM: it prints
# its summary and the redemption calldata) and exits non-zero if either
# side failed or the transcoder's books do not balance. Builds nothing.
# Environment: DEMO_WORKDIR keeps the winner store and logs there (default:
# a temporary directory, removed afterwards); DEMO_BROADCASTER_ARGS adds
# broadcaster options (e.g. --prepay: pay the whole job up front).
set -euo pipefail

build=${1:-}
segments=${2:-20}
if [ -z "$build" ] || [ ! -x "$build/examples/transcoder" ] ||
   [ ! -x "$build/examples/broadcaster" ]; then
  echo "usage: $0 BUILD_DIR [SEGMENTS]  (build with -DTICKET_BUILD_EXAMPLES=ON first)" >&2
  exit 2
fi

if [ -n "${DEMO_WORKDIR:-}" ]; then
  work=$DEMO_WORKDIR
  mkdir -p "$work"
  rm -f "$work"/winners.db "$work"/winners.db-* "$work"/port "$work"/*.log
else
  work=$(mktemp -d)
fi
tpid=
cleanup() {
  if [ -n "$tpid" ] && kill -0 "$tpid" 2>/dev/null; then
    kill -TERM "$tpid" 2>/dev/null || true
    wait "$tpid" 2>/dev/null || true
  fi
  [ -n "${DEMO_WORKDIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

"$build/examples/transcoder" --port 0 --port-file "$work/port" \
  --store "$work/winners.db" > >(tee "$work/transcoder.log") 2>&1 &
tpid=$!

for _ in $(seq 100); do   # up to 10 s for the server to listen
  [ -s "$work/port" ] && break
  kill -0 "$tpid" 2>/dev/null || { echo "run-demo: transcoder exited" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/port" ] || { echo "run-demo: transcoder did not start" >&2; exit 1; }
port=$(cat "$work/port")

brc=0
# --replay: a captured request sent again must be refused (and cost nothing).
"$build/examples/broadcaster" --url "http://127.0.0.1:$port" \
  --segments "$segments" --replay ${DEMO_BROADCASTER_ARGS:-} 2>&1 | tee "$work/broadcaster.log" || brc=$?  # pipefail

kill -TERM "$tpid"
trc=0
wait "$tpid" || trc=$?
tpid=
sleep 0.1   # let tee flush the summary

if [ "$brc" -ne 0 ] || [ "$trc" -ne 0 ]; then
  echo "run-demo: FAILED (broadcaster exit $brc, transcoder exit $trc)" >&2
  exit 1
fi
echo "run-demo: OK"
