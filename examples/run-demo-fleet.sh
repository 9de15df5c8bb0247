#!/usr/bin/env bash
# The demo's fleet mode (run-demo.sh --fleet BUILD_DIR [SEGMENTS]): two
# transcoder processes on one PostgreSQL database, paid by one broadcaster.
#   usage: examples/run-demo-fleet.sh BUILD_DIR [SEGMENTS]   (default 40)
# A throwaway PostgreSQL cluster (tools/pg/tkpg.py) and anvil
# (tools/chain/tkchain.py), both always stopped. Both transcoders are the
# same recipient (dev account 2) with one recipient secret (a random one,
# in a 0600 file): each honours the params the other issued, and the
# database's seen nonces and request seqs decide replays across them.
# The broadcaster pays node 1; halfway through, node 1 is SIGKILLed; the
# broadcaster's next request gets no answer, it fails over to node 2, and
# later replays
# the last request node 1 served to node 2, which must refuse it. Node 1's
# winners survive in the database. Both nodes run the fleet's redeemer
# (--fleet-node: the store's redeemer lease, eth_fleet.h); node 1 holds
# the lease when it dies, node 2 takes it over once it expired and, after
# the script mined past the params' expiration, redeems every winner on
# chain, node 1's too: one redeemer for the address. demo_fleet_check.py
# checks the fleet's books against the database (see there), and
# demo_chain_check.py that every winner in the database is usedTickets
# and the recipient's balance grew by exactly their face values. Builds
# nothing.
# Environment: DEMO_WORKDIR keeps logs and the secret there (default: a
# temporary directory, removed afterwards).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tools=$here/../tools
source "$here/demo_harness.sh"
# Under the PostgreSQL harness (it exports TK_PG_CONNINFO, TK_PG_BIN),
# then under the chain harness (TK_ANVIL_URL, TK_DEV_KEYS, ...).
if [ -z "${TK_PG_CONNINFO:-}" ]; then
  demo_rerun "$tools/pg/tkpg.py" \
    "run-demo --fleet: PostgreSQL is not installed: bash tools/setup.sh demo --fleet installs it" \
    "$0" "$@"
fi
if [ -z "${TK_ANVIL_URL:-}" ]; then
  demo_rerun "$tools/chain/tkchain.py" \
    "run-demo --fleet: anvil is not installed: bash tools/setup.sh demo --fleet installs it" \
    "$0" "$@"
fi

build=${1:-}
segments=${2:-40}
if [ -z "$build" ] || [ ! -x "$build/examples/transcoder" ] ||
   [ ! -x "$build/examples/broadcaster" ] || [ "$segments" -lt 4 ]; then
  echo "usage: $0 BUILD_DIR [SEGMENTS >= 4]  (build with -DTICKET_BUILD_EXAMPLES=ON first)" >&2
  exit 2
fi

if [ -n "${DEMO_WORKDIR:-}" ]; then
  work=$DEMO_WORKDIR
  mkdir -p "$work"
  rm -f "$work"/port* "$work"/*.log "$work"/secret "$work"/resume
else
  work=$(mktemp -d)
fi
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  [ -n "${DEMO_WORKDIR:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# The database as a postgresql:// URI (the form the transcoder's and
# ticketctl's --store take): tkpg.py's keyword=value string rewritten.
declare -A kv
for pair in $TK_PG_CONNINFO; do kv[${pair%%=*}]=${pair#*=}; done
store="postgresql://${kv[user]}@/${kv[dbname]}?host=${kv[host]}&port=${kv[port]}"

# The fleet's recipient secret, readable by this user only.
(umask 077 && printf '0x%s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" \
   >"$work/secret")

IFS=, read -r -a keys <<<"$TK_DEV_KEYS"
IFS=, read -r -a accounts <<<"$TK_DEV_ACCOUNTS"
common=(--rpc "$TK_ANVIL_URL" --controller "$TK_CONTROLLER" --chain-id "$TK_CHAIN_ID")
recipient=${accounts[2]}
check="python3 $here/demo_chain_check.py"
balance_before=$($check balance "$recipient")
echo "run-demo --fleet: anvil at $TK_ANVIL_URL, PostgreSQL at ${kv[host]}," \
     "recipient $recipient (balance $balance_before wei), $segments segments"

# Node k: its output prefixed with [node k], kept in node<k>.log.
start_node() {
  local k=$1
  "$build/examples/transcoder" --port 0 --port-file "$work/port$k" --store "$store" \
    --secret-file "$work/secret" "${common[@]}" --key "${keys[2]}" \
    --redeem-key "${keys[3]}" --fleet-node "node$k" \
    > >(sed -u "s/^/[node $k] /" | tee "$work/node$k.log") 2>&1 &
  pids[$k]=$!
}
wait_port() {
  local k=$1
  for _ in $(seq 100); do   # up to 10 s for the server to listen
    [ -s "$work/port$k" ] && { cat "$work/port$k"; return 0; }
    kill -0 "${pids[$k]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "run-demo --fleet: node $k did not start" >&2
  return 1
}
# Node 1 first, until it holds the redeemer lease; then node 2, which
# waits for it (and takes it over once node 1 is dead).
start_node 1
port1=$(wait_port 1)
for _ in $(seq 100); do
  grep -q "redeemer lease: leading" "$work/node1.log" 2>/dev/null && break
  sleep 0.1
done
start_node 2
port2=$(wait_port 2)

# Halfway the broadcaster holds still (--pause-after) while node 1 is
# SIGKILLed: the same point of the stream in every run, however busy the
# machine; its next request finds node 1 gone.
half=$((segments / 2))
"$build/examples/broadcaster" --url "http://127.0.0.1:$port1" \
  --url "http://127.0.0.1:$port2" --segments "$segments" --replay \
  --pause-after "$half" "$work/resume" \
  --key "${keys[1]}" "${common[@]}" > >(tee "$work/broadcaster.log") 2>&1 &
pids[0]=$!

until grep -q "^\[broadcaster\] paused after segment $half " \
        "$work/broadcaster.log" 2>/dev/null; do
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.02
done
if kill -KILL "${pids[1]}" 2>/dev/null; then
  echo "run-demo --fleet: SIGKILLed node 1 (pid ${pids[1]}) after segment $half"
fi
wait "${pids[1]}" 2>/dev/null || true
touch "$work/resume"
brc=0
wait "${pids[0]}" || brc=$?

# The fleet's books against the database, before the chain moves on (no
# seen nonce is pruned yet).
fleet_ok=1
python3 "$here/demo_fleet_check.py" "$work" || fleet_ok=0
# 41 blocks take the winners' params past their expiration block: node 2
# may reveal them; on SIGTERM it prints its summary and redeems every
# winner in the database, node 1's included.
$check mine 41
kill -TERM "${pids[2]}"
trc=0
wait "${pids[2]}" || trc=$?
sleep 0.1   # let tee flush the summary

if [ "$brc" -ne 0 ] || [ "$trc" -ne 0 ]; then
  echo "run-demo --fleet: FAILED (broadcaster exit $brc, node 2 exit $trc)" >&2
  exit 1
fi
if [ "$fleet_ok" = 0 ]; then
  echo "run-demo --fleet: FAILED (the fleet's books do not match the database)" >&2
  exit 1
fi
if ! $check verify "$build/tools/ticketctl/ticketctl" "$store" "$recipient" \
       "$balance_before"; then
  echo "run-demo --fleet: FAILED (the chain does not show the redemptions)" >&2
  exit 1
fi
echo "run-demo --fleet: OK"
