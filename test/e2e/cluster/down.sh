#!/usr/bin/env bash
# Stops exactly the processes up.sh started (by the PIDs in .cluster/pids/),
# then removes .cluster/. Safe to run when nothing is up.
#
# usage (from the repo root):  bash test/e2e/cluster/down.sh
# E2E_KEEP_STATE=1 keeps .cluster/ (logs, etcd data) for a post-mortem.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

D=$E2E_CLUSTER_DIR

# stop NAME: TERM, wait up to 15 s, then KILL.
stop() {
  local name=$1 pid i
  if ! pid_alive "$name"; then
    # No PID file, a dead PID, or a PID now owned by some other program:
    # in every case there is nothing of ours to stop.
    rm -f "$D/pids/$name.pid" "$D/pids/$name.exe"
    return 0
  fi
  pid=$(<"$D/pids/$name.pid")
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    proc_running "$pid" || break
    sleep 0.1
  done
  if proc_running "$pid"; then
    log "$name did not exit after TERM; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      proc_running "$pid" || break
      sleep 0.1
    done
  fi
  rm -f "$D/pids/$name.pid" "$D/pids/$name.exe"
}

if [[ -d $D/pids ]]; then
  # Reverse start order: clients first, etcd last.
  for ((idx = ${#E2E_COMPONENTS[@]} - 1; idx >= 0; idx--)); do
    stop "${E2E_COMPONENTS[idx]}"
  done
fi

if [[ ${E2E_KEEP_STATE:-0} == 1 ]]; then
  log "kept $D"
elif [[ -d $D ]]; then
  # Guard the rm -rf against an unset or odd E2E_CLUSTER_DIR.
  [[ $(basename "$D") == .cluster ]] || die "refusing to remove $D (not named .cluster)"
  rm -rf -- "$D"
  log "removed $D"
fi
log "down"
