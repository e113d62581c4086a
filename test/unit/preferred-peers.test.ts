import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "smol-toml";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { parseStellarNodeSpec } from "../../hooks/spec/stellar-node-spec.js";
import { checkCoreConfig } from "../../hooks/stellar/core-checks/check-core-config.js";
import {
  adjustConnections,
  checkOverlaySettings,
} from "../../hooks/stellar/core-checks/overlay-settings.js";
import { planConnections } from "../../hooks/stellar/peer-connections.js";
import { FIXED_NOW, KEYS, stellarNode, syncRequest } from "../support/fixtures.js";
import { assertProperty } from "../support/property.js";
import { syncResponse } from "../support/sync.js";

/*
 * Item 1 of issue 16: every group member is a preferred peer; typed overlay settings,
 * checked by stellar-core's own rules (hooks/stellar/core-checks/overlay-settings.ts).
 */

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const pod = (name: string) => `${name}-0.${name}.stellar.svc.cluster.local:11625`;

function peersData(response: ReturnType<typeof syncResponse>, name: string) {
  const configMap = response.children.find((c) => c.metadata.name === `${name}-peers`);
  assert.ok(configMap, `${name}-peers is rendered`);
  return configMap["data"] as Record<string, string>;
}

function coreConfigText(response: ReturnType<typeof syncResponse>, name: string): string {
  const configMap = response.children.find((c) => c.metadata.name === `${name}-config`);
  assert.ok(configMap, `${name}-config is rendered`);
  const data = configMap["data"] as Record<string, string>;
  const text = data["stellar-core.cfg"];
  assert.ok(text !== undefined, "stellar-core.cfg");
  return text;
}

function condition(response: ReturnType<typeof syncResponse>, type: string) {
  return response.status.conditions.find((c) => c.type === type);
}

/** The file stellar-core reads, as the init container assembles it (hooks/render/init-script.ts). */
function assembled(response: ReturnType<typeof syncResponse>, name: string) {
  const seed = "SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVMN";
  return parse(
    `${peersData(response, name)["peers.toml"]}NODE_SEED="${seed}"\n${coreConfigText(response, name)}`,
  );
}

function group(count: number, selfConfig: Record<string, unknown> = {}) {
  const names = Array.from({ length: count }, (_, i) => `v${String(i).padStart(2, "0")}`);
  const self = stellarNode(names[0] ?? "v00", { validatorConfig: selfConfig });
  const others = names.slice(1).map((name) => stellarNode(name));
  return { self, names, related: [self, ...others] };
}

/** Validator a of example.org, with `quorum: Automatic` and its public key. */
function automaticSelf() {
  return stellarNode("a", {
    validatorConfig: {
      quorum: "Automatic",
      homeDomain: "example.org",
      publicKey: KEYS[0],
      quorumSet: undefined,
    },
  });
}

