import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { publicPeerAddress } from "../../hooks/discovery/public-address.js";
import { projectRelatedNode, readPeerCandidates } from "../../hooks/discovery/related-nodes.js";
import { stellarNodeCrd } from "../../hooks/generate/crd.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { SyncRequest } from "../../hooks/metacontroller/composite-hooks.js";
import { annotationKeyProblem, isCidr } from "../../hooks/spec/external-peering.js";
import { externalAddress } from "../../hooks/sync/external-service.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import {
  FIXED_NOW,
  observed,
  stellarNode,
  syncRequest,
  type NodeOptions,
} from "../support/fixtures.js";
import { syncResponse } from "../support/sync.js";

/*
 * spec.externalPeering (issue 15, item 1 and its bad input): the Service <name>-external,
 * what the API server allocates on it, status.externalAddress and the public name in
 * peers.json. The Service's rules are Kubernetes' (k8s.io/kubernetes
 * pkg/apis/core/validation ValidateService; allocation: pkg/registry/core/service/storage).
 */

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const sync = (request: SyncRequest): SyncResponse => syncResponse(request, OPTIONS);
const names = (response: SyncResponse) =>
  response.children.map((c) => `${c.kind}/${c.metadata.name}`);
const external = (response: SyncResponse): KubeObject | undefined =>
  response.children.find((c) => c.kind === "Service" && c.metadata.name === "a-external");
const serviceSpec = (service: KubeObject | undefined) => {
  assert.ok(service, "the external Service is desired");
  return service["spec"] as Record<string, unknown> & { ports: Record<string, unknown>[] };
};
/** A spec as written by hand, bad values included (the type checks the good ones only). */
const raw = (spec: Record<string, unknown>): NodeOptions["spec"] => spec as NodeOptions["spec"];
const condition = (response: SyncResponse, type: string) =>
  response.status.conditions.find((c) => c.type === type);

/** A StellarNode `a` with spec.externalPeering (and optionally more spec). */
const exposed = (
  externalPeering: Record<string, unknown>,
  more: { validatorConfig?: Record<string, unknown>; status?: Record<string, unknown> } = {},
) => stellarNode("a", { spec: raw({ externalPeering }), ...more });

/**
 * The observed children as the API server holds them after applying `response`: the
 * external Service with a clusterIP, its node port and, for a LoadBalancer with policy
 * Local, a health-check node port, plus the load balancer's status when given.
 */
function allocated(
  response: SyncResponse,
  loadBalancer: Record<string, unknown> | undefined = undefined,
): Record<string, KubeObject[]> {
  const groups = observed(response.children);
  groups["Service.v1"] = (groups["Service.v1"] ?? []).map((service) => {
    if (service.metadata.name !== "a-external") return service;
    const spec = serviceSpec(service);
    return {
      ...service,
      spec: {
        ...spec,
        clusterIP: "10.96.0.7",
        clusterIPs: ["10.96.0.7"],
        ipFamilies: ["IPv4"],
        ports: spec.ports.map((port) => ({ nodePort: 31234, ...port })),
        ...(spec["type"] === "LoadBalancer" && spec["externalTrafficPolicy"] === "Local"
          ? { healthCheckNodePort: 32001 }
          : {}),
      },
      status: { loadBalancer: loadBalancer ?? {} },
    };
  });
  return groups;
}

