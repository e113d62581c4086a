import type { KubeObject } from "../kube/objects.js";
import { ADMIN_HTTP_PORT } from "../stellar/peer-address.js";
import { SIDECAR_METRICS_PORT } from "../spec/stellar-node-spec.js";
import { DATA_DIR } from "../stellar/core-config.js";
import { LABEL_GROUP } from "../discovery/group-label.js";
import { coreConfigKey } from "./core-configmap.js";
import { coreRunArgs } from "./core-args.js";
import { coreExporterContainer } from "./core-exporter.js";
import type { ExporterSpec } from "../spec/metrics-exporter.js";
import { CONFIG_MOUNT, initScript, PEERS_MOUNT, RUN_DIR } from "./init-script.js";
import { ANNOTATION_CONFIG_HASH, ANNOTATION_PEERS_HASH, selectorLabels } from "./labels.js";
import { coreConfigMapName, DATA_VOLUME_CLAIM, peersConfigMapName } from "./names.js";
import { KNOWN_PEERS_KEY, PEERS_HASH_HISTORY_KEY, PEERS_HASH_KEY } from "./peers-configmap.js";
import { historyServerContainer, historyServerVolume } from "./history-server.js";
import { coreProbes } from "./probes.js";

const SEED_SECRET_KEY = "STELLAR_CORE_SEED";

export interface StatefulSetInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  image: string;
  replicas: number;
  peerPort: number;
  storageClass: string | undefined;
  storageSize: string;
  resources: Record<string, unknown> | undefined;
  seedSecretRef: string;
  /** The group label's value (discovery/group-label.ts): the group's budget selects on it. */
  group: string;
  /** The peers hash on the pod template (a change restarts the pod); none for LiveConnect. */
  podPeersHash: string | undefined;
  configHash: string;
  /** LiveConnect: the image of the peer-connector sidecar (the hook server's own). */
  sidecarImage: string | undefined;
  /** Run without `--wait-for-consensus` (first node of a Custom network); default false. */
  forceScp?: boolean;
  /** spec.metrics.exporter when enabled: SDF's stellar-core-prometheus-exporter sidecar. */
  exporter?: ExporterSpec | undefined;
  /** history.publish: the archive server's port (history-server.ts); unset publishes nothing. */
  historyPort?: number | undefined;
  /** spec.validatorConfig.publicKey: the init container refuses a seed of another key. */
  publicKey?: string | undefined;
}

/** LiveConnect: connects new peers through stellar-core's admin port, without a restart. */
function peerConnector(image: string): Record<string, unknown> {
  return {
    name: "peer-connector",
    image,
    command: ["node", "dist/hooks/sidecar/main.js"],
    env: [
      { name: "PEERS_FILE", value: `${PEERS_MOUNT}/${KNOWN_PEERS_KEY}` },
      { name: "CORE_URL", value: `http://127.0.0.1:${ADMIN_HTTP_PORT}` },
      { name: "METRICS_PORT", value: String(SIDECAR_METRICS_PORT) },
    ],
    ports: [{ name: "sidecar-metrics", containerPort: SIDECAR_METRICS_PORT, protocol: "TCP" }],
    readinessProbe: { httpGet: { path: "/readyz", port: "sidecar-metrics" }, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: "/healthz", port: "sidecar-metrics" }, periodSeconds: 20 },
    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 10001,
      capabilities: { drop: ["ALL"] },
    },
    volumeMounts: [{ name: "peers", mountPath: PEERS_MOUNT, readOnly: true }],
  };
}