describe("group members are preferred peers", () => {
  it("lists every other member in PREFERRED_PEERS with the same address as in KNOWN_PEERS", () => {
    const { self, related } = group(3, { knownPeers: ["core-testnet1.stellar.org"] });
    const data = peersData(syncResponse(syncRequest(self, { related }), OPTIONS), "v00");
    assert.equal(data["PREFERRED_PEERS"], `${pod("v01")}\n${pod("v02")}\n`);
    const toml = parse(data["peers.toml"] ?? "");
    assert.deepEqual(toml["PREFERRED_PEERS"], [pod("v01"), pod("v02")]);
    // The static peer is known, not preferred.
    assert.deepEqual(toml["KNOWN_PEERS"], [
      "core-testnet1.stellar.org:11625",
      pod("v01"),
      pod("v02"),
    ]);
    assert.equal(toml["TARGET_PEER_CONNECTIONS"], 10);
  });

  it("a validator alone prefers no one and keeps stellar-core's default target", () => {
    const { self, related } = group(1);
    const response = syncResponse(syncRequest(self, { related }), OPTIONS);
    assert.equal(
      peersData(response, "v00")["peers.toml"],
      "KNOWN_PEERS = []\nPREFERRED_PEERS = []\nTARGET_PEER_CONNECTIONS = 8\n",
    );
    assert.equal(condition(response, "PeerConnections")?.status, "True");
  });

  it("does not list again the members stellar-core prefers from its automatic quorum", () => {
    // Config::parseValidators: an ADDRESS of NODE_HOME_DOMAIN goes to PREFERRED_PEERS.
    const self = automaticSelf();
    const related = [
      self,
      stellarNode("b", { validatorConfig: { homeDomain: "example.org", publicKey: KEYS[1] } }),
      stellarNode("c", { validatorConfig: { homeDomain: "example.org" } }),
      stellarNode("d", { validatorConfig: { homeDomain: "other.example", publicKey: KEYS[2] } }),
    ];
    const response = syncResponse(syncRequest(self, { related }), OPTIONS);
    const data = peersData(response, "a");
    assert.equal(data["PREFERRED_PEERS"], `${pod("c")}\n${pod("d")}\n`);
    const json = JSON.parse(data["peers.json"] ?? "[]") as { name: string; preferred: string }[];
    assert.deepEqual(
      json.map((peer) => [peer.name, peer.preferred]),
      [
        ["b", "VALIDATORS"],
        ["c", "PREFERRED_PEERS"],
        ["d", "PREFERRED_PEERS"],
      ],
    );
    // b still takes an outbound slot: 8 + 3.
    assert.equal(parse(data["peers.toml"] ?? "")["TARGET_PEER_CONNECTIONS"], 11);
  });

  it("a member still joining the generated quorum is rendered preferred until it is admitted", () => {
    // A member that has published a status but never been in consensus is not in the
    // generated [[VALIDATORS]] yet (quorum-admission.ts), so stellar-core would not prefer
    // it from there: PREFERRED_PEERS must carry it, and leave it once it is admitted.
    const self = automaticSelf();
    const member = (status: Record<string, unknown>) =>
      stellarNode("b", {
        validatorConfig: { homeDomain: "example.org", publicKey: KEYS[1] },
        status,
      });
    const preferredWith = (status: Record<string, unknown>) =>
      peersData(syncResponse(syncRequest(self, { related: [self, member(status)] }), OPTIONS), "a")[
        "PREFERRED_PEERS"
      ];
    assert.equal(preferredWith({ peerCount: 1 }), `${pod("b")}\n`);
    assert.equal(
      preferredWith({ peerCount: 1, quorum: { inQuorumSince: "2026-11-20T00:00:00Z" } }),
      "",
    );
  });

  it("a member whose publicKey fails its StrKey checksum is not taken for a quorum member", () => {
    const self = automaticSelf();
    const badKey = `${KEYS[1].slice(0, -1)}${KEYS[1].endsWith("A") ? "B" : "A"}`;
    const related = [
      self,
      stellarNode("b", { validatorConfig: { homeDomain: "example.org", publicKey: badKey } }),
    ];
    const data = peersData(syncResponse(syncRequest(self, { related }), OPTIONS), "a");
    assert.equal(data["PREFERRED_PEERS"], `${pod("b")}\n`);
  });

  it("without quorum: Automatic on self, a member's publicKey changes nothing", () => {
    const self = stellarNode("a", { validatorConfig: { homeDomain: "example.org" } });
    const related = [
      self,
      stellarNode("b", { validatorConfig: { homeDomain: "example.org", publicKey: KEYS[1] } }),
    ];
    const data = peersData(syncResponse(syncRequest(self, { related }), OPTIONS), "a");
    assert.equal(data["PREFERRED_PEERS"], `${pod("b")}\n`);
  });

  it("a group above the default target: the preferred peers come on top of 8", () => {
    const { self, related } = group(12);
    const response = syncResponse(syncRequest(self, { related }), OPTIONS);
    const toml = parse(peersData(response, "v00")["peers.toml"] ?? "");
    assert.equal((toml["PREFERRED_PEERS"] as string[]).length, 11);
    assert.equal(toml["TARGET_PEER_CONNECTIONS"], 19);
    assert.equal(toml["MAX_ADDITIONAL_PEER_CONNECTIONS"], undefined);
    const message = condition(response, "PeerConnections")?.message ?? "";
    assert.match(message, /TARGET_PEER_CONNECTIONS 19 \(8 for other peers \+ 11 preferred\)/);
    assert.match(message, /MAX_ADDITIONAL_PEER_CONNECTIONS 152 \(stellar-core's default/);
  });

  it("renders the typed overlay settings, with the preferred peers on top of both numbers", () => {
    const { self, related } = group(3, {
      overlay: {
        targetPeerConnections: 6,
        maxAdditionalPeerConnections: 40,
        preferredPeersOnly: true,
        preferredPeers: [
          "Core-Testnet1.stellar.org",
          "core-testnet1.stellar.org:11625",
          pod("v01"),
        ],
        preferredPeerKeys: [KEYS[3], KEYS[2], KEYS[3]],
      },
    });
    const data = peersData(syncResponse(syncRequest(self, { related }), OPTIONS), "v00");
    assert.equal(
      data["peers.toml"],
      [
        `KNOWN_PEERS = ["${pod("v01")}", "${pod("v02")}"]`,
        `PREFERRED_PEERS = ["core-testnet1.stellar.org:11625", "${pod("v01")}", "${pod("v02")}"]`,
        `PREFERRED_PEER_KEYS = ["${KEYS[2]}", "${KEYS[3]}"]`,
        "PREFERRED_PEERS_ONLY = true",
        // 3 addresses + 2 keys = 5 preferred: 6 + 5, and 40 + 5 (above 3 x (11 - 3) = 24).
        "TARGET_PEER_CONNECTIONS = 11",
        "MAX_ADDITIONAL_PEER_CONNECTIONS = 45",
        "",
      ].join("\n"),
    );
    const json = JSON.parse(data["peers.json"] ?? "[]") as Record<string, unknown>[];
    assert.deepEqual(json.at(-1), {
      name: null,
      namespace: null,
      address: "core-testnet1.stellar.org",
      port: 11625,
      source: "preferred",
      preferred: "PREFERRED_PEERS",
    });
  });

  it("raises MAX_ADDITIONAL_PEER_CONNECTIONS to what Config::adjust needs for the raised target", () => {
    // 8 <= 15 / 3 + 3 alone; with 9 preferred the target is 17 and needs 3 x (17 - 3) = 42.
    const { self, related } = group(10, { overlay: { maxAdditionalPeerConnections: 15 } });
    const response = syncResponse(syncRequest(self, { related }), OPTIONS);
    const toml = parse(peersData(response, "v00")["peers.toml"] ?? "");
    assert.equal(toml["TARGET_PEER_CONNECTIONS"], 17);
    assert.equal(toml["MAX_ADDITIONAL_PEER_CONNECTIONS"], 42);
    const verdict = checkOverlaySettings(toml);
    assert.ok(verdict.accepted);
    assert.deepEqual(verdict.warnings, []);
    assert.equal(verdict.settings.targetPeerConnections, 17, "stellar-core keeps the target");
  });

  it("says so when preferredPeersOnly leaves a validator with no one to connect to", () => {
    const { self, related } = group(1, { overlay: { preferredPeersOnly: true } });
    const response = syncResponse(syncRequest(self, { related }), OPTIONS);
    const peerConnections = condition(response, "PeerConnections");
    assert.equal(peerConnections?.status, "False");
    assert.equal(peerConnections?.reason, "NoPreferredPeers");
    // It is a warning: the validator still runs what the user asked for.
    assert.equal(condition(response, "Valid")?.status, "True");
    // One member more, and it has one.
    const two = group(2, { overlay: { preferredPeersOnly: true } });
    const withPeer = syncResponse(syncRequest(two.self, { related: two.related }), OPTIONS);
    assert.equal(condition(withPeer, "PeerConnections")?.status, "True");
  });

  it("refuses a preferred peer that is the node itself, as for knownPeers", () => {
    const self = stellarNode("a", { validatorConfig: { overlay: { preferredPeers: [pod("a")] } } });
    const response = syncResponse(syncRequest(self), OPTIONS);
    const valid = condition(response, "Valid");
    assert.equal(valid?.status, "False");
    assert.match(valid?.message ?? "", /overlay\.preferredPeers lists .*own address/);
  });

  it("a change of the overlay settings changes the peers hash, not the config hash", () => {
    const { self, related } = group(2);
    const before = syncResponse(syncRequest(self, { related }), OPTIONS);
    const changed = stellarNode("v00", {
      validatorConfig: { overlay: { targetPeerConnections: 9 } },
    });
    const after = syncResponse(
      syncRequest(changed, { related: [changed, ...related.slice(1)] }),
      OPTIONS,
    );
    assert.notEqual(after.status.peersHash, before.status.peersHash);
    assert.equal(after.status.configHash, before.status.configHash);
  });

  it("with PodIP addressing, a member's new IP changes no hash, and a quorum member stays in PREFERRED_PEERS", () => {
    const discovery = { addressing: "PodIP" as const };
    const self = stellarNode("a", {
      spec: { peerDiscovery: discovery },
      validatorConfig: { quorum: "Automatic", homeDomain: "example.org", quorumSet: undefined },
    });
    const podOf = (name: string, ip: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `${name}-0`, namespace: "stellar" },
      status: { phase: "Running", podIP: ip },
    });
    const run = (member: KubeObject, ip: string) => {
      const request = syncRequest(self, { related: [self, member] });
      const related = request.related as Record<string, unknown>;
      related["Pod.v1"] = { "stellar/b-0": podOf("b", ip) };
      return syncResponse(request, OPTIONS);
    };
    const plain = stellarNode("b", {
      spec: { peerDiscovery: discovery },
      validatorConfig: { homeDomain: "example.org" },
    });
    const keyed = stellarNode("b", {
      spec: { peerDiscovery: discovery },
      validatorConfig: { homeDomain: "example.org", publicKey: KEYS[1] },
    });
    const first = run(plain, "10.0.0.1");
    assert.equal(peersData(first, "a")["PREFERRED_PEERS"], "10.0.0.1:11625\n");
    assert.equal(run(plain, "10.0.0.2").status.peersHash, first.status.peersHash);
    // The generated [[VALIDATORS]] carry no ADDRESS with PodIP (a pod IP changes with each
    // restart), so stellar-core would not prefer b from the quorum: it stays rendered.
    const listed = run(keyed, "10.0.0.1");
    assert.equal(peersData(listed, "a")["PREFERRED_PEERS"], "10.0.0.1:11625\n");
    assert.equal(listed.status.peersHash, first.status.peersHash);
  });
});

