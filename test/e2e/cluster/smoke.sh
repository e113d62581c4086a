#!/usr/bin/env bash
# Smoke test of a cluster brought up by up.sh: a 1-replica StatefulSet with a
# volumeClaimTemplate (StorageClass "standard") and a headless Service must get
# its PVC bound, its pod scheduled to a kwok node, Running and Ready with an IP,
# its per-pod DNS name must resolve to that IP at the cluster DNS (CoreDNS), and the
# pod must come back after `kubectl delete pod`, its name following it. Also checks
# that the Metacontroller CRDs are served and Metacontroller answers (when it runs).
#
# usage (from the repo root, cluster up):  bash test/e2e/cluster/smoke.sh
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ -s $E2E_CLUSTER_DIR/env ]] || die "no $E2E_CLUSTER_DIR/env: run up.sh first"
# shellcheck disable=SC1091
source "$E2E_CLUSTER_DIR/env"
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
: "${E2E_DNS_SERVER:=127.0.0.1:$E2E_DNS_PORT}" # an env file of an older up.sh lacks it

# resolves_to NAME IP: the cluster DNS answers exactly IP for NAME (within 30 s).
resolves_to() {
  local name=$1 want=$2 got deadline=$((SECONDS + 30))
  until got=$(node -e '
    const { Resolver } = require("node:dns/promises");
    const r = new Resolver({ timeout: 1000, tries: 2 });
    r.setServers([process.argv[1]]);
    r.resolve4(process.argv[2]).then((a) => console.log(a.join(" ")), (e) => console.log(e.code));
  ' "$E2E_DNS_SERVER" "$name") && [[ $got == "$want" ]]; do
    ((SECONDS < deadline)) || die "$name resolves to '$got' at $E2E_DNS_SERVER, not $want"
    sleep 0.5
  done
  log "$name resolves to $want at $E2E_DNS_SERVER"
}

NS=e2e-smoke-$$
cleanup() { kc delete namespace "$NS" --wait=false >/dev/null 2>&1 || true; }
trap cleanup EXIT

start=$SECONDS
kc create namespace "$NS" >/dev/null
kc -n "$NS" apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: smoke
spec:
  clusterIP: None
  selector: {app: smoke}
  ports: [{name: peer, port: 11625}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: smoke
spec:
  serviceName: smoke
  replicas: 1
  selector:
    matchLabels: {app: smoke}
  template:
    metadata:
      labels: {app: smoke}
    spec:
      containers:
      - name: main
        image: example.invalid/never-pulled:1
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      storageClassName: standard
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 1Gi}
EOF

kc -n "$NS" wait --for=jsonpath='{.status.phase}'=Bound pvc/data-smoke-0 --timeout=90s >/dev/null
log "PVC data-smoke-0 Bound to $(kc -n "$NS" get pvc data-smoke-0 -o jsonpath='{.spec.volumeName}')"
kc -n "$NS" wait --for=condition=Ready pod/smoke-0 --timeout=90s >/dev/null
read -r node ip phase uid < <(kc -n "$NS" get pod smoke-0 \
  -o jsonpath='{.spec.nodeName} {.status.podIP} {.status.phase} {.metadata.uid}{"\n"}')
[[ $node == kwok-node-* ]] || die "pod on unexpected node '$node'"
[[ $phase == Running && -n $ip ]] || die "pod phase=$phase ip=$ip"
log "pod smoke-0 Running+Ready on $node with IP $ip (after $((SECONDS - start))s)"
resolves_to "smoke-0.smoke.$NS.svc.$E2E_CLUSTER_DOMAIN" "$ip"

kc -n "$NS" delete pod smoke-0 --wait=true --timeout=60s >/dev/null
deadline=$((SECONDS + 90))
until [[ $(kc -n "$NS" get pod smoke-0 -o jsonpath='{.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) =~ ^([^ ]+)\ True$ &&
         ${BASH_REMATCH[1]} != "$uid" ]]; do
  ((SECONDS < deadline)) || die "pod smoke-0 did not come back Ready after delete"
  sleep 0.5
done
ip=$(kc -n "$NS" get pod smoke-0 -o jsonpath='{.status.podIP}')
log "pod smoke-0 recreated and Ready again (new uid, IP $ip)"
resolves_to "smoke-0.smoke.$NS.svc.$E2E_CLUSTER_DOMAIN" "$ip"

for r in compositecontrollers decoratorcontrollers controllerrevisions; do
  kc get "$r.metacontroller.k8s.io" -A >/dev/null 2>&1 || die "$r.metacontroller.k8s.io not served"
done
log "Metacontroller CRDs served"
if [[ ${E2E_METACONTROLLER:-absent} == running ]]; then
  curl -fsS "http://127.0.0.1:$E2E_METACONTROLLER_HEALTH_PORT/healthz" >/dev/null || die "metacontroller /healthz failed"
  log "Metacontroller healthy"
else
  log "WARNING: Metacontroller not running (E2E_METACONTROLLER=${E2E_METACONTROLLER:-absent})"
fi

kc delete namespace "$NS" --timeout=120s >/dev/null
trap - EXIT
log "namespace $NS deleted; smoke test passed in $((SECONDS - start))s"