describe("the external Service", () => {
  it("exists only with spec.externalPeering, named <name>-external", () => {
    assert.deepEqual(names(sync(syncRequest(stellarNode("a")))), [
      "ConfigMap/a-config",
      "ConfigMap/a-peers",
      "Service/a",
      "StatefulSet/a",
    ]);
    assert.deepEqual(names(sync(syncRequest(exposed({ type: "NodePort" })))), [
      "ConfigMap/a-config",
      "ConfigMap/a-peers",
      "Service/a",
      "Service/a-external",
      "StatefulSet/a",
    ]);
  });

  it("publishes the peer port only: never the admin port, nor the sidecar's metrics port", () => {
    for (const peerPort of [undefined, 11700]) {
      const response = sync(
        syncRequest(
          stellarNode("a", {
            spec: raw({ externalPeering: { type: "LoadBalancer" }, peerDiscovery: {} }),
            validatorConfig: peerPort === undefined ? {} : { peerPort },
          }),
        ),
      );
      const spec = serviceSpec(external(response));
      assert.deepEqual(spec.ports, [
        { name: "peer", port: peerPort ?? 11625, targetPort: "peer", protocol: "TCP" },
      ]);
      assert.deepEqual(spec["selector"], {
        "app.kubernetes.io/name": "stellar-node",
        "app.kubernetes.io/instance": "a",
      });
    }
  });

  it("renders type, policy, source ranges, nodePort and the user's annotations with the hostname", () => {
    const response = sync(
      syncRequest(
        exposed({
          type: "LoadBalancer",
          hostname: "core-a.example.org",
          annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" },
          loadBalancerSourceRanges: ["203.0.113.0/24"],
          externalTrafficPolicy: "Local",
          nodePort: 30500,
        }),
      ),
    );
    const service = external(response);
    const spec = serviceSpec(service);
    assert.equal(spec["type"], "LoadBalancer");
    assert.equal(spec["externalTrafficPolicy"], "Local");
    assert.deepEqual(spec["loadBalancerSourceRanges"], ["203.0.113.0/24"]);
    assert.equal(spec.ports[0]?.["nodePort"], 30500, "nodePort with a LoadBalancer is allowed");
    assert.deepEqual(service?.metadata.annotations, {
      "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
      "external-dns.alpha.kubernetes.io/hostname": "core-a.example.org",
    });
    assert.equal(condition(response, "Valid")?.status, "True");
  });

  it("goes when externalPeering is removed (Metacontroller deletes an observed child left out)", () => {
    const first = sync(syncRequest(exposed({ type: "NodePort" })));
    const response = sync(syncRequest(stellarNode("a"), { children: allocated(first) }));
    assert.equal(external(response), undefined);
    assert.equal(response.status.externalAddress, undefined);
  });
});

describe("what the API server allocated is carried over", () => {
  it("clusterIPs and the node port: the next sync desires what runs", () => {
    const first = sync(syncRequest(exposed({ type: "NodePort" })));
    assert.equal(serviceSpec(external(first)).ports[0]?.["nodePort"], undefined);
    const second = sync(syncRequest(exposed({ type: "NodePort" }), { children: allocated(first) }));
    const spec = serviceSpec(external(second));
    assert.equal(spec["clusterIP"], "10.96.0.7");
    assert.deepEqual(spec["clusterIPs"], ["10.96.0.7"]);
    assert.equal(spec.ports[0]?.["nodePort"], 31234);
    // A third sync over the second's result changes nothing.
    const third = sync(syncRequest(exposed({ type: "NodePort" }), { children: allocated(second) }));
    assert.equal(JSON.stringify(external(third)), JSON.stringify(external(second)));
  });

  it("a nodePort in the spec wins over the allocated one", () => {
    const first = sync(syncRequest(exposed({ type: "NodePort" })));
    const moved = sync(
      syncRequest(exposed({ type: "NodePort", nodePort: 30001 }), { children: allocated(first) }),
    );
    assert.equal(serviceSpec(external(moved)).ports[0]?.["nodePort"], 30001);
  });

  it("the health-check node port only while the Service stays a LoadBalancer with policy Local", () => {
    const local = { type: "LoadBalancer", externalTrafficPolicy: "Local" };
    const first = sync(syncRequest(exposed(local)));
    const children = allocated(first);
    const kept = sync(syncRequest(exposed(local), { children }));
    assert.equal(serviceSpec(external(kept))["healthCheckNodePort"], 32001);
    for (const other of [
      { type: "LoadBalancer", externalTrafficPolicy: "Cluster" },
      { type: "NodePort", externalTrafficPolicy: "Local" },
    ]) {
      const spec = serviceSpec(external(sync(syncRequest(exposed(other), { children }))));
      assert.equal(spec["healthCheckNodePort"], undefined, JSON.stringify(other));
      assert.equal(spec.ports[0]?.["nodePort"], 31234, "the node port stays");
    }
  });

  it("a new peer port keeps the node port (matched by port name, as the API server does)", () => {
    const first = sync(syncRequest(exposed({ type: "NodePort" })));
    const moved = sync(
      syncRequest(exposed({ type: "NodePort" }, { validatorConfig: { peerPort: 11700 } }), {
        children: allocated(first),
      }),
    );
    assert.deepEqual(serviceSpec(external(moved)).ports[0], {
      name: "peer",
      port: 11700,
      targetPort: "peer",
      protocol: "TCP",
      nodePort: 31234,
    });
  });
});

