# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are used by the scripts that source this file
# Shared paths and helpers for build.sh / up.sh / down.sh. Sourced, not run.

E2E_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO_ROOT=$(cd "$E2E_SCRIPT_DIR/../../.." && pwd)
E2E_TOOLS_DIR="$E2E_REPO_ROOT/test/e2e/tools"

# shellcheck source=versions.sh
source "$E2E_SCRIPT_DIR/versions.sh"

# Built binaries live outside the repo, keyed by version, so that a fresh clone
# or `git clean` does not force a 20-minute rebuild.
E2E_CACHE="${STELLAR_PEERS_E2E_CACHE:-$HOME/.cache/stellar-peers-e2e}"
E2E_BIN="$E2E_CACHE/bin"
E2E_SHARE="$E2E_CACHE/share"

# All runtime state (certs, etcd data, logs, pids, kubeconfig) is here.
E2E_CLUSTER_DIR="${E2E_CLUSTER_DIR:-$E2E_REPO_ROOT/.cluster}"

ETCD_BIN="$E2E_BIN/etcd-$E2E_ETCD_VERSION"
KUBE_APISERVER_BIN="$E2E_BIN/kube-apiserver-$E2E_KUBERNETES_VERSION"
KUBE_CONTROLLER_MANAGER_BIN="$E2E_BIN/kube-controller-manager-$E2E_KUBERNETES_VERSION"
KUBE_SCHEDULER_BIN="$E2E_BIN/kube-scheduler-$E2E_KUBERNETES_VERSION"
KUBECTL_BIN="$E2E_BIN/kubectl-$E2E_KUBERNETES_VERSION"
KWOK_BIN="$E2E_BIN/kwok-$E2E_KWOK_VERSION"
KWOK_STAGES="$E2E_SHARE/kwok-stages-$E2E_KWOK_VERSION.yaml"
COREDNS_BIN="$E2E_BIN/coredns-$E2E_COREDNS_VERSION"
# E2E_METACONTROLLER_BIN may point at a binary obtained some other way.
METACONTROLLER_BIN="${E2E_METACONTROLLER_BIN:-$E2E_BIN/metacontroller-$E2E_METACONTROLLER_VERSION}"

# Components in start order; down.sh stops them in reverse.
E2E_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok coredns metacontroller)

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# pid_alive NAME: true if .cluster/pids/NAME.pid names a live process that is
# still the binary we started (guards against PID reuse after a reboot).
pid_alive() {
  local pidfile="$E2E_CLUSTER_DIR/pids/$1.pid" pid exe
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  # A binary replaced on disk shows as "<path> (deleted)"; compare the base name.
  [[ $(basename "${exe% (deleted)}") == "$(cat "$E2E_CLUSTER_DIR/pids/$1.exe" 2>/dev/null)" ]]
}

# proc_running PID: true while PID exists and is not a zombie. (Our daemons
# are reparented to PID 1 once up.sh exits; an exited one can stay a zombie
# for a second or two until PID 1 reaps it, and `kill -0` still succeeds then.)
proc_running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# port_in_use PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pool_pv_manifests: the e2e pool of E2E_PV_COUNT PersistentVolumes, as YAML documents
# (up.sh applies them; recycle-pvs.sh tops a smaller pool up). Nothing provisions volumes
# here, so the harness keeps a pool. "local" volumes must have node affinity; "type In
# [kwok]" makes each usable on every kwok node.
pool_pv_manifests() {
  local i
  for ((i = 0; i < E2E_PV_COUNT; i++)); do
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $(printf 'e2e-pv-%03d' "$i")
  labels:
    stellar-peers-e2e/pool: "true"
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard
  volumeMode: Filesystem
  local:
    path: /mnt/stellar-peers-e2e/$(printf 'pv-%03d' "$i")
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: type, operator: In, values: [kwok]}
EOF
  done
}