export function renderStatefulSet(input: StatefulSetInput): KubeObject {
  const claimSpec: Record<string, unknown> = {
    accessModes: ["ReadWriteOnce"],
    ...(input.storageClass === undefined ? {} : { storageClassName: input.storageClass }),
    resources: { requests: { storage: input.storageSize } },
  };
  const container: Record<string, unknown> = {
    name: "stellar-core",
    image: input.image,
    args: coreRunArgs(input.forceScp ?? false),
    ports: [
      { name: "peer", containerPort: input.peerPort, protocol: "TCP" },
      // Bound to 127.0.0.1 by stellar-core (PUBLIC_HTTP_PORT=false): named for port-forward only.
      { name: "http", containerPort: ADMIN_HTTP_PORT, protocol: "TCP" },
    ],
    // Exec probes asking stellar-core's admin port (127.0.0.1 only): ready = in consensus.
    ...coreProbes(),
    ...(input.resources === undefined ? {} : { resources: input.resources }),
    securityContext: { allowPrivilegeEscalation: false },
    volumeMounts: [
      { name: DATA_VOLUME_CLAIM, mountPath: DATA_DIR },
      { name: "run", mountPath: RUN_DIR, readOnly: true },
    ],
  };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: input.name, namespace: input.namespace, labels: { ...input.labels } },
    spec: {
      replicas: input.replicas,
      serviceName: input.name,
      podManagementPolicy: "Parallel",
      selector: { matchLabels: selectorLabels(input.name) },
      // The ledger is expensive to rebuild: keep it when the node is deleted or suspended.
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      updateStrategy: { type: "RollingUpdate" },
      template: {
        metadata: {
          labels: { ...input.labels, [LABEL_GROUP]: input.group },
          annotations: {
            [ANNOTATION_CONFIG_HASH]: input.configHash,
            ...(input.podPeersHash === undefined
              ? {}
              : { [ANNOTATION_PEERS_HASH]: input.podPeersHash }),
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          securityContext: { seccompProfile: { type: "RuntimeDefault" } },
          // Each validator is its own StatefulSet, and the scheduler's default spreading
          // counts pods of one StatefulSet: without this, every member of a group may land
          // on one node, and that node's failure (or `kubectl delete node`, which no
          // disruption budget stops) takes the group down at once. Soft, so a cluster with
          // fewer nodes than validators still schedules them all.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: { [LABEL_GROUP]: input.group } },
            },
          ],
          initContainers: [
            {
              name: "assemble-config",
              image: input.image,
              command: [
                "/bin/sh",
                "-c",
                initScript(
                  PEERS_HASH_KEY,
                  PEERS_HASH_HISTORY_KEY,
                  coreConfigKey("${CONFIG_HASH}"),
                  undefined,
                  {
                    publishHistory: input.historyPort !== undefined,
                    checkPublicKey: input.publicKey !== undefined,
                  },
                ),
              ],
              env: [
                {
                  name: "NODE_SEED",
                  valueFrom: { secretKeyRef: { name: input.seedSecretRef, key: SEED_SECRET_KEY } },
                },
                ...(input.podPeersHash === undefined
                  ? []
                  : [{ name: "PEERS_HASH", value: input.podPeersHash }]),
                { name: "CONFIG_HASH", value: input.configHash },
                ...(input.publicKey === undefined
                  ? []
                  : [{ name: "PUBLIC_KEY", value: input.publicKey }]),
              ],
              securityContext: { allowPrivilegeEscalation: false },
              volumeMounts: [
                { name: "peers", mountPath: PEERS_MOUNT, readOnly: true },
                { name: "config", mountPath: CONFIG_MOUNT, readOnly: true },
                { name: "run", mountPath: RUN_DIR },
                { name: DATA_VOLUME_CLAIM, mountPath: DATA_DIR },
              ],
            },
          ],
          containers: [
            container,
            ...(input.sidecarImage === undefined ? [] : [peerConnector(input.sidecarImage)]),
            ...(input.exporter === undefined ? [] : [coreExporterContainer(input.exporter)]),
            ...(input.historyPort === undefined ? [] : [historyServerContainer(input.historyPort)]),
          ],
          volumes: [
            // Whole-ConfigMap volumes, never subPath: kubelet keeps them current.
            { name: "peers", configMap: { name: peersConfigMapName(input.name) } },
            { name: "config", configMap: { name: coreConfigMapName(input.name) } },
            // Holds the assembled config with the seed: memory only.
            { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
            ...(input.historyPort === undefined ? [] : [historyServerVolume()]),
          ],
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: "v1",
          kind: "PersistentVolumeClaim",
          metadata: { name: DATA_VOLUME_CLAIM, labels: selectorLabels(input.name) },
          spec: claimSpec,
        },
      ],
    },
  };
}
