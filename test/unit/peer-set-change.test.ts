import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { SyncRequest } from "../../hooks/metacontroller/composite-hooks.js";
import { readObservedState } from "../../hooks/sync/observed-state.js";
import { peerSetChange } from "../../hooks/sync/peer-set-change.js";
import { stellarNode, syncRequest } from "../support/fixtures.js";
import { testServer } from "../support/server.js";

const parent = stellarNode("a");

function peersConfigMap(knownPeers: string | undefined, name = "a-peers"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "stellar" },
    data: knownPeers === undefined ? { peer_count: "0" } : { KNOWN_PEERS: knownPeers },
  };
}

function request(observed: readonly KubeObject[]): SyncRequest {
  return syncRequest(parent, { children: { "ConfigMap.v1": observed } });
}

/** The change between the observed children of `observedRequest` and a rendered list. */
function change(observedRequest: SyncRequest, rendered: string) {
  return peerSetChange(readObservedState(observedRequest).peersConfigMap, rendered);
}

const B = "b-0.b.stellar.svc.cluster.local:11625";
const C = "c-0.c.stellar.svc.cluster.local:11625";
const D = "d-0.d.stellar.svc.cluster.local:11625";

describe("peerSetChange (rendered KNOWN_PEERS against the observed <name>-peers ConfigMap)", () => {
  it("is undefined when the rendered list equals the observed one", () => {
    const text = `${B}\n${C}\n`;
    assert.equal(change(request([peersConfigMap(text)]), text), undefined);
  });

  it("reports the peers added and removed, sorted, when the lists differ", () => {
    assert.deepEqual(change(request([peersConfigMap(`${B}\n${C}\n`)]), `${D}\n${B}\n`), {
      change: "updated",
      added: [D],
      removed: [C],
    });
  });

  it("counts a first peers ConfigMap as an initial change", () => {
    assert.deepEqual(change(request([]), `${B}\n`), {
      change: "initial",
      added: [B],
      removed: [],
    });
  });

  it("counts an observed ConfigMap without KNOWN_PEERS as updated", () => {
    assert.deepEqual(change(request([peersConfigMap(undefined)]), ""), {
      change: "updated",
      added: [],
      removed: [],
    });
  });

  it("looks only at the parent's own <name>-peers ConfigMap", () => {
    const other = peersConfigMap(`${C}\n`, "b-peers");
    assert.equal(change(request([peersConfigMap(`${B}\n`), other]), `${B}\n`), undefined);
  });

  it("finds the observed child whether Metacontroller keys it by name (v1) or ns/name (v2)", () => {
    for (const version of ["v1", "v2"] as const) {
      const observed = syncRequest(parent, {
        version,
        children: { "ConfigMap.v1": [peersConfigMap(`${B}\n`)] },
      });
      assert.equal(change(observed, `${B}\n`), undefined);
    }
  });
});

describe("hook server peer-set and invalid-spec counters", () => {
  let server: Awaited<ReturnType<typeof testServer>>;
  before(async () => {
    server = await testServer();
  });
  after(async () => server.app.close());

  it("counts a new validator's first peer list and an invalid spec", async () => {
    const b = stellarNode("b");
    const fresh = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(parent, { related: [parent, b] }),
    });
    assert.equal(fresh.statusCode, 200);
    const invalid = await server.app.inject({
      method: "POST",
      url: "/stellarnode/sync",
      payload: syncRequest(stellarNode("x", { spec: { network: "Custom" } })),
    });
    assert.equal(invalid.statusCode, 200);
    const metrics = (await server.app.inject({ url: "/metrics" })).body;
    assert.match(metrics, /stellar_peers_peer_set_changes_total\{change="initial"\} 1/);
    assert.match(metrics, /stellar_peers_peers_added_total 1/);
    assert.match(metrics, /stellar_peers_peers_removed_total 0/);
    assert.match(metrics, /stellar_peers_invalid_specs_total\{reason="InvalidSpec"\} 1/);
    assert.match(metrics, /stellar_peers_sync_rendered_peers_bucket\{le="1"\} 1/);
  });
});