describe("status.externalAddress", () => {
  const service = (type: string, status: unknown, nodePort?: number): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "a-external" },
    spec: { type, ports: [{ name: "peer", port: 11625, ...(nodePort ? { nodePort } : {}) }] },
    status,
  });

  it("LoadBalancer: the first ingress's hostname, else its IP, with the peer port", () => {
    const lb = (ingress: unknown[]) =>
      service("LoadBalancer", { loadBalancer: { ingress } }, 31234);
    assert.equal(
      externalAddress(
        lb([{ hostname: "x.elb.example.com", ip: "192.0.2.1" }, { ip: "192.0.2.9" }]),
      ),
      "x.elb.example.com:11625",
    );
    assert.equal(externalAddress(lb([{ ip: "192.0.2.1" }])), "192.0.2.1:11625");
    assert.equal(externalAddress(lb([{ ip: "2001:db8::1" }])), "[2001:db8::1]:11625");
    assert.equal(externalAddress(lb([])), undefined, "pending: no address yet");
    assert.equal(externalAddress(service("LoadBalancer", {}, 31234)), undefined);
  });

  it("NodePort: the allocated node port alone, no Node objects related", () => {
    assert.equal(externalAddress(service("NodePort", {}, 31234)), ":31234");
    assert.equal(externalAddress(service("NodePort", {})), undefined);
    assert.equal(externalAddress(undefined), undefined);
  });

  it("comes from the observed Service in the sync's status", () => {
    const first = sync(syncRequest(exposed({ type: "NodePort" })));
    assert.equal(first.status.externalAddress, undefined, "not allocated yet");
    const second = sync(syncRequest(exposed({ type: "NodePort" }), { children: allocated(first) }));
    assert.equal(second.status.externalAddress, ":31234");
    const lb = { type: "LoadBalancer" };
    const pending = sync(syncRequest(exposed(lb)));
    const ready = sync(
      syncRequest(exposed(lb), {
        children: allocated(pending, { ingress: [{ ip: "198.51.100.4" }] }),
      }),
    );
    assert.equal(ready.status.externalAddress, "198.51.100.4:11625");
  });

  it("is shown by kubectl get sn -o wide (a printer column of priority 1)", () => {
    const crd = stellarNodeCrd() as {
      spec: { versions: { additionalPrinterColumns: Record<string, unknown>[] }[] };
    };
    const columns = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    assert.deepEqual(
      columns.find((c) => c["jsonPath"] === ".status.externalAddress"),
      { name: "External", type: "string", jsonPath: ".status.externalAddress", priority: 1 },
    );
  });
});

