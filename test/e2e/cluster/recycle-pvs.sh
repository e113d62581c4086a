#!/usr/bin/env bash
# Returns Released PersistentVolumes of the e2e pool to Available, and creates the pool's
# missing ones up to E2E_PV_COUNT.
# The pool's PVs have reclaimPolicy Retain (nothing here could wipe a volume),
# so a PV whose claim was deleted (e.g. with its test namespace) stays Released
# and is never bound again. Dropping its claimRef makes it reusable.
#
# usage (from the repo root, cluster up):  bash test/e2e/cluster/recycle-pvs.sh
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kc() { "$KUBECTL_BIN" --kubeconfig "$E2E_CLUSTER_DIR/kubeconfig" "$@"; }

released=$(kc get pv -l stellar-peers-e2e/pool=true \
  -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}')
n=0
for pv in $released; do
  kc patch pv "$pv" --type=json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
  n=$((n + 1))
done
# A warm cluster made with a smaller E2E_PV_COUNT gets the missing pool volumes (as
# up.sh makes them): a group of 50 in `npm run bench -- --e2e` needs 50.
have=$(kc get pv -l stellar-peers-e2e/pool=true -o name | grep -c . || true)
if ((${have:-0} < E2E_PV_COUNT)); then
  pool_pv_manifests | kc create -f - >/dev/null 2>&1 || true
  log "pool topped up from ${have:-0} to $E2E_PV_COUNT PV(s)"
fi
avail=$(kc get pv -l stellar-peers-e2e/pool=true \
  -o jsonpath='{range .items[?(@.status.phase=="Available")]}{.metadata.name}{"\n"}{end}' | grep -c . || true)
log "recycled $n PV(s); ${avail:-0} pool PV(s) Available (phase updates may lag a few seconds)"
