import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { loadSidecarConfig } from "../../hooks/sidecar/config.js";
import { syncStellarNode } from "../../hooks/sync/sync.js";
import { FIXED_NOW, observed, stellarNode, syncRequest } from "../support/fixtures.js";

/*
 * spec.peerDiscovery.updateStrategy LiveConnect, seen from outside the sync hook: its
 * response to a request, with and without the hook server's SIDECAR_IMAGE.
 */

const SIDECAR_IMAGE = "ghcr.io/example/stellar-peers:1.2.3";
const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const PEERS_HASH_ANNOTATION = "stellar.org/peers-hash";

type Sync = ReturnType<typeof syncStellarNode>["response"];

interface Container {
  name: string;
  image?: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number; protocol?: string }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface PodTemplate {
  metadata: { annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    initContainers?: Container[];
    volumes: { name: string; configMap?: { name: string } }[];
  };
}

function liveConnect(name: string, options: Parameters<typeof stellarNode>[1] = {}): KubeObject {
  return stellarNode(name, {
    ...options,
    spec: { ...options.spec, peerDiscovery: { updateStrategy: "LiveConnect" } },
  });
}

function sync(parent: KubeObject, sidecarImage?: string, children?: Sync["children"]): Sync {
  const related = [parent, stellarNode("validator-b")];
  return syncStellarNode(
    syncRequest(parent, { related, ...(children ? { children: observed(children) } : {}) }),
    { ...OPTIONS, ...(sidecarImage === undefined ? {} : { sidecarImage }) },
  ).response;
}

function child(response: Sync, kind: string, name: string): KubeObject {
  const found = response.children.find((c) => c.kind === kind && c.metadata.name === name);
  assert.ok(found, `${kind} ${name} among the children`);
  return found;
}

function template(response: Sync, name: string): PodTemplate {
  return (child(response, "StatefulSet", name)["spec"] as { template: PodTemplate }).template;
}

function condition(response: Sync, type: string) {
  return response.status.conditions.find((c) => c.type === type);
}

describe("LiveConnect without the hook server's SIDECAR_IMAGE", () => {
  it("refuses the spec: Valid=False, reason LiveConnectUnavailable, naming SIDECAR_IMAGE", () => {
    const response = sync(liveConnect("validator-a"));
    const valid = condition(response, "Valid");
    assert.equal(valid?.status, "False");
    assert.equal(valid?.reason, "LiveConnectUnavailable");
    assert.match(valid?.message ?? "", /SIDECAR_IMAGE/);
    assert.match(valid?.message ?? "", /QuorumSafe/);
    // Nothing that runs stellar-core is created for it.
    assert.deepEqual(
      response.children.filter((c) => c.kind === "StatefulSet"),
      [],
    );
  });

  it("keeps a running validator's children as they are when its spec switches to LiveConnect", () => {
    const running = sync(stellarNode("validator-a"));
    assert.equal(condition(running, "Valid")?.status, "True");
    const switched = liveConnect("validator-a", { generation: 2, status: running.status });
    const response = sync(switched, undefined, running.children);
    assert.equal(condition(response, "Valid")?.reason, "LiveConnectUnavailable");
    assert.equal(condition(response, "Valid")?.observedGeneration, 2);
    // Every observed child is kept (omitting one would delete it), and the StatefulSet as
    // it was applied: the validator runs on, untouched.
    const names = (children: Sync["children"]) =>
      children.map((c) => `${c.kind}/${c.metadata.name}`);
    assert.deepEqual(names(response.children).sort(), names(running.children).sort());
    assert.deepEqual(
      child(response, "StatefulSet", "validator-a"),
      child(running, "StatefulSet", "validator-a"),
    );
  });

  it("is no refusal with the image set", () => {
    const response = sync(liveConnect("validator-a"), SIDECAR_IMAGE);
    assert.equal(condition(response, "Valid")?.status, "True");
    assert.equal(condition(response, "TemplateApplied")?.status, "True");
    assert.match(condition(response, "TemplateApplied")?.message ?? "", /LiveConnect/);
  });
});