describe("bad input: Valid=False saying why, nothing running changed", () => {
  const good = { type: "NodePort", hostname: "core-a.example.org" };
  // Running: the Service applied with what the API server allocated carried over.
  const first = sync(syncRequest(exposed(good)));
  const running = sync(syncRequest(exposed(good), { children: allocated(first) }));
  const children = allocated(running);
  const status = running.status;
  const runningChildren = running.children;

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["a type other than the two", { type: "ClusterIP" }, /spec\.externalPeering\.type: /],
    ["no type", { hostname: "core-a.example.org" }, /spec\.externalPeering\.type: /],
    [
      "a hostname with an upper-case letter",
      { ...good, hostname: "Core-A.example.org" },
      /spec\.externalPeering\.hostname: /,
    ],
    ["a hostname of one label", { ...good, hostname: "core-a" }, /spec\.externalPeering\.hostname/],
    ["a wildcard hostname", { ...good, hostname: "*.example.org" }, /externalPeering\.hostname/],
    ["a trailing dot", { ...good, hostname: "core-a.example.org." }, /externalPeering\.hostname/],
    ["an underscore", { ...good, hostname: "core_a.example.org" }, /externalPeering\.hostname/],
    [
      "a label of 64 characters",
      { ...good, hostname: `${"a".repeat(64)}.example.org` },
      /externalPeering\.hostname/,
    ],
    [
      "external-dns' hostname annotation",
      { ...good, annotations: { "external-dns.alpha.kubernetes.io/hostname": "x.example.org" } },
      /external-dns\.alpha\.kubernetes\.io\/hostname is rendered from externalPeering\.hostname/,
    ],
    [
      "the source-ranges annotation",
      {
        type: "LoadBalancer",
        annotations: { "service.beta.kubernetes.io/load-balancer-source-ranges": "10.0.0.0/8" },
      },
      /rendered from externalPeering\.loadBalancerSourceRanges/,
    ],
    [
      "Metacontroller's annotation",
      {
        ...good,
        annotations: { "metacontroller.k8s.io/last-applied-configuration": "{}" },
      },
      /the prefix metacontroller\.k8s\.io\/ belongs to stellar-peers/,
    ],
    [
      "an annotation of ours",
      { ...good, annotations: { "stellar.org/peers-hash": "x" } },
      /the prefix stellar\.org\/ belongs to stellar-peers/,
    ],
    [
      "an annotation key Kubernetes refuses",
      { ...good, annotations: { "bad key": "x" } },
      /"bad key" is not an annotation key/,
    ],
    [
      "loadBalancerSourceRanges with NodePort",
      { type: "NodePort", loadBalancerSourceRanges: ["203.0.113.0/24"] },
      /loadBalancerSourceRanges: is only for type LoadBalancer, not NodePort/,
    ],
    [
      "a source range that is not a CIDR",
      { type: "LoadBalancer", loadBalancerSourceRanges: ["203.0.113.7"] },
      /loadBalancerSourceRanges\.0: must be an IPv4 or IPv6 CIDR/,
    ],
    ["a nodePort below the range", { type: "NodePort", nodePort: 11625 }, /nodePort: /],
    ["a nodePort above the range", { type: "NodePort", nodePort: 32768 }, /nodePort: /],
    [
      "an externalTrafficPolicy other than the two",
      { type: "NodePort", externalTrafficPolicy: "Nearest" },
      /externalTrafficPolicy: /,
    ],
  ];
  for (const [title, spec, message] of cases) {
    it(`${title}: refused, the Services and the rest as they run`, () => {
      const response = sync(syncRequest(exposed(spec, { status }), { children }));
      const valid = condition(response, "Valid");
      assert.equal(valid?.status, "False");
      assert.equal(valid?.reason, "InvalidSpec");
      assert.match(valid?.message ?? "", message);
      assert.equal(JSON.stringify(response.children), JSON.stringify(runningChildren));
      assert.equal(response.status.externalAddress, ":31234", "still where it is reachable");
    });
  }

  it("a brand-new node with a bad externalPeering gets no children at all", () => {
    const response = sync(syncRequest(exposed({ type: "ExternalName" })));
    assert.deepEqual(response.children, []);
    assert.equal(condition(response, "Valid")?.reason, "InvalidSpec");
  });

  it("a StellarNode <name>-external in the namespace: its headless Service has the name", () => {
    const parent = exposed(good, { status });
    const clash = stellarNode("a-external");
    const response = sync(syncRequest(parent, { children, related: [parent, clash] }));
    const valid = condition(response, "Valid");
    assert.equal(valid?.reason, "InvalidName");
    assert.match(valid?.message ?? "", /the headless Service of the StellarNode a-external/);
    // All as they run but the peers ConfigMap, which follows discovery (a new peer).
    const frozen = (list: readonly KubeObject[]) =>
      JSON.stringify(list.filter((c) => c.metadata.name !== "a-peers"));
    assert.equal(frozen(response.children), frozen(runningChildren));
    // In another namespace it is no clash.
    const elsewhere = stellarNode("a-external", { namespace: "other" });
    const fine = sync(syncRequest(parent, { children, related: [parent, elsewhere] }));
    assert.equal(condition(fine, "Valid")?.status, "True");
  });

  it("two members asking for one nodePort: the one created later is refused", () => {
    const port = { type: "NodePort", nodePort: 30100 };
    const node = (name: string, created: string) => {
      const object = stellarNode(name, { spec: raw({ externalPeering: port }) });
      object.metadata["creationTimestamp"] = created;
      return object;
    };
    const older = node("a", "2026-11-01T00:00:00Z");
    const younger = node("b", "2026-11-02T00:00:00Z");
    const related = [older, younger];
    assert.equal(condition(sync(syncRequest(older, { related })), "Valid")?.status, "True");
    const refused = sync(syncRequest(younger, { related }));
    assert.equal(condition(refused, "Valid")?.reason, "InvalidSpec");
    assert.match(
      condition(refused, "Valid")?.message ?? "",
      /nodePort 30100 is already asked for by the StellarNode stellar\/a, created earlier/,
    );
    // Another nodePort, or none: no clash.
    const other = stellarNode("b", { spec: raw({ externalPeering: { type: "NodePort" } }) });
    assert.equal(
      condition(sync(syncRequest(other, { related: [older, other] })), "Valid")?.status,
      "True",
    );
  });

  it("a nodePort another member's Service holds (its externalAddress) is refused, whatever its age", () => {
    const holder = stellarNode("a", {
      spec: raw({ externalPeering: { type: "NodePort" } }),
      status: { externalAddress: ":31234", conditions: [] },
    });
    holder.metadata["creationTimestamp"] = "2026-11-05T00:00:00Z";
    const asking = stellarNode("b", {
      spec: raw({ externalPeering: { type: "NodePort", nodePort: 31234 } }),
    });
    const refused = sync(syncRequest(asking, { related: [holder, asking] }));
    assert.equal(condition(refused, "Valid")?.reason, "InvalidSpec");
    assert.match(
      condition(refused, "Valid")?.message ?? "",
      /nodePort 31234 is held by the external Service of the StellarNode stellar\/a/,
    );
    assert.equal(
      refused.children.find((c) => c.metadata.name === "b-external"),
      undefined,
      "no external Service was running: none is made",
    );
    assert.equal(
      condition(sync(syncRequest(holder, { related: [holder, asking] })), "Valid")?.status,
      "True",
    );
  });

  it("the CRD refuses the cross-field cases at admission too (CEL rules)", () => {
    const crd = JSON.stringify(stellarNodeCrd());
    assert.ok(crd.includes("self.type == 'LoadBalancer' || !has(self.loadBalancerSourceRanges)"));
    assert.ok(crd.includes("k != 'external-dns.alpha.kubernetes.io/hostname'"));
    assert.ok(crd.includes("!k.startsWith('metacontroller.k8s.io/')"));
  });
});

