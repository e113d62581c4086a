import assert from "node:assert/strict";
import {
  applyObjects,
  condition,
  getJson,
  getOptional,
  kubectl,
  KubectlError,
  type ConfigMap,
  type KubeObject,
} from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  getStatefulSet,
  getStellarNode,
  knownPeersLines,
  patchStellarNode,
  peerAddress,
  SETTLE_MS,
  validatorObjects,
  waitForPeers,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

/**
 * spec.externalPeering on the real control plane (issue 15, item 1): the API server
 * allocates the external Service's node port, the hook reports it in status.externalAddress
 * and `kubectl get sn -o wide`, syncs never fight what the API server allocated, the
 * namespace summary gives the public name, and bad input is refused at admission (the
 * CRD's CEL rules) or by the hook (a node port another member holds) without changing
 * anything that runs. kwok runs no containers: nothing listens behind the node port; what
 * is proven is the objects, not a TCP connection from outside.
 */

const HOSTNAME = "alpha.e2e.example.org";
const HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname";

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: string | number;
  protocol?: string;
  nodePort?: number;
}

interface ExternalService extends KubeObject {
  spec: {
    type: string;
    clusterIP?: string;
    selector?: Record<string, string>;
    externalTrafficPolicy?: string;
    healthCheckNodePort?: number;
    ports: ServicePort[];
  };
}

const getExternal = (ns: string, name: string): Promise<ExternalService | undefined> =>
  getOptional<ExternalService>(["get", "service", `${name}-external`, "-n", ns]);

async function externalAddress(ns: string, name: string): Promise<string | undefined> {
  const node = await getStellarNode(ns, name);
  return (node.status as { externalAddress?: string } | undefined)?.externalAddress;
}

/** kubectl's error text of a change the API server refuses at admission. */
async function refusedAtAdmission(ns: string, patch: Record<string, unknown>): Promise<string> {
  try {
    await patchStellarNode(ns, "alpha", patch);
  } catch (error) {
    if (error instanceof KubectlError) return error.stderr;
    throw error;
  }
  assert.fail(`the API server accepted ${JSON.stringify(patch)}`);
}