describe("LiveConnect with a sidecar image: the rendered StatefulSet", () => {
  const response = sync(liveConnect("validator-a"), SIDECAR_IMAGE);
  const pod = template(response, "validator-a");
  const connector = pod.spec.containers.find((c) => c.name === "peer-connector");
  const env = Object.fromEntries((connector?.env ?? []).map((e) => [e.name, e.value]));

  it("runs the container peer-connector, of the sidecar image, next to stellar-core", () => {
    assert.deepEqual(
      pod.spec.containers.map((c) => c.name),
      ["stellar-core", "peer-connector"],
    );
    assert.ok(connector);
    assert.equal(connector.image, SIDECAR_IMAGE);
    assert.deepEqual(connector.command, ["node", "dist/hooks/sidecar/main.js"]);
  });

  it("points it at the mounted KNOWN_PEERS of the node's peers ConfigMap", () => {
    assert.deepEqual(Object.keys(env), ["PEERS_FILE", "CORE_URL", "METRICS_PORT"]);
    const mount = connector?.volumeMounts?.find((m) => m.name === "peers");
    assert.deepEqual(mount, { name: "peers", mountPath: "/etc/stellar/peers", readOnly: true });
    assert.equal(env["PEERS_FILE"], "/etc/stellar/peers/KNOWN_PEERS");
    const volume = pod.spec.volumes.find((v) => v.name === "peers");
    assert.equal(volume?.configMap?.name, "validator-a-peers");
    const peers = child(response, "ConfigMap", "validator-a-peers")["data"] as Record<
      string,
      string
    >;
    assert.equal(
      peers["KNOWN_PEERS"],
      "validator-b-0.validator-b.stellar.svc.cluster.local:11625\n",
    );
  });

  it("points it at stellar-core's admin port, on localhost", () => {
    assert.equal(env["CORE_URL"], "http://127.0.0.1:11626");
    const config = child(response, "ConfigMap", "validator-a-config")["data"] as Record<
      string,
      string
    >;
    assert.match(config["stellar-core.cfg"] ?? "", /^HTTP_PORT = 11626$/m);
  });

  it("serves its probes and metrics on the port it declares", () => {
    assert.equal(env["METRICS_PORT"], "9102");
    assert.deepEqual(connector?.ports, [
      { name: "sidecar-metrics", containerPort: 9102, protocol: "TCP" },
    ]);
    assert.deepEqual(connector?.readinessProbe?.httpGet, {
      path: "/readyz",
      port: "sidecar-metrics",
    });
    assert.deepEqual(connector?.livenessProbe?.httpGet, {
      path: "/healthz",
      port: "sidecar-metrics",
    });
  });

  it("sets an environment the sidecar's own configuration accepts as such", () => {
    const config = loadSidecarConfig(env);
    assert.equal(config.PEERS_FILE, env["PEERS_FILE"]);
    assert.equal(config.CORE_URL, env["CORE_URL"]);
    assert.equal(config.METRICS_PORT, 9102);
  });

  it("keeps the peers hash off the pod template: a new peer restarts nothing", () => {
    assert.equal(pod.metadata.annotations?.[PEERS_HASH_ANNOTATION], undefined);
    assert.ok(pod.metadata.annotations?.["stellar.org/config-hash"]);
    // QuorumSafe, by contrast, rolls the pod through that annotation.
    const quorumSafe = sync(stellarNode("validator-a"), SIDECAR_IMAGE);
    const quorumSafePod = template(quorumSafe, "validator-a");
    assert.equal(
      quorumSafePod.metadata.annotations?.[PEERS_HASH_ANNOTATION],
      quorumSafe.status.peersHash,
    );
    assert.deepEqual(
      quorumSafePod.spec.containers.map((c) => c.name),
      ["stellar-core"],
    );
  });

  it("changes the pod template by nothing when the peer list changes", () => {
    const more = syncStellarNode(
      syncRequest(liveConnect("validator-a"), {
        related: [
          liveConnect("validator-a"),
          stellarNode("validator-b"),
          stellarNode("validator-c"),
        ],
      }),
      { ...OPTIONS, sidecarImage: SIDECAR_IMAGE },
    ).response;
    assert.notEqual(more.status.peersHash, response.status.peersHash);
    assert.deepEqual(template(more, "validator-a"), pod);
  });
});
