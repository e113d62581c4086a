import assert from "node:assert/strict";
import { applyObjects, getJson, kubectl, type KubeList, type KubeObject } from "./kube.js";
import { waitFor } from "./wait.js";

/** The pod's current IP (status.podIP), or undefined if it has none, is going or is gone. */
export async function podIP(namespace: string, pod: string): Promise<string | undefined> {
  const pods = await getJson<KubeList<KubeObject & { status?: { podIP?: string } }>>([
    "get",
    "pods",
    "-n",
    namespace,
    `--field-selector=metadata.name=${pod}`,
  ]);
  const found = pods.items[0];
  if (found === undefined || found.metadata.deletionTimestamp !== undefined) return undefined;
  return found.status?.podIP || undefined;
}

/** Waits until the pod has an IP and returns it. */
export async function waitForPodIP(
  namespace: string,
  pod: string,
  timeoutMs?: number,
): Promise<string> {
  return waitFor(
    `pod ${namespace}/${pod} to have an IP`,
    async () => {
      const ip = await podIP(namespace, pod);
      assert.ok(ip, `pod ${pod} status.podIP`);
      return ip;
    },
    timeoutMs,
  );
}

/**
 * Makes a Running pod not Ready, as a failing readiness probe would: its Ready and
 * ContainersReady conditions go False (a strategic merge on the status subresource, keyed
 * by condition type). kwok leaves it so: its pod-ready stage only acts on Pending pods
 * (kustomize/stage/pod/fast/pod-ready.yaml), and no kubelet runs probes here.
 */
export async function markPodNotReady(namespace: string, pod: string): Promise<void> {
  const notReady = { status: "False", reason: "E2ENotReady", message: "made not Ready by e2e" };
  await kubectl([
    "patch",
    "pod",
    pod,
    "-n",
    namespace,
    "--subresource=status",
    "--type=strategic",
    "-p",
    JSON.stringify({
      status: {
        conditions: [
          { type: "Ready", ...notReady },
          { type: "ContainersReady", ...notReady },
        ],
      },
    }),
  ]);
}

/** One endpoint of an EndpointSlice (discovery.k8s.io/v1), as the kubernetes plugin reads it. */
export interface SliceEndpoint {
  addresses: string[];
  hostname?: string;
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  targetRef?: { kind?: string; name?: string };
}

/** The endpoints for `pod` in the EndpointSlices of Service `service` (kubernetes.io/service-name). */
export async function sliceEndpointsOf(
  namespace: string,
  service: string,
  pod: string,
): Promise<SliceEndpoint[]> {
  const slices = await getJson<KubeList<{ endpoints?: SliceEndpoint[] | null }>>([
    "get",
    "endpointslices.discovery.k8s.io",
    "-n",
    namespace,
    "-l",
    `kubernetes.io/service-name=${service}`,
  ]);
  return slices.items
    .flatMap((slice) => slice.endpoints ?? [])
    .filter((endpoint) => endpoint.targetRef?.kind === "Pod" && endpoint.targetRef.name === pod);
}

/**
 * kwok hands out pod IPs from one pool and takes a freed IP back into it
 * (pkg/kwok/controllers/utils.go, ipPool: Get takes any free IP, the first of a map
 * iteration, before it makes a new one). On a fresh cluster the only free IP after a pod
 * is deleted is that pod's own, so a recreated pod gets it back. This frees `count` more:
 * it runs as many throw-away pods (no volumes, bound to a kwok node) until they have
 * IPs, then deletes them. A pod recreated afterwards gets one of count + 1 free IPs.
 */
export async function freePodIPs(namespace: string, count: number): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `ip-churn-${i}`);
  await applyObjects(
    names.map((name, i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace, labels: { "stellar-peers-e2e/ip-churn": "true" } },
      spec: {
        nodeName: `kwok-node-${i % 2}`,
        containers: [{ name: "main", image: "example.invalid/never-pulled:1" }],
      },
    })),
  );
  for (const name of names) await waitForPodIP(namespace, name);
  await kubectl([
    "delete",
    "pods",
    "-n",
    namespace,
    "-l",
    "stellar-peers-e2e/ip-churn=true",
    "--wait=true",
    "--timeout=60s",
  ]);
}

/**
 * Deletes pod `pod` (as a crash would) until its controller recreates it with another IP
 * than `before`, at most `attempts` times; returns the new pod's uid and IP. kwok may give
 * a recreated pod its old IP back (see freePodIPs): a name that "follows" an unchanged IP
 * proves nothing, so the caller wants a change.
 */
export async function recreateWithNewIP(
  namespace: string,
  pod: string,
  options: { attempts?: number; onAttempt?: (line: string) => void; timeoutMs?: number } = {},
): Promise<{ uid: string; ip: string; before: string }> {
  const before = await waitForPodIP(namespace, pod);
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    const uid = await currentUid(namespace, pod);
    await kubectl(["delete", "pod", pod, "-n", namespace, "--wait=false"]);
    const next = await waitFor(
      `a new pod ${namespace}/${pod} with an IP`,
      async () => {
        const newUid = await currentUid(namespace, pod);
        assert.ok(newUid !== undefined && newUid !== uid, `${pod} uid ${String(newUid)}`);
        const ip = await podIP(namespace, pod);
        assert.ok(ip, `new ${pod} has an IP`);
        return { uid: newUid, ip };
      },
      options.timeoutMs,
    );
    options.onAttempt?.(
      `deleted ${pod} (IP ${before}); recreated as ${next.uid.slice(0, 8)} with IP ${next.ip}`,
    );
    if (next.ip !== before) return { ...next, before };
    assert.ok(
      attempt < attempts,
      `${pod} came back with its old IP ${before} ${attempts} times in a row`,
    );
  }
}

async function currentUid(namespace: string, pod: string): Promise<string | undefined> {
  const pods = await getJson<KubeList<KubeObject>>([
    "get",
    "pods",
    "-n",
    namespace,
    `--field-selector=metadata.name=${pod}`,
  ]);
  const found = pods.items[0];
  return found?.metadata.deletionTimestamp === undefined ? found?.metadata.uid : undefined;
}
