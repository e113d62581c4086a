#!/usr/bin/env bash
# Returns Released PersistentVolumes of the e2e pool to Available.
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
avail=$(kc get pv -l stellar-peers-e2e/pool=true \
  -o jsonpath='{range .items[?(@.status.phase=="Available")]}{.metadata.name}{"\n"}{end}' | grep -c . || true)
log "recycled $n PV(s); ${avail:-0} pool PV(s) Available (phase updates may lag a few seconds)"
