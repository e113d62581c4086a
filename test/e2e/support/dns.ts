import assert from "node:assert/strict";
import { Resolver } from "node:dns/promises";
import { parsePeerAddress } from "../../../hooks/stellar/peer-address.js";
import { clusterEnvValue } from "./kube.js";
import { podIP as currentPodIP } from "./pods.js";
import { getConfigMap, knownPeersLines } from "./stellar.js";
import { waitFor } from "./wait.js";

/**
 * The harness's cluster DNS: CoreDNS with its `kubernetes` plugin, started by
 * test/e2e/cluster/up.sh on 127.0.0.1:E2E_DNS_PORT (.cluster/env says E2E_DNS_SERVER),
 * authoritative for the cluster domain. Its records come from the API server's Services
 * and EndpointSlices (coredns plugin/kubernetes: an endpoint with a `hostname` gives
 * `<hostname>.<service>.<namespace>.svc.<domain>`; endpoints whose `ready` condition is
 * false are left out, object/endpoint.go).
 */
export const CLUSTER_DOMAIN = clusterEnvValue("E2E_CLUSTER_DOMAIN") ?? "cluster.local";
export const DNS_SERVER =
  clusterEnvValue("E2E_DNS_SERVER") ?? `127.0.0.1:${clusterEnvValue("E2E_DNS_PORT") ?? "16053"}`;

/** A resolver that asks only the cluster DNS; no cache, so every answer is current. */
function clusterResolver(): Resolver {
  const resolver = new Resolver({ timeout: 1_000, tries: 3 });
  resolver.setServers([DNS_SERVER]);
  return resolver;
}

const resolver = clusterResolver();

/** What the cluster DNS says of a name's A records. */
export type Answer =
  | { kind: "addresses"; addresses: string[] }
  /** NXDOMAIN, or the name exists with no A record (NODATA): the name does not resolve. */
  | { kind: "none"; code: string };

/**
 * The A records of `name`. An error other than "no such name / no data" (SERVFAIL, a
 * refusal, a timeout) is a broken harness, not an answer: it throws.
 */
export async function lookupA(name: string): Promise<Answer> {
  try {
    return { kind: "addresses", addresses: await resolver.resolve4(name) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (code === "ENOTFOUND" || code === "ENODATA") return { kind: "none", code };
    throw new Error(`DNS query A ${name} to ${DNS_SERVER} failed: ${String(error)}`, {
      cause: error,
    });
  }
}

/**
 * The rule stellar-core resolves a KNOWN_PEERS name by (src/overlay/PeerBareAddress.cpp,
 * `resolve`: getaddrinfo with AF_INET, the first address), asked of the cluster DNS.
 * It has the shape of the LiveConnect sidecar's `Resolver` (hooks/sidecar/connector.ts);
 * scenario 16e runs the sidecar's own `firstIPv4Resolver` against the same server.
 */
export async function firstIPv4(host: string): Promise<string> {
  const answer = await lookupA(host);
  const first = answer.kind === "addresses" ? answer.addresses[0] : undefined;
  if (first === undefined) throw new Error(`${host} does not resolve (${JSON.stringify(answer)})`);
  return first;
}

/** The per-pod name the headless Service `service` gives pod `pod`. */
export function podDnsName(namespace: string, service: string, pod: string): string {
  return `${pod}.${service}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** A per-pod name read back: which pod of which Service in which namespace it names. */
export interface PodName {
  pod: string;
  service: string;
  namespace: string;
}

/** `<pod>.<service>.<namespace>.svc.<cluster domain>`, or undefined for any other host. */
export function parsePodDnsName(host: string): PodName | undefined {
  const suffix = `.svc.${CLUSTER_DOMAIN}`;
  if (!host.endsWith(suffix)) return undefined;
  const labels = host.slice(0, -suffix.length).split(".");
  if (labels.length !== 3) return undefined;
  const [pod = "", service = "", namespace = ""] = labels;
  return { pod, service, namespace };
}

/** Waits until `name` resolves to exactly `[ip]`; returns the time it took. */
export async function waitForName(name: string, ip: string, timeoutMs = 60_000): Promise<number> {
  const started = Date.now();
  await waitFor(
    `${name} to resolve to exactly ${ip} at ${DNS_SERVER}`,
    async () => assert.deepEqual(await lookupA(name), { kind: "addresses", addresses: [ip] }),
    timeoutMs,
  );
  return Date.now() - started;
}

/** Waits until `name` no longer resolves (NXDOMAIN or no A record). */
export async function waitForNoName(name: string, timeoutMs = 60_000): Promise<Answer> {
  return waitFor(
    `${name} to stop resolving at ${DNS_SERVER}`,
    async () => {
      const answer = await lookupA(name);
      assert.equal(answer.kind, "none", `${name}: ${JSON.stringify(answer)}`);
      return answer;
    },
    timeoutMs,
  );
}

/** One KNOWN_PEERS line checked against the cluster: the name, its pod, and what both say. */
export interface ResolvedPeer {
  line: string;
  name: string;
  pod: PodName;
  podIP: string;
}

/**
 * Checks, once, that every line of `<validator>-peers`' KNOWN_PEERS is a per-pod name of
 * the form the hook writes, naming pod `<service>-0` of a StatefulSet's headless Service,
 * and that the cluster DNS resolves it to exactly that pod's current IP. Throws otherwise.
 */
export async function checkKnownPeersResolve(
  namespace: string,
  validator: string,
): Promise<ResolvedPeer[]> {
  const lines = knownPeersLines(await getConfigMap(namespace, `${validator}-peers`)) ?? [];
  const checked: ResolvedPeer[] = [];
  for (const line of lines) {
    const address = parsePeerAddress(line);
    assert.ok(address, `${validator}-peers: "${line}" is not host[:port]`);
    const pod = parsePodDnsName(address.host);
    assert.ok(
      pod,
      `${validator}-peers: "${address.host}" is not <pod>.<service>.<ns>.svc.<domain>`,
    );
    assert.equal(pod.pod, `${pod.service}-0`, `${address.host} names the StatefulSet's pod 0`);
    const podIP = await currentPodIP(pod.namespace, pod.pod);
    assert.ok(podIP, `pod ${pod.namespace}/${pod.pod}, listed by ${validator}, has an IP`);
    assert.deepEqual(
      await lookupA(address.host),
      { kind: "addresses", addresses: [podIP] },
      `${address.host} (listed by ${namespace}/${validator}) resolves to exactly the current IP of pod ${pod.namespace}/${pod.pod}`,
    );
    checked.push({ line, name: address.host, pod, podIP });
  }
  return checked;
}

/** Waits until checkKnownPeersResolve passes for every validator of `validators`. */
export async function waitForKnownPeersResolve(
  namespace: string,
  validators: readonly string[],
  timeoutMs = 60_000,
): Promise<Map<string, ResolvedPeer[]>> {
  const result = new Map<string, ResolvedPeer[]>();
  for (const validator of validators) {
    result.set(
      validator,
      await waitFor(
        `every name in ${namespace}/${validator}-peers to resolve to its pod's current IP`,
        () => checkKnownPeersResolve(namespace, validator),
        timeoutMs,
      ),
    );
  }
  return result;
}