describe("the overlay settings in the spec", () => {
  const specWith = (overlay: Record<string, unknown>) =>
    parseStellarNodeSpec({
      nodeType: "Validator",
      network: "Testnet",
      version: "27.0.0",
      validatorConfig: { seedSecretRef: "s", overlay },
    });

  it("accepts what stellar-core keeps and refuses what Config::adjust would lower", () => {
    assert.ok(specWith({}).ok);
    assert.ok(specWith({ maxAdditionalPeerConnections: 15 }).ok, "8 <= 15 / 3 + 3");
    const refused = specWith({ maxAdditionalPeerConnections: 14 });
    assert.ok(!refused.ok);
    assert.match(refused.problems.join(), /allows at most 7 outbound.*at least 15/);
    assert.ok(specWith({ targetPeerConnections: 21848 }).ok);
    assert.ok(!specWith({ targetPeerConnections: 21849 }).ok);
    assert.ok(!specWith({ targetPeerConnections: 0 }).ok, "readInt<unsigned short>(item, 1)");
    assert.ok(!specWith({ maxAdditionalPeerConnections: 65536 }).ok);
    assert.ok(!specWith({ preferredPeerKeys: [`${KEYS[0].slice(0, -1)}A`] }).ok, "StrKey checksum");
    assert.ok(!specWith({ preferredPeers: ["host:0"] }).ok);
  });
});

