import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { peerSetChange } from "../../hooks/http/peer-set-change.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { SyncRequest, SyncResponse } from "../../hooks/sync/hook-api.js";
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

function response(children: readonly KubeObject[]): SyncResponse {
  return { status: { conditions: [] }, children: [...children] };
}

const B = "b-0.b.stellar.svc.cluster.local:11625";
const C = "c-0.c.stellar.svc.cluster.local:11625";
const D = "d-0.d.stellar.svc.cluster.local:11625";

describe("peerSetChange (rendered KNOWN_PEERS against the observed <name>-peers ConfigMap)", () => {
  it("is undefined when the rendered list equals the observed one", () => {
    const text = `${B}\n${C}\n`;
    assert.equal(
      peerSetChange(request([peersConfigMap(text)]), response([peersConfigMap(text)])),
      undefined,
    );
  });

  it("reports the peers added and removed, sorted, when the lists differ", () => {
    assert.deepEqual(
      peerSetChange(
        request([peersConfigMap(`${B}\n${C}\n`)]),
        response([peersConfigMap(`${D}\n${B}\n`)]),
      ),
      { change: "updated", added: [D], removed: [C] },
    );
  });

  it("counts a first peers ConfigMap as an initial change", () => {
    assert.deepEqual(peerSetChange(request([]), response([peersConfigMap(`${B}\n`)])), {
      change: "initial",
      added: [B],
      removed: [],
    });
  });

  it("counts an observed ConfigMap without KNOWN_PEERS as updated", () => {
    assert.deepEqual(
      peerSetChange(request([peersConfigMap(undefined)]), response([peersConfigMap("")])),
      { change: "updated", added: [], removed: [] },
    );
  });

  it("is undefined when no peers ConfigMap is rendered (an invalid brand-new node)", () => {
    assert.equal(peerSetChange(request([peersConfigMap(`${B}\n`)]), response([])), undefined);
  });

  it("looks only at the parent's own <name>-peers ConfigMap", () => {
    const other = peersConfigMap(`${C}\n`, "b-peers");
    assert.equal(
      peerSetChange(
        request([peersConfigMap(`${B}\n`), other]),
        response([peersConfigMap(`${B}\n`), peersConfigMap(`${D}\n`, "b-peers")]),
      ),
      undefined,
    );
  });

  it("finds the observed child whether Metacontroller keys it by name (v1) or ns/name (v2)", () => {
    for (const version of ["v1", "v2"] as const) {
      const observed = syncRequest(parent, {
        version,
        children: { "ConfigMap.v1": [peersConfigMap(`${B}\n`)] },
      });
      assert.equal(peerSetChange(observed, response([peersConfigMap(`${B}\n`)])), undefined);
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
