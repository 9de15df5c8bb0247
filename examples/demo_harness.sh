# Sourced by run-demo.sh and run-demo-fleet.sh.
# demo_rerun HARNESS MESSAGE SCRIPT ARGS...: run SCRIPT ARGS again under a
# test harness (tools/chain/tkchain.py or tools/pg/tkpg.py `run`: it starts
# its server, exports where it is, and always stops it) and exit with its
# status; a missing tool (the harness's 77) prints MESSAGE and fails.
demo_rerun() {
  local harness=$1 message=$2 rc=0
  shift 2
  python3 "$harness" run -- bash "$@" || rc=$?
  if [ "$rc" = 77 ]; then
    echo "$message" >&2
    exit 1
  fi
  exit "$rc"
}