describe("stellar-core's overlay rules (Config::processConfig, Config::adjust)", () => {
  it("reads the keys with stellar-core's bounds", () => {
    const refused = (text: string) => {
      const verdict = checkOverlaySettings(parse(text));
      return verdict.accepted ? [] : verdict.refusals;
    };
    assert.match(refused("TARGET_PEER_CONNECTIONS = 0")[0] ?? "", /bad 'TARGET_PEER_CONNECTIONS'/);
    assert.match(refused("TARGET_PEER_CONNECTIONS = 65536")[0] ?? "", /outside 1\.\.65535/);
    assert.deepEqual(refused("TARGET_PEER_CONNECTIONS = 65535"), []);
    assert.match(refused("MAX_ADDITIONAL_PEER_CONNECTIONS = -2")[0] ?? "", /outside -1\.\.65535/);
    assert.deepEqual(refused("MAX_ADDITIONAL_PEER_CONNECTIONS = -1"), []);
    assert.match(refused('PREFERRED_PEERS_ONLY = "yes"')[0] ?? "", /not a boolean/);
    assert.match(refused('PREFERRED_PEERS = "a"')[0] ?? "", /must be an array/);
    assert.match(refused('PREFERRED_PEER_KEYS = ["GABC"]')[0] ?? "", /not a G\.\.\. public key/);
    assert.deepEqual(refused(`PREFERRED_PEER_KEYS = ["${KEYS[0]} alpha"]`), []);
  });

  it("ports Config::adjust: the default MAX_ADDITIONAL and the cap on the target", () => {
    assert.deepEqual(adjustConnections(8, -1), { target: 8, maxAdditional: 64, lowered: false });
    assert.deepEqual(adjustConnections(8191, -1), {
      target: 8191,
      maxAdditional: 65528,
      lowered: false,
    });
    // Above 65535 / 8 the default is 65535, which allows 65535 / 3 + 3 = 21848.
    assert.deepEqual(adjustConnections(30000, -1), {
      target: 21848,
      maxAdditional: 65535,
      lowered: true,
    });
    assert.deepEqual(adjustConnections(8, 15), { target: 8, maxAdditional: 15, lowered: false });
    assert.deepEqual(adjustConnections(8, 14), { target: 7, maxAdditional: 14, lowered: true });
    const verdict = checkOverlaySettings(
      parse("TARGET_PEER_CONNECTIONS = 8\nMAX_ADDITIONAL_PEER_CONNECTIONS = 14"),
    );
    assert.ok(verdict.accepted);
    assert.match(verdict.warnings[0] ?? "", /lowers TARGET_PEER_CONNECTIONS from 8 to 7/);
  });

  it("counts [[VALIDATORS]] addresses of the home domain as preferred (Config::parseValidators)", () => {
    const verdict = checkOverlaySettings(
      parse(
        [
          'NODE_HOME_DOMAIN = "example.org"',
          "PREFERRED_PEERS_ONLY = true",
          "[[VALIDATORS]]",
          'HOME_DOMAIN = "example.org"',
          'ADDRESS = "b.example.org"',
          "[[VALIDATORS]]",
          'HOME_DOMAIN = "other.example"',
          'ADDRESS = "c.other.example"',
        ].join("\n"),
      ),
    );
    assert.ok(verdict.accepted);
    assert.deepEqual(verdict.settings.preferredPeers, ["b.example.org"]);
    assert.deepEqual(verdict.settings.knownPeers, ["c.other.example"]);
    assert.deepEqual(verdict.warnings, [], "PREFERRED_PEERS_ONLY has a preferred peer");
  });

  it("warns of PREFERRED_PEERS_ONLY with nothing preferred, and of unreadable addresses", () => {
    const verdict = checkOverlaySettings(
      parse('PREFERRED_PEERS_ONLY = true\nKNOWN_PEERS = ["bad_host"]'),
    );
    assert.ok(verdict.accepted);
    assert.equal(verdict.warnings.length, 2);
    assert.match(verdict.warnings.join(), /PeerBareAddress::resolve.*connects to no one/s);
  });
});