scenario(
  "21. externalPeering NodePort: the API server allocates the node port, status.externalAddress and -o wide show it, peers.json gives the public name, bad input refused",
  { namespaces: ["e2e-21-external"] },
  async ({ namespace: ns, step }) => {
    const [alphaSeed, alphaNode] = validatorObjects(ns, "alpha") as [
      object,
      KubeObject & { spec: Record<string, unknown> },
    ];
    const alpha = {
      ...alphaNode,
      spec: {
        ...alphaNode.spec,
        externalPeering: {
          type: "NodePort",
          hostname: HOSTNAME,
          annotations: { "example.org/owner": "e2e" },
        },
      },
    };
    await applyObjects([alphaSeed, alpha, ...validatorObjects(ns, "beta")]);
    step("created alpha (externalPeering NodePort, a hostname) and beta (none)");

    const allocated = await waitFor(
      "Service alpha-external with an allocated node port",
      async () => {
        const service = await getExternal(ns, "alpha");
        assert.ok(service, "Service alpha-external exists");
        assert.equal(service.spec.type, "NodePort");
        assert.equal(service.spec.ports.length, 1, "one port: the peer port only");
        const [port] = service.spec.ports;
        assert.equal(port?.name, "peer");
        assert.equal(port?.port, 11625);
        assert.equal(port?.targetPort, "peer");
        assert.ok(
          port?.nodePort !== undefined && port.nodePort >= 30000 && port.nodePort <= 32767,
          `node port allocated in 30000-32767: ${String(port?.nodePort)}`,
        );
        return { service, nodePort: port.nodePort };
      },
    );
    const { service, nodePort } = allocated;
    assert.ok(!service.spec.ports.some((p) => p.port === 11626), "never the admin port");
    assert.deepEqual(service.spec.selector, {
      "app.kubernetes.io/name": "stellar-node",
      "app.kubernetes.io/instance": "alpha",
    });
    assert.equal(service.metadata.annotations?.[HOSTNAME_ANNOTATION], HOSTNAME);
    assert.equal(service.metadata.annotations?.["example.org/owner"], "e2e");
    const headless = await getJson<ExternalService>(["get", "service", "alpha", "-n", ns]);
    assert.equal(headless.spec.clusterIP, "None", "the headless Service is still headless");
    step(`Service alpha-external: NodePort, peer port 11625 at node port ${nodePort}`);

    await waitFor("status.externalAddress of alpha", async () => {
      assert.equal(await externalAddress(ns, "alpha"), `:${nodePort}`);
    });
    const wide = await kubectl(["get", "sn", "-n", ns, "-o", "wide"]);
    const [header, ...rows] = wide.trim().split("\n");
    assert.match(header ?? "", /\bEXTERNAL\b/, `the -o wide header: ${header}`);
    const alphaRow = rows.find((row) => row.startsWith("alpha "));
    assert.ok(alphaRow?.includes(`:${nodePort}`), `alpha's row shows :${nodePort}: ${alphaRow}`);
    assert.equal(await externalAddress(ns, "beta"), undefined, "beta has no external address");
    step(`status.externalAddress :${nodePort}, shown by kubectl get sn -o wide`);

    // Members of the cluster dial the internal name; peers.json adds the public one.
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha")], 120_000);
    const listed = await waitFor("peers.json gives alpha's public address", async () => {
      const summary = await getJson<ConfigMap>(["get", "configmap", "stellar-peers", "-n", ns]);
      const peers = JSON.parse(summary.data?.["peers.json"] ?? "[]") as Record<string, unknown>[];
      const entry = peers.find((p) => p["name"] === "alpha");
      assert.equal(entry?.["publicAddress"], `${HOSTNAME}:${nodePort}`);
      assert.equal(entry?.["address"], `alpha-0.alpha.${ns}.svc.cluster.local`);
      assert.equal(peers.find((p) => p["name"] === "beta")?.["publicAddress"], undefined);
      return summary;
    });
    assert.ok(!(knownPeersLines(listed) ?? []).some((line) => line.startsWith(HOSTNAME)));
    step(`peers.json: alpha publicAddress ${HOSTNAME}:${nodePort}, beta lists its internal name`);

    // Syncs keep what the API server allocated: a change of the user's annotations is
    // applied in place, the node port and cluster IP stay, and then nothing moves.
    await patchStellarNode(ns, "alpha", {
      spec: { externalPeering: { annotations: { "example.org/owner": "e2e-2" } } },
    });
    const updated = await waitFor("the new annotation on alpha-external", async () => {
      const now = await getExternal(ns, "alpha");
      assert.equal(now?.metadata.annotations?.["example.org/owner"], "e2e-2");
      return now;
    });
    assert.equal(updated?.spec.ports[0]?.nodePort, nodePort, "the node port stays");
    assert.equal(updated?.spec.clusterIP, service.spec.clusterIP, "the cluster IP stays");
    await sleep(SETTLE_MS);
    const settled = await getExternal(ns, "alpha");
    assert.equal(
      settled?.metadata.resourceVersion,
      updated?.metadata.resourceVersion,
      "no sync changes the Service again",
    );
    step("an annotation change applied in place; node port and cluster IP kept, then stable");

    // Bad input the CRD refuses at admission (its CEL rules and enum): nothing is stored.
    const generation = (await getStellarNode(ns, "alpha")).metadata.generation;
    assert.match(
      await refusedAtAdmission(ns, {
        spec: { externalPeering: { loadBalancerSourceRanges: ["203.0.113.0/24"] } },
      }),
      /loadBalancerSourceRanges is only for type LoadBalancer/,
    );
    assert.match(
      await refusedAtAdmission(ns, {
        spec: { externalPeering: { annotations: { [HOSTNAME_ANNOTATION]: "x.example.org" } } },
      }),
      /annotations must not set external-dns\.alpha\.kubernetes\.io\/hostname/,
    );
    assert.match(
      await refusedAtAdmission(ns, { spec: { externalPeering: { type: "ClusterIP" } } }),
      /Unsupported value: "ClusterIP"/,
    );
    assert.match(
      await refusedAtAdmission(ns, { spec: { externalPeering: { hostname: "Not_A_Name" } } }),
      /externalPeering\.hostname/,
    );
    assert.equal((await getStellarNode(ns, "alpha")).metadata.generation, generation);
    step(
      "source ranges with NodePort, the hostname annotation, type ClusterIP, a bad hostname: refused at admission",
    );

    // Bad input only the hook sees: beta asks for the node port alpha's Service holds.
    const betaBefore = await getStatefulSet(ns, "beta");
    await patchStellarNode(ns, "beta", {
      spec: { externalPeering: { type: "NodePort", nodePort } },
    });
    const refused = await waitFor("beta Valid=False for alpha's node port", async () => {
      const valid = condition((await getStellarNode(ns, "beta")).status?.conditions, "Valid");
      assert.equal(valid?.status, "False", JSON.stringify(valid));
      return valid;
    });
    assert.match(
      refused.message ?? "",
      new RegExp(
        `nodePort ${nodePort} is held by the external Service of the StellarNode ${ns}/alpha`,
      ),
    );
    await sleep(SETTLE_MS);
    assert.equal(await getExternal(ns, "beta"), undefined, "no Service beta-external");
    const betaAfter = await getStatefulSet(ns, "beta");
    assert.equal(
      betaAfter.metadata.generation,
      betaBefore.metadata.generation,
      "beta's StatefulSet unchanged",
    );
    assert.equal((await getExternal(ns, "alpha"))?.spec.ports[0]?.nodePort, nodePort);
    step(`beta asking for node port ${nodePort}: Valid=False (${refused.reason}), nothing changed`);
    await patchStellarNode(ns, "beta", { spec: { externalPeering: null } });
    await waitFor("beta Valid=True again", async () => {
      const valid = condition((await getStellarNode(ns, "beta")).status?.conditions, "Valid");
      assert.equal(valid?.status, "True");
    });

    // NodePort -> LoadBalancer with policy Local, in place: the node port and cluster IP
    // stay, the API server adds a health-check node port, and no sync takes it away. The
    // harness has no load-balancer controller: the address stays pending (absent).
    await patchStellarNode(ns, "alpha", {
      spec: { externalPeering: { type: "LoadBalancer", externalTrafficPolicy: "Local" } },
    });
    const balanced = await waitFor("alpha-external a LoadBalancer", async () => {
      const now = await getExternal(ns, "alpha");
      assert.equal(now?.spec.type, "LoadBalancer");
      assert.equal(now.spec.externalTrafficPolicy, "Local");
      assert.ok(now.spec.healthCheckNodePort, "a health-check node port is allocated");
      return now;
    });
    assert.equal(balanced.spec.ports[0]?.nodePort, nodePort, "the node port stays");
    assert.equal(balanced.spec.clusterIP, service.spec.clusterIP, "the cluster IP stays");
    await waitFor("no external address while the load balancer is pending", async () => {
      assert.equal(await externalAddress(ns, "alpha"), undefined);
    });
    await patchStellarNode(ns, "alpha", {
      spec: { externalPeering: { annotations: { "example.org/owner": "e2e-3" } } },
    });
    const resynced = await waitFor("the next annotation on the LoadBalancer", async () => {
      const now = await getExternal(ns, "alpha");
      assert.equal(now?.metadata.annotations?.["example.org/owner"], "e2e-3");
      return now;
    });
    assert.equal(resynced?.spec.healthCheckNodePort, balanced.spec.healthCheckNodePort);
    assert.equal(resynced?.spec.ports[0]?.nodePort, nodePort);
    step(
      `LoadBalancer/Local in place: node port ${nodePort} and health-check node port ${balanced.spec.healthCheckNodePort} kept across syncs`,
    );

    // Without externalPeering the Service goes.
    await patchStellarNode(ns, "alpha", { spec: { externalPeering: null } });
    await waitFor("Service alpha-external deleted", async () => {
      assert.equal(await getExternal(ns, "alpha"), undefined);
      assert.equal(await externalAddress(ns, "alpha"), undefined);
    });
    step("externalPeering removed: Service alpha-external deleted, no externalAddress");
  },
);
