#!/usr/bin/env bash
# Brings up a local, throw-away Kubernetes control plane for the e2e tests:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#   kwok (fake kubelets for the fake Nodes), CoreDNS (the cluster DNS) and Metacontroller,
# all listening on 127.0.0.1 only, all state under .cluster/ at the repo root.
#
# usage (from the repo root):  bash test/e2e/cluster/up.sh
# then:                        source .cluster/env   # KUBECONFIG=..., KUBECTL=...
#
# Idempotent: if every process is alive and the API is ready it does nothing;
# otherwise it (re)starts only what is missing and re-applies the fixtures.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

D=$E2E_CLUSTER_DIR
PKI=$D/pki
LOGS=$D/logs
PIDS=$D/pids
KUBECONFIG_PATH=$D/kubeconfig
API_URL=https://127.0.0.1:$E2E_APISERVER_PORT
# CoreDNS reads the API as this user, with only the ClusterRole applied below.
COREDNS_USER=e2e-coredns
COREDNS_KUBECONFIG=$D/coredns.kubeconfig
COREFILE=$D/Corefile

kc() { "$KUBECTL_BIN" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

api_ready() {
  [[ -s $KUBECONFIG_PATH ]] && [[ $(kc get --raw /readyz 2>/dev/null) == ok ]]
}

# A Metacontroller binary given once through E2E_METACONTROLLER_BIN is
# remembered, so a later plain `up.sh` restarts the same one.
if [[ -z ${E2E_METACONTROLLER_BIN:-} && -s $D/metacontroller-bin ]]; then
  METACONTROLLER_BIN=$(<"$D/metacontroller-bin")
fi

# Metacontroller runs from a binary that is given (E2E_METACONTROLLER_BIN; build.sh
# says why it is not built here). Without one the cluster comes up without it, and the
# scenarios that need no controller can still run; E2E_REQUIRE_METACONTROLLER=1 turns
# its absence into an error.
want_metacontroller() { [[ -x $METACONTROLLER_BIN ]]; }

wanted_components() {
  local c
  for c in "${E2E_COMPONENTS[@]}"; do
    [[ $c != metacontroller ]] || want_metacontroller || continue
    echo "$c"
  done
}

print_summary() {
  local mc=absent
  pid_alive metacontroller && mc=running
  cat <<EOF

e2e cluster is up ($(kc version -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1))
  API server:      $API_URL
  KUBECONFIG:      $KUBECONFIG_PATH
  KUBECTL:         $KUBECTL_BIN
  nodes:           $(kc get nodes -l type=kwok -o name 2>/dev/null | sed 's#node/##' | tr '\n' ' ')
  metacontroller:  $mc
  cluster DNS:     127.0.0.1:$E2E_DNS_PORT ($E2E_CLUSTER_DOMAIN; CoreDNS as user $COREDNS_USER)
  logs / pids:     $LOGS/  $PIDS/
  env for scripts: source $D/env
  stop & wipe:     bash test/e2e/cluster/down.sh
EOF
}

# Two up.sh at once (say, two test runners) would start everything twice.
mkdir -p "$D"
exec 9>"$D/up.lock"
flock -w 600 9 || die "another up.sh holds $D/up.lock"

# --- fast path: already up -------------------------------------------------------
all_up=1
for c in $(wanted_components); do pid_alive "$c" || { all_up=0; break; }; done
if [[ $all_up == 1 ]] && [[ -x $KUBECTL_BIN ]] && api_ready; then
  log "already up and healthy; nothing to do"
  print_summary
  exit 0
fi

# --- binaries ----------------------------------------------------------------
if [[ -z ${E2E_METACONTROLLER_BIN:-} && -x $METACONTROLLER_BIN && \
      $METACONTROLLER_BIN != "$E2E_BIN/metacontroller-$E2E_METACONTROLLER_VERSION" ]]; then
  export E2E_METACONTROLLER_BIN=$METACONTROLLER_BIN # the remembered one: don't rebuild
fi
bash "$E2E_SCRIPT_DIR/build.sh"
for b in "$ETCD_BIN" "$KUBE_APISERVER_BIN" "$KUBE_CONTROLLER_MANAGER_BIN" "$KUBE_SCHEDULER_BIN" "$KUBECTL_BIN" "$KWOK_BIN" "$COREDNS_BIN"; do
  [[ -x $b ]] || die "missing binary $b (build.sh failed?)"
done
[[ -s $KWOK_STAGES ]] || die "missing kwok stages $KWOK_STAGES"
if ! want_metacontroller; then
  [[ ${E2E_REQUIRE_METACONTROLLER:-0} != 1 ]] || die "Metacontroller binary $METACONTROLLER_BIN not available"
  log "WARNING: no Metacontroller binary ($METACONTROLLER_BIN); starting without it"
fi

mkdir -p "$PKI" "$LOGS" "$PIDS"

# --- certificates ---------------------------------------------------------------
# One CA signs the apiserver's serving cert and the admin client cert; the
# admin is in group system:masters, so every component (and the tests) simply
# use the admin kubeconfig. The service-account key pair signs/verifies tokens.
gen_pki() {
  local ossl="openssl"
  if [[ ! -s $PKI/ca.crt ]]; then
    log "generating certificates in $PKI"
    $ossl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    $ossl req -x509 -new -nodes -key "$PKI/ca.key" -subj "/CN=stellar-peers-e2e-ca" \
      -days 3650 -out "$PKI/ca.crt"
  fi
  if [[ ! -s $PKI/apiserver.crt ]]; then
    # 10.96.0.1 is the first IP of the service range: the in-cluster
    # "kubernetes" Service, should anything ever dial it.
    local svc_ip
    svc_ip=$(awk -F'[./]' '{print $1"."$2"."$3"."$4+1}' <<<"$E2E_SERVICE_CIDR")
    $ossl genrsa -out "$PKI/apiserver.key" 2048 2>/dev/null
    $ossl req -new -key "$PKI/apiserver.key" -subj "/CN=kube-apiserver" -out "$PKI/apiserver.csr"
    printf '%s\n' \
      "basicConstraints=CA:FALSE" \
      "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,IP:$svc_ip,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" \
      >"$PKI/apiserver.ext"
    $ossl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
      -CAcreateserial -days 3650 -extfile "$PKI/apiserver.ext" -out "$PKI/apiserver.crt" 2>/dev/null
  fi
  if [[ ! -s $PKI/admin.crt ]]; then
    $ossl genrsa -out "$PKI/admin.key" 2048 2>/dev/null
    $ossl req -new -key "$PKI/admin.key" -subj "/O=system:masters/CN=e2e-admin" -out "$PKI/admin.csr"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >"$PKI/admin.ext"
    $ossl x509 -req -in "$PKI/admin.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
      -CAcreateserial -days 3650 -extfile "$PKI/admin.ext" -out "$PKI/admin.crt" 2>/dev/null
  fi
  # CoreDNS's own client cert: user e2e-coredns, in no group, so it has only what the
  # ClusterRole below grants it (and what every authenticated user has).
  if [[ ! -s $PKI/coredns.crt ]]; then
    $ossl genrsa -out "$PKI/coredns.key" 2048 2>/dev/null
    $ossl req -new -key "$PKI/coredns.key" -subj "/CN=$COREDNS_USER" -out "$PKI/coredns.csr"
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth" >"$PKI/coredns.ext"
    $ossl x509 -req -in "$PKI/coredns.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
      -CAcreateserial -days 3650 -extfile "$PKI/coredns.ext" -out "$PKI/coredns.crt" 2>/dev/null
  fi
  if [[ ! -s $PKI/sa.pub ]]; then
    $ossl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    $ossl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  chmod 600 "$PKI"/*.key
}

# write_kubeconfig PATH USER CERT: a kubeconfig at PATH whose user USER authenticates with
# $PKI/CERT.{crt,key}. Credentials are embedded so it works from any working directory.
write_kubeconfig() {
  local path=$1 user=$2 cert=$3
  local tmp="$path.tmp"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: $API_URL
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$cert.crt")
    client-key-data: $(base64 -w0 "$PKI/$cert.key")
contexts:
- name: e2e
  context:
    cluster: e2e
    user: $user
current-context: e2e
EOF
  chmod 600 "$tmp"
  mv -f "$tmp" "$path"
}

# --- process management -----------------------------------------------------------
# start NAME PORT BINARY ARGS...: starts BINARY in its own session (so it
# outlives this script and a Ctrl-C in the calling terminal), logging to
# .cluster/logs/NAME.log, with its PID in .cluster/pids/NAME.pid.
start() {
  local name=$1 port=$2 bin=$3
  shift 3
  if pid_alive "$name"; then
    log "$name already running (pid $(<"$PIDS/$name.pid"))"
    return 0
  fi
  # Something else on our port would make the component die in a confusing way.
  if [[ -n $port ]] && port_in_use "$port"; then
    die "$name: 127.0.0.1:$port is already in use by another process (set its E2E_*_PORT to move it)"
  fi
  log "starting $name"
  echo "=== $(date -Is) starting $name: $bin $*" >>"$LOGS/$name.log"
  # 9>&-: the daemon must not inherit (and so hold forever) up.sh's lock.
  setsid "$bin" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDS/$name.pid"
  basename "$bin" >"$PIDS/$name.exe"
}

# wait_until NAME SECONDS DESCRIPTION CMD...: polls CMD; fails early if the
# process NAME died, and shows the tail of its log on failure.
wait_until() {
  local name=$1 timeout=$2 what=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "$name"; then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "$name exited while waiting for $what (log: $LOGS/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$LOGS/$name.log" >&2 || true
      die "timed out after ${timeout}s waiting for $what (log: $LOGS/$name.log)"
    fi
    sleep 0.5
  done
  log "$what: ok"
}

etcd_healthy() { curl -fsS "http://127.0.0.1:$E2E_ETCD_PORT/health" | grep -q '"health":"true"'; }
https_healthz() { curl -fsSk "https://127.0.0.1:$1/healthz" | grep -qx ok; }
http_healthz() { curl -fsS "http://127.0.0.1:$1/healthz" | grep -qx ok; }

gen_pki
write_kubeconfig "$KUBECONFIG_PATH" e2e-admin admin
write_kubeconfig "$COREDNS_KUBECONFIG" "$COREDNS_USER" coredns

start etcd "$E2E_ETCD_PORT" "$ETCD_BIN" \
  --name=e2e \
  --data-dir="$D/etcd" \
  --listen-client-urls="http://127.0.0.1:$E2E_ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$E2E_ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
  --initial-cluster="e2e=http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
  --unsafe-no-fsync \
  --log-level=warn
# --unsafe-no-fsync: test data only; saves seconds of fsync per run on slow disks.
wait_until etcd 60 "etcd health" etcd_healthy

start kube-apiserver "$E2E_APISERVER_PORT" "$KUBE_APISERVER_BIN" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --secure-port="$E2E_APISERVER_PORT" \
  --etcd-servers="http://127.0.0.1:$E2E_ETCD_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" \
  --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --authorization-mode=RBAC \
  --service-cluster-ip-range="$E2E_SERVICE_CIDR" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --requestheader-client-ca-file="$PKI/ca.crt" \
  --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User \
  --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --endpoint-reconciler-type=none \
  --allow-privileged=true \
  --profiling=false \
  --v=1
# --requestheader-*: published in kube-system/extension-apiserver-authentication;
#   without it the controller-manager and scheduler log "missing content for CA
#   bundle" forever. Only a cert named front-proxy-client (none is issued) may
#   use the headers.
# --endpoint-reconciler-type=none: the "kubernetes" Service's Endpoints may not
#   hold a loopback address, so reconciling it only logs an error every 10 s.
wait_until kube-apiserver 120 "kube-apiserver /readyz" api_ready

# Controllers run with default set "*": among them statefulset,
# persistentvolume-binder, garbage-collector, serviceaccount(+token), namespace,
# endpointslice, nodelifecycle. Leader election is pointless with one replica
# and only delays the start.
start kube-controller-manager "$E2E_KCM_PORT" "$KUBE_CONTROLLER_MANAGER_BIN" \
  --kubeconfig="$KUBECONFIG_PATH" \
  --authentication-kubeconfig="$KUBECONFIG_PATH" \
  --authorization-kubeconfig="$KUBECONFIG_PATH" \
  --bind-address=127.0.0.1 \
  --secure-port="$E2E_KCM_PORT" \
  --service-account-private-key-file="$PKI/sa.key" \
  --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" \
  --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range="$E2E_SERVICE_CIDR" \
  --controllers='*' \
  --leader-elect=false \
  --profiling=false \
  --v=1

start kube-scheduler "$E2E_SCHEDULER_PORT" "$KUBE_SCHEDULER_BIN" \
  --kubeconfig="$KUBECONFIG_PATH" \
  --authentication-kubeconfig="$KUBECONFIG_PATH" \
  --authorization-kubeconfig="$KUBECONFIG_PATH" \
  --bind-address=127.0.0.1 \
  --secure-port="$E2E_SCHEDULER_PORT" \
  --leader-elect=false \
  --profiling=false \
  --v=1

# kwok only manages Nodes annotated kwok.x-k8s.io/node=fake (the ones created
# below). HOME is moved so a developer's ~/.kwok/kwok.yaml is not merged in.
mkdir -p "$D/kwok-home"
HOME="$D/kwok-home" start kwok "$E2E_KWOK_PORT" "$KWOK_BIN" \
  --kubeconfig="$KUBECONFIG_PATH" \
  --config="$KWOK_STAGES" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --server-address="127.0.0.1:$E2E_KWOK_PORT" \
  --cidr="$E2E_POD_CIDR" \
  --node-lease-duration-seconds=40

wait_until kube-controller-manager 60 "kube-controller-manager /healthz" https_healthz "$E2E_KCM_PORT"
wait_until kube-scheduler 60 "kube-scheduler /healthz" https_healthz "$E2E_SCHEDULER_PORT"
wait_until kwok 60 "kwok /healthz" http_healthz "$E2E_KWOK_PORT"

# --- CoreDNS: the cluster DNS ------------------------------------------------------
# Its kubernetes plugin (plugin/kubernetes/controller.go of the pinned module) lists and
# watches Services, EndpointSlices and Namespaces, cluster-wide, and Pods only with
# `pods verified`; with `pods disabled` (the default, as here) it never reads Pods. So its
# own user gets list+watch of those three and nothing else.
log "applying CoreDNS's ClusterRole (list/watch services, endpointslices, namespaces)"
kc apply -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: stellar-peers-e2e:coredns
rules:
- apiGroups: [""]
  resources: [services, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: stellar-peers-e2e:coredns
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: stellar-peers-e2e:coredns
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: $COREDNS_USER
EOF
# Authoritative for the cluster domain only, on loopback; nothing is forwarded (there is
# no network to forward to), so other names are REFUSED. No cache plugin: every answer is
# the plugin's current view. `log` writes every query to coredns.log.
cat >"$COREFILE.tmp" <<EOF
# Written by test/e2e/cluster/up.sh for CoreDNS $E2E_COREDNS_VERSION.
$E2E_CLUSTER_DOMAIN:$E2E_DNS_PORT {
    bind 127.0.0.1
    errors
    log
    ready 127.0.0.1:$E2E_DNS_READY_PORT
    kubernetes $E2E_CLUSTER_DOMAIN {
        kubeconfig $COREDNS_KUBECONFIG e2e
        pods disabled
        startup_timeout 30s
    }
}
EOF
mv -f "$COREFILE.tmp" "$COREFILE"
start coredns "$E2E_DNS_PORT" "$COREDNS_BIN" -conf "$COREFILE"
wait_until coredns 60 "coredns /ready (synced with the API)" \
  curl -fsS "http://127.0.0.1:$E2E_DNS_READY_PORT/ready"

# --- Metacontroller -------------------------------------------------------------
log "applying Metacontroller CRDs"
# Server-side apply: the CompositeController CRD is too big for the
# last-applied-configuration annotation of a client-side apply.
kc apply --server-side --force-conflicts -f "$E2E_SCRIPT_DIR/metacontroller-crds-v1.yaml" >/dev/null
kc wait --for=condition=Established --timeout=60s \
  crd/compositecontrollers.metacontroller.k8s.io \
  crd/decoratorcontrollers.metacontroller.k8s.io \
  crd/controllerrevisions.metacontroller.k8s.io >/dev/null

if want_metacontroller; then
  # --client-go-qps/burst: the default 5/10 makes a test with a few parents crawl.
  KUBECONFIG="$KUBECONFIG_PATH" start metacontroller "$E2E_METACONTROLLER_HEALTH_PORT" "$METACONTROLLER_BIN" \
    --kubeconfig="$KUBECONFIG_PATH" \
    --metrics-address="127.0.0.1:$E2E_METACONTROLLER_METRICS_PORT" \
    --health-probe-bind-address="127.0.0.1:$E2E_METACONTROLLER_HEALTH_PORT" \
    --pprof-address=0 \
    --discovery-interval=5s \
    --client-go-qps=50 \
    --client-go-burst=100 \
    --zap-log-level=4
  echo "$METACONTROLLER_BIN" >"$D/metacontroller-bin"
  wait_until metacontroller 60 "metacontroller /readyz" \
    curl -fsS "http://127.0.0.1:$E2E_METACONTROLLER_HEALTH_PORT/readyz"
fi

# --- fixtures: fake nodes, storage ------------------------------------------------
log "applying $E2E_KWOK_NODES kwok node(s), StorageClass standard, $E2E_PV_COUNT PersistentVolumes"
{
  for ((i = 0; i < E2E_KWOK_NODES; i++)); do
    # status is only taken on create (later applies leave it to kwok). No
    # taint, so pods need no toleration.
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
spec: {}
status:
  addresses:
  - type: InternalIP
    address: 10.240.0.$((i + 10))
  - type: Hostname
    address: kwok-node-$i
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
  capacity: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 1Ti}
EOF
  done
  # WaitForFirstConsumer: the scheduler picks a PV that fits the chosen node,
  # then the PV controller binds it (verified with a StatefulSet PVC).
  cat <<EOF
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
  pool_pv_manifests
} | kc apply -f - >/dev/null

kc wait --for=condition=Ready --timeout=60s node -l type=kwok >/dev/null
log "kwok nodes Ready"
wait_until kube-controller-manager 60 "ServiceAccount default/default" kc -n default get serviceaccount default

# --- env file for other scripts -------------------------------------------------
mc_state=absent
pid_alive metacontroller && mc_state=running
cat >"$D/env" <<EOF
KUBECONFIG=$KUBECONFIG_PATH
KUBECTL=$KUBECTL_BIN
E2E_APISERVER_URL=$API_URL
E2E_METACONTROLLER=$mc_state
E2E_METACONTROLLER_METRICS_URL=http://127.0.0.1:$E2E_METACONTROLLER_METRICS_PORT/metrics
E2E_DNS_SERVER=127.0.0.1:$E2E_DNS_PORT
E2E_CLUSTER_DOMAIN=$E2E_CLUSTER_DOMAIN
EOF

print_summary