describe("properties", () => {
  const overlayArb = fc
    .record({
      targetPeerConnections: fc.option(fc.integer({ min: 1, max: 21848 }), { nil: undefined }),
      maxAdditionalPeerConnections: fc.option(fc.integer({ min: 0, max: 65535 }), {
        nil: undefined,
      }),
      preferred: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 70000 })),
    })
    .filter(
      // The spec's own rule (stellar-node-spec.ts OverlaySchema).
      (request) =>
        request.maxAdditionalPeerConnections === undefined ||
        (request.targetPeerConnections ?? 8) <=
          Math.floor(request.maxAdditionalPeerConnections / 3) + 3,
    );

  it("stellar-core never adjusts the rendered numbers, and other peers keep their slots below the ceiling", () => {
    assertProperty(
      fc.property(overlayArb, (request) => {
        const plan = planConnections(request);
        const lines = [`TARGET_PEER_CONNECTIONS = ${plan.target}`];
        if (plan.maxAdditional !== undefined) {
          lines.push(`MAX_ADDITIONAL_PEER_CONNECTIONS = ${plan.maxAdditional}`);
        }
        const verdict = checkOverlaySettings(parse(lines.join("\n")));
        assert.ok(verdict.accepted, "within readInt's bounds");
        assert.deepEqual(verdict.warnings, [], "Config::adjust lowers nothing");
        const requested = request.targetPeerConnections ?? 8;
        if (requested + request.preferred <= 21848) {
          assert.equal(plan.target, requested + request.preferred);
          assert.equal(plan.othersOutbound, requested);
        }
        if (
          plan.maxAdditional !== undefined &&
          request.maxAdditionalPeerConnections !== undefined
        ) {
          assert.ok(
            plan.maxAdditional >=
              Math.min(65535, request.maxAdditionalPeerConnections + request.preferred),
          );
        }
      }),
      { numRuns: 500 },
    );
  });

  const memberArb = fc.record({
    name: fc.constantFrom("b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"),
    homeDomain: fc.constantFrom(undefined, "example.org", "other.example"),
    wantsKey: fc.boolean(),
  });
  const groupArb = fc.record({
    automatic: fc.boolean(),
    members: fc.uniqueArray(memberArb, { selector: (m) => m.name, maxLength: 11 }),
    extra: fc.subarray(["core-testnet1.stellar.org", "core-testnet2.stellar.org:11625"]),
    only: fc.boolean(),
    seed: fc.integer(),
  });

  function shuffle<T>(items: readonly T[], seed: number): T[] {
    const copy = [...items];
    let state = seed;
    for (let i = copy.length - 1; i > 0; i--) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      const j = state % (i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  }

  it("the preferred list is independent of request order; stellar-core prefers every member exactly once; every rendered config passes its checks", () => {
    assertProperty(
      fc.property(groupArb, (scenario) => {
        // The first three members that want a key get one (KEYS[0] is self's).
        const keyed = scenario.members
          .filter((member) => member.wantsKey)
          .slice(0, 3)
          .map((member, index) => ({ name: member.name, key: KEYS[index + 1] ?? "" }));
        const keyOf = new Map(keyed.map((member) => [member.name, member.key]));
        const self = stellarNode("a", {
          validatorConfig: {
            homeDomain: "example.org",
            ...(scenario.automatic
              ? {
                  quorum: "Automatic",
                  publicKey: KEYS[0],
                  quorumSet: undefined,
                  // MEDIUM (no archive needed) and unsafeQuorum let groups of any size through the quorum
                  // rules: this test is about the peers.
                  automaticQuorum: { quality: "MEDIUM", unsafeQuorum: true },
                }
              : {}),
            overlay: { preferredPeers: scenario.extra, preferredPeersOnly: scenario.only },
          },
        });
        const members = scenario.members.map((member) =>
          stellarNode(member.name, {
            validatorConfig: {
              ...(member.homeDomain === undefined ? {} : { homeDomain: member.homeDomain }),
              ...(keyOf.has(member.name) ? { publicKey: keyOf.get(member.name) } : {}),
            },
          }),
        );
        const straight = syncResponse(syncRequest(self, { related: [self, ...members] }), OPTIONS);
        const shuffled = syncResponse(
          syncRequest(self, { related: shuffle([self, ...members], scenario.seed) }),
          OPTIONS,
        );
        const data = peersData(straight, "a");
        assert.deepEqual(peersData(shuffled, "a"), data, "independent of request order");
        const preferred = (data["PREFERRED_PEERS"] ?? "").split("\n").filter(Boolean);
        assert.deepEqual(preferred, [...new Set(preferred)].sort(), "sorted and unique");

        // The assembled file: stellar-core's quorum rules and its overlay rules accept it.
        const document = assembled(straight, "a");
        assert.ok(checkCoreConfig(document).accepted, "checkCoreConfig");
        const overlay = checkOverlaySettings(document);
        assert.ok(overlay.accepted, "checkOverlaySettings");
        // What stellar-core prefers in the end (PREFERRED_PEERS plus the home domain's
        // [[VALIDATORS]] ADDRESS): every member and extra peer, none twice.
        const held = overlay.settings.preferredPeers;
        assert.equal(new Set(held).size, held.length, `listed twice: ${held.join(", ")}`);
        assert.deepEqual(
          [...held].sort(),
          [
            ...scenario.members.map((member) => pod(member.name)),
            ...scenario.extra.map((text) => (text.includes(":") ? text : `${text}:11625`)),
          ].sort(),
        );
        const alone = scenario.only && held.length === 0;
        assert.deepEqual(overlay.warnings.length, alone ? 1 : 0, overlay.warnings.join());
        assert.equal(condition(straight, "PeerConnections")?.status, alone ? "False" : "True");
        // Every preferred peer takes its slot on top of the default 8.
        assert.equal(overlay.settings.targetPeerConnections, 8 + held.length);
      }),
      { numRuns: 150 },
    );
  });
});
