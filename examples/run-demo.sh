#!/usr/bin/env bash
# Run the broadcaster -> transcoder demo from an existing build.
#   usage: examples/run-demo.sh [--dev-chain] BUILD_DIR [SEGMENTS]
#          examples/run-demo.sh --fleet BUILD_DIR [SEGMENTS]
# (--fleet: two transcoders on one PostgreSQL database, one SIGKILLed
# mid-stream: examples/run-demo-fleet.sh.)
# Starts the transcoder on a free loopback port, runs the broadcaster for
# SEGMENTS segments (default 20), stops the transcoder (SIGTERM: it prints
# its summary) and exits non-zero if either side failed or the
# transcoder's books do not balance. Builds nothing.
# On a real node (the default): anvil on 127.0.0.1 started and always
# stopped by tools/chain/tkchain.py, the test contracts deployed; the
# broadcaster (dev account 1) funds its deposit and reserve on-chain, the
# transcoder (recipient: dev account 2) validates payments against its RPC
# chain view and, once the params expired (the script mines the blocks),
# redeems every winner on-chain, gas paid by dev account 3; then
# demo_chain_check.py checks by reading the chain that every stored winner
# is usedTickets and the recipient's balance grew by exactly their face
# values. --dev-chain: both sides on an in-process dev chain instead (the
# transcoder prints the redemption calldata it would send).
# Environment: DEMO_WORKDIR keeps the winner store and logs there (default:
# a temporary directory, removed afterwards); DEMO_BROADCASTER_ARGS adds
# broadcaster options (e.g. --prepay: pay the whole job up front).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "--fleet" ]; then
  # Two transcoders on one PostgreSQL database: run-demo-fleet.sh.
  shift
  exec bash "$here/run-demo-fleet.sh" "$@"
fi
dev_chain=0
if [ "${1:-}" = "--dev-chain" ]; then
  dev_chain=1
  shift
fi
if [ "$dev_chain" = 0 ] && [ -z "${TK_ANVIL_URL:-}" ]; then
  # Again under the chain harness: it starts anvil, deploys, exports
  # TK_ANVIL_URL, TK_CONTROLLER, TK_DEV_KEYS, ... and stops anvil after.
  source "$here/demo_harness.sh"
  demo_rerun "$here/../tools/chain/tkchain.py" \
    "run-demo: anvil is not installed: bash tools/setup.sh demo installs it (or run the demo with --dev-chain)" \
    "$0" "$@"
fi

build=${1:-}
segments=${2:-20}
if [ -z "$build" ] || [ ! -x "$build/examples/transcoder" ] ||
   [ ! -x "$build/examples/broadcaster" ]; then
  echo "usage: $0 [--dev-chain] BUILD_DIR [SEGMENTS]  (build with -DTICKET_BUILD_EXAMPLES=ON first)" >&2
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

# The real node's accounts (tkchain.py: anvil's dev keys) and flags.
tflags=() bflags=() check="python3 $here/demo_chain_check.py"
if [ "$dev_chain" = 0 ]; then
  IFS=, read -r -a keys <<<"$TK_DEV_KEYS"
  IFS=, read -r -a accounts <<<"$TK_DEV_ACCOUNTS"
  common=(--rpc "$TK_ANVIL_URL" --controller "$TK_CONTROLLER" --chain-id "$TK_CHAIN_ID")
  bflags=("${common[@]}" --key "${keys[1]}")
  tflags=("${common[@]}" --key "${keys[2]}" --redeem-key "${keys[3]}")
  recipient=${accounts[2]}
  balance_before=$($check balance "$recipient")
  echo "run-demo: anvil at $TK_ANVIL_URL, TicketBroker $TK_TICKET_BROKER," \
       "recipient $recipient (balance $balance_before wei)"
fi

"$build/examples/transcoder" --port 0 --port-file "$work/port" \
  --store "$work/winners.db" "${tflags[@]}" > >(tee "$work/transcoder.log") 2>&1 &
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
  --segments "$segments" --replay ${DEMO_BROADCASTER_ARGS:-} "${bflags[@]}" 2>&1 | tee "$work/broadcaster.log" || brc=$?  # pipefail

# A real chain moves on: 41 blocks take the winners' params past their
# expiration block (last block + 40), so the transcoder may reveal them.
[ "$dev_chain" = 1 ] || $check mine 41

kill -TERM "$tpid"
trc=0
wait "$tpid" || trc=$?
tpid=
sleep 0.1   # let tee flush the summary

if [ "$brc" -ne 0 ] || [ "$trc" -ne 0 ]; then
  echo "run-demo: FAILED (broadcaster exit $brc, transcoder exit $trc)" >&2
  exit 1
fi
if [ "$dev_chain" = 0 ] &&
   ! $check verify "$build/tools/ticketctl/ticketctl" "$work/winners.db" \
       "$recipient" "$balance_before"; then
  echo "run-demo: FAILED (the chain does not show the redemptions)" >&2
  exit 1
fi
echo "run-demo: OK"