describe("the rules behind the refusals", () => {
  it("CIDRs as a Service takes them", () => {
    for (const ok of ["0.0.0.0/0", "203.0.113.0/24", "10.1.2.3/32", "::/0", "2001:db8::/32"]) {
      assert.ok(isCidr(ok), ok);
    }
    for (const bad of [
      "10.0.0.0",
      "10.0.0.0/33",
      "2001:db8::/129",
      "01.2.3.4/8",
      "fe80::1%eth0/64",
      "x/8",
      "",
    ]) {
      assert.ok(!isCidr(bad), bad);
    }
  });

  it("annotation keys: the user's own pass, ours and malformed ones do not", () => {
    for (const ok of [
      "service.beta.kubernetes.io/aws-load-balancer-type",
      "external-dns.alpha.kubernetes.io/ttl",
      "cloud.google.com/l4-rbs",
      "plain",
    ]) {
      assert.equal(annotationKeyProblem(ok), undefined, ok);
    }
    for (const bad of [
      "external-dns.alpha.kubernetes.io/hostname",
      "metacontroller.k8s.io/x",
      "stellar.org/x",
      "Upper.Example/x",
      `example.org/${"n".repeat(64)}`,
      "/x",
      "a/b/c",
    ]) {
      assert.notEqual(annotationKeyProblem(bad), undefined, bad);
    }
  });
});

