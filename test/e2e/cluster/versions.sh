# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are used by the scripts that source this file
# The one place where the e2e control plane's versions and ports are pinned.
# Sourced by build.sh, up.sh and down.sh. Every port may be overridden from the
# environment; every listener binds 127.0.0.1 only.
#
# The Go wrapper modules in test/e2e/tools/<component>/go.mod pin the same
# versions for the Go toolchain; keep the two in step when bumping.

# --- versions ---------------------------------------------------------------
E2E_ETCD_VERSION=v3.6.16            # go.etcd.io/etcd/server/v3
E2E_KUBERNETES_VERSION=v1.36.3      # k8s.io/kubernetes (staging modules at v0.36.3)
E2E_KWOK_VERSION=v0.8.0             # sigs.k8s.io/kwok
E2E_METACONTROLLER_VERSION=v4.17.2  # github.com/metacontroller/metacontroller @ 76b818bdc67b
E2E_COREDNS_VERSION=v1.15.0         # github.com/coredns/coredns (the cluster DNS)

# --- ports (all on 127.0.0.1) ----------------------------------------------
: "${E2E_ETCD_PORT:=12379}"                   # etcd client URL
: "${E2E_ETCD_PEER_PORT:=12380}"              # etcd peer URL (single member, still must listen)
: "${E2E_APISERVER_PORT:=16443}"              # kube-apiserver (https)
: "${E2E_KCM_PORT:=16257}"                    # kube-controller-manager /healthz (https)
: "${E2E_SCHEDULER_PORT:=16259}"              # kube-scheduler /healthz (https)
: "${E2E_KWOK_PORT:=16080}"                   # kwok /healthz, /metrics (http)
: "${E2E_METACONTROLLER_METRICS_PORT:=16999}" # metacontroller /metrics (http)
: "${E2E_METACONTROLLER_HEALTH_PORT:=16081}"  # metacontroller /healthz, /readyz (http)
: "${E2E_DNS_PORT:=16053}"                    # CoreDNS: the cluster domain's DNS (udp and tcp)
: "${E2E_DNS_READY_PORT:=16054}"              # CoreDNS /ready (http; 200 once synced with the API)

# --- cluster shape ------------------------------------------------------------
: "${E2E_KWOK_NODES:=2}"         # fake nodes kwok-node-0 .. kwok-node-(N-1)
: "${E2E_PV_COUNT:=64}"          # pre-created PersistentVolumes of StorageClass "standard"
: "${E2E_SERVICE_CIDR:=10.96.0.0/16}"
: "${E2E_POD_CIDR:=10.244.0.0/16}" # pod IPs handed out by kwok
# The domain CoreDNS serves: the hook server's CLUSTER_DOMAIN default, which the names in
# KNOWN_PEERS end with. Not overridable: the hook server and the scenarios assume it.
E2E_CLUSTER_DOMAIN=cluster.local
