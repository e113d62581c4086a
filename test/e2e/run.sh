#!/usr/bin/env bash
# npm run test:e2e: the end-to-end scenarios on a real control plane and a real
# Metacontroller (test/e2e/cluster/), against the hook server built from this tree.
#
#   1. bring the cluster up (idempotent: a warm cluster is reused)
#   2. build, and start the hook server on 127.0.0.1:18080 (the port
#      manifests/overlays/local points Metacontroller at)
#   3. apply manifests/overlays/local (CRD + CompositeController)
#   4. run test/e2e/scenarios/*.test.ts in order, one at a time
#
# usage (from anywhere):  bash test/e2e/run.sh [SCENARIO_FILE...]
#   E2E_TEARDOWN=1         tear the cluster down at the end (CI); default: leave it up
#   E2E_FRESH=1            tear a running cluster down first: a cold start
#   E2E_KEEP_NAMESPACES=1  keep each scenario's namespaces for inspection (the next run
#                          deletes them)
#   E2E_VERBOSE=1          print each scenario step as it happens
# Logs: .cluster/logs/hooks.log (hook server), .cluster/logs/<component>.log (coredns.log:
# the cluster DNS, every query).
# Edit this file by replacing it (write a copy, then mv): bash reads a running script
# as it goes, so an in-place edit breaks a run in progress.
# Exit code: the test runner's (or the failing setup step's).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

HOOK_PORT=18080 # fixed by manifests/overlays/local/kustomization.yaml
HOOK_URL="http://127.0.0.1:$HOOK_PORT"
E2E_LABEL=stellar-peers-e2e # see test/e2e/support/scenario.ts
HOOK_PID_FILE=.cluster/pids/hooks.pid
HOOK_LOG=.cluster/logs/hooks.log