describe("the public name in the namespace summary", () => {
  const withStatus = (node: KubeObject, status: Record<string, unknown>): KubeObject => ({
    ...node,
    status,
  });

  it("LoadBalancer: hostname and the peer port", () => {
    const node = stellarNode("a", {
      spec: raw({ externalPeering: { type: "LoadBalancer", hostname: "core-a.example.org" } }),
      validatorConfig: { peerPort: 11700 },
    });
    assert.equal(publicPeerAddress(node), "core-a.example.org:11700");
  });

  it("NodePort: the spec's node port, else the allocated one from status, else none yet", () => {
    const spec = (nodePort?: number) =>
      stellarNode("a", {
        spec: {
          externalPeering: {
            type: "NodePort",
            hostname: "core-a.example.org",
            ...(nodePort === undefined ? {} : { nodePort }),
          },
        },
      });
    assert.equal(publicPeerAddress(spec(30100)), "core-a.example.org:30100");
    assert.equal(
      publicPeerAddress(withStatus(spec(), { externalAddress: ":31234" })),
      "core-a.example.org:31234",
    );
    assert.equal(publicPeerAddress(spec()), undefined);
  });

  it("none without a hostname, or with an externalPeering that does not parse", () => {
    assert.equal(
      publicPeerAddress(stellarNode("a", { spec: raw({ externalPeering: { type: "NodePort" } }) })),
      undefined,
    );
    assert.equal(
      publicPeerAddress(
        stellarNode("a", {
          spec: raw({ externalPeering: { type: "ClusterIP", hostname: "core-a.example.org" } }),
        }),
      ),
      undefined,
    );
    assert.equal(publicPeerAddress(stellarNode("a")), undefined);
  });
});

describe("the lean sync body keeps what the nodePort check reads", () => {
  it("projectRelatedNode keeps spec.externalPeering.nodePort and nothing else of it", () => {
    const node = stellarNode("a", {
      spec: {
        externalPeering: {
          type: "NodePort",
          nodePort: 30100,
          annotations: { "cloud.example/x": "y" },
        },
      },
    });
    const projected = projectRelatedNode(node) as { spec: Record<string, unknown> };
    assert.deepEqual(projected.spec["externalPeering"], { nodePort: 30100 });
    const map = (object: unknown) => ({
      "StellarNode.stellar.org/v1alpha1": { "stellar/a": object },
    });
    assert.deepEqual(
      readPeerCandidates(map(projected), "stellar"),
      readPeerCandidates(map(node), "stellar"),
    );
    assert.equal(readPeerCandidates(map(projected), "stellar")[0]?.externalNodePort, 30100);
    const allocated = { ...node, status: { externalAddress: ":31234", conditions: [] } };
    const candidate = readPeerCandidates(map(projectRelatedNode(allocated)), "stellar")[0];
    assert.equal(candidate?.allocatedNodePort, 31234);
  });
});