started=$SECONDS
log() { printf '[e2e-run %s +%ss] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - started))" "$*" >&2; }

# hook_alive: the PID file names a live process that is our hook server.
hook_alive() {
  local pid
  [[ -s $HOOK_PID_FILE ]] || return 1
  pid=$(<"$HOOK_PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'dist/hooks/main.js'
}

stop_hooks() {
  local pid i
  if hook_alive; then
    pid=$(<"$HOOK_PID_FILE")
    log "stopping the hook server (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$HOOK_PID_FILE"
}

have_lock=0
recycler_pid=""
on_exit() {
  local rc=$?
  set +e
  # Without the lock, the hook server and the cluster may be another run's.
  if ((have_lock)); then
    [[ -z $recycler_pid ]] || kill "$recycler_pid" 2>/dev/null
    stop_hooks
  fi
  if ((have_lock)) && [[ ${E2E_TEARDOWN:-0} == 1 ]]; then
    log "E2E_TEARDOWN=1: tearing the cluster down"
    bash test/e2e/cluster/down.sh 9>&-
  fi
  log "finished with exit code $rc after $((SECONDS - started)) s"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One run at a time: scenarios share the cluster and the hook server's port, and clean up
# namespaces of earlier runs; and a run with E2E_TEARDOWN=1 takes the cluster down at its
# end. So the lock is taken before the cluster is brought up, and held until exit.
# Nothing started from here may inherit its file descriptor (9>&-): a component of the
# cluster, which outlives this script, would hold the lock forever.
exec 9>"${TMPDIR:-/tmp}/stellar-peers-e2e.lock"
if ! flock -n 9; then
  log "another e2e run holds the lock; waiting for it"
  flock 9
fi
have_lock=1

# --- 1. cluster -----------------------------------------------------------------
if [[ ${E2E_FRESH:-0} == 1 ]]; then
  # A cold start, e.g. to measure one. down.sh forgets a Metacontroller binary given
  # through E2E_METACONTROLLER_BIN (up.sh remembers it in .cluster/): pass it on.
  if [[ -z ${E2E_METACONTROLLER_BIN:-} && -s .cluster/metacontroller-bin ]]; then
    E2E_METACONTROLLER_BIN=$(<.cluster/metacontroller-bin)
    export E2E_METACONTROLLER_BIN
  fi
  log "E2E_FRESH=1: tearing the cluster down first"
  bash test/e2e/cluster/down.sh 9>&-
fi
log "bringing the cluster up"
bash test/e2e/cluster/up.sh 9>&-
set -a
# shellcheck source=/dev/null
source .cluster/env
set +a
[[ -x ${KUBECTL:-} ]] || { log "ERROR: .cluster/env names no executable KUBECTL"; exit 1; }
log "cluster up"

# Metacontroller runs from a binary given with E2E_METACONTROLLER_BIN (for example copied
# out of its release image, as .github/workflows/ci.yaml does): its go.mod declares the
# module path `metacontroller`, so no Go toolchain can fetch it by its GitHub path and
# test/e2e/cluster/build.sh does not build it. Without a binary, only the scenarios that
# need no controller run, and the runner says so: the others are not run, not passed.
# E2E_REQUIRE_METACONTROLLER=1 makes its absence an error instead.
NO_CONTROLLER_SCENARIOS=(
  test/e2e/scenarios/09-manifests-dry-run.test.ts
  test/e2e/scenarios/16-dns-harness.test.ts
)
if [[ ${E2E_METACONTROLLER:-} != running ]]; then
  if [[ ${E2E_REQUIRE_METACONTROLLER:-0} == 1 ]]; then
    log "ERROR: Metacontroller is not running (E2E_METACONTROLLER=${E2E_METACONTROLLER:-unset}); see .cluster/logs/"
    exit 1
  fi
  cat >&2 <<'NOTICE'
================================================================================
No Metacontroller binary given (E2E_METACONTROLLER_BIN), so only the scenarios
that need no controller run: the server-side dry-run of every manifest and the
cluster DNS. The scenarios of the StellarNode loop are NOT run. To run them all,
give a Metacontroller v4.17.2 binary, for example copied out of its release
image ghcr.io/metacontroller/metacontroller:v4.17.2 (/usr/bin/metacontroller):
  E2E_METACONTROLLER_BIN=/path/to/metacontroller npm run test:e2e
================================================================================
NOTICE
  if (($# == 0)); then set -- "${NO_CONTROLLER_SCENARIOS[@]}"; fi
fi

# --- 2. hook server -------------------------------------------------------------
log "building"
npm run --silent build
stop_hooks # one left behind by an interrupted run
if (exec 3<>"/dev/tcp/127.0.0.1/$HOOK_PORT") 2>/dev/null; then
  log "ERROR: 127.0.0.1:$HOOK_PORT is in use by another process; the local overlay needs it"
  exit 1
fi
mkdir -p .cluster/logs .cluster/pids
echo "=== $(date -Is) starting the hook server" >>"$HOOK_LOG"
# SHUTDOWN_GRACE_SECONDS=0: no Service endpoints to drain here; stop at once.
# SIDECAR_IMAGE: any reference will do; kwok runs no containers.
# COORDINATED_ROLLOUT: on unless E2E_COORDINATED_ROLLOUT=off (the product's default is off;
# the suite runs the coordinated path, which a real Metacontroller must drive).
PORT=$HOOK_PORT HOST=127.0.0.1 LOG_LEVEL=debug SHUTDOWN_GRACE_SECONDS=0 SIDECAR_IMAGE=stellar-peers:e2e \
  COORDINATED_ROLLOUT="${E2E_COORDINATED_ROLLOUT:-on}" node dist/hooks/main.js >>"$HOOK_LOG" 2>&1 </dev/null 9>&- &
echo $! >"$HOOK_PID_FILE"
for ((i = 0; ; i++)); do
  curl -fsS "$HOOK_URL/readyz" >/dev/null 2>&1 && break
  if ! hook_alive || ((i >= 60)); then
    tail -n 30 "$HOOK_LOG" >&2
    log "ERROR: the hook server did not become ready on $HOOK_URL (log: $HOOK_LOG)"
    exit 1
  fi
  sleep 0.5
done
log "hook server ready on $HOOK_URL (pid $(<"$HOOK_PID_FILE"))"

# --- 3. the product's CRD and CompositeController -------------------------------
"$KUBECTL" apply -k manifests/overlays/local
"$KUBECTL" wait --for=condition=Established --timeout=60s crd/stellarnodes.stellar.org

# Namespaces left by an earlier run (interrupted, or E2E_KEEP_NAMESPACES=1), then the
# pool's PersistentVolumes their claims held: they are Retain, so Released until recycled.
leftover=$("$KUBECTL" get namespaces -l "$E2E_LABEL=true" -o name)
if [[ -n $leftover ]]; then
  log "deleting namespaces of an earlier run: $(echo "$leftover" | tr '\n' ' ')"
  # shellcheck disable=SC2086 # one word per namespace
  "$KUBECTL" delete $leftover --wait=false --ignore-not-found >/dev/null
  # shellcheck disable=SC2086
  "$KUBECTL" wait --for=delete $leftover --timeout=180s >/dev/null ||
    log "WARNING: some old namespaces are still terminating; their volumes stay Released"
fi
bash test/e2e/cluster/recycle-pvs.sh

# --- 4. scenarios -----------------------------------------------------------------
if (($# > 0)); then
  scenarios=("$@")
else
  scenarios=(test/e2e/scenarios/*.test.ts)
fi
# A run uses more validators than the pool has volumes (E2E_PV_COUNT, 64): each scenario deletes its
# namespaces as it ends, and this returns their Released volumes to the pool meanwhile.
(while sleep 5; do bash test/e2e/cluster/recycle-pvs.sh >/dev/null 2>&1 || true; done) 9>&- &
recycler_pid=$!
log "running ${#scenarios[@]} scenario file(s)"
tests_started=$SECONDS
set +e
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${scenarios[@]}" 9>&-
rc=$?
set -e
log "scenarios finished in $((SECONDS - tests_started)) s with exit code $rc"
exit "$rc"
