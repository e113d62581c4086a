import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parse } from "smol-toml";
import { quorumLatches } from "../../hooks/discovery/quorum-admission.js";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { parseStellarNodeSpec } from "../../hooks/spec/stellar-node-spec.js";
import { checkCoreConfig } from "../../hooks/stellar/core-checks/check-core-config.js";
import { isPublicKey } from "../../hooks/stellar/strkey.js";
import type { StellarNodeSyncResponse } from "../../hooks/sync/sync.js";
import { FIXED_NOW, stellarNode, syncRequest } from "../support/fixtures.js";
import { testPublicKey } from "../support/keys.js";
import { assertProperty } from "../support/property.js";
import { syncResponse } from "../support/sync.js";

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const DOMAIN = "example.org";
const ADMITTED = {
  quorum: { inQuorumSince: "2026-11-01T00:10:00Z", inConsensusSince: "2026-11-01T00:10:00Z" },
};

/**
 * Three other organisations, three HIGH validators each with their archives: four
 * top-level entries, threshold 4 - (4-1)/3 = 3, FAILURE_SAFETY 1 (computeDefaultThreshold,
 * BYZANTINE_FAULT_TOLERANCE). Two or three organisations leave FAILURE_SAFETY 0.
 */
const ORGANIZATIONS = ["other-a.org", "other-b.org", "other-c.org"].map((homeDomain) => ({
  homeDomain,
  validators: [1, 2, 3].map((i) => ({
    name: `${homeDomain.split(".")[0]}-${i}`,
    publicKey: testPublicKey(`${homeDomain}-${i}`),
    address: `core${i}.${homeDomain}:11625`,
    history: `https://history.${homeDomain}/core${i}/`,
  })),
}));

interface MemberOptions {
  automaticQuorum?: Record<string, unknown>;
  status?: Record<string, unknown> | undefined;
  homeDomain?: string;
  publicKey?: string | undefined;
  publish?: boolean;
}

function member(name: string, options: MemberOptions = {}): KubeObject {
  const publicKey = "publicKey" in options ? options.publicKey : testPublicKey(name);
  const status = "status" in options ? options.status : ADMITTED;
  return stellarNode(name, {
    validatorConfig: {
      quorumSet: undefined,
      quorum: "Automatic",
      homeDomain: options.homeDomain ?? DOMAIN,
      ...(publicKey === undefined ? {} : { publicKey }),
      history: { publish: options.publish ?? true },
      ...(options.automaticQuorum === undefined
        ? {}
        : { automaticQuorum: options.automaticQuorum }),
    },
    ...(status === undefined ? {} : { status }),
  });
}

function group(size: number, options: MemberOptions = {}): KubeObject[] {
  return Array.from({ length: size }, (_, i) => member(`v${i}`, options));
}

function syncOf(self: KubeObject, related: readonly KubeObject[]): StellarNodeSyncResponse {
  return syncResponse(syncRequest(self, { related: [...related] }), OPTIONS);
}

function configOf(response: StellarNodeSyncResponse, name: string): string | undefined {
  const configMap = response.children.find((c) => c.metadata.name === `${name}-config`);
  const data = (configMap?.["data"] ?? {}) as Record<string, string>;
  return data["stellar-core.cfg"] ?? Object.values(data)[0];
}

const condition = (response: StellarNodeSyncResponse, type: string) =>
  response.status.conditions.find((c) => c.type === type);

type Entry = Record<string, string>;
const validatorsOf = (config: string): Entry[] =>
  ((parse(config)["VALIDATORS"] ?? []) as Entry[]).map((entry) => ({ ...entry }));

// The same groups are golden cases of the sync hook: test/testdata/sync/automatic-quorum-*.
describe("quorum: Automatic, generated configs for groups of 1, 3, 4 and 7", () => {
  const cases = [
    // [size, organisations, accepted, what the organisation can lose]
    { size: 1, organizations: false, accepted: false },
    { size: 3, organizations: false, accepted: true, canLose: 1, threshold: 2 },
    { size: 4, organizations: false, accepted: true, canLose: 1, threshold: 3 },
    { size: 7, organizations: false, accepted: true, canLose: 3, threshold: 4 },
    { size: 1, organizations: true, accepted: false },
    { size: 3, organizations: true, accepted: true, canLose: 1, threshold: 2 },
    { size: 4, organizations: true, accepted: true, canLose: 1, threshold: 3 },
    { size: 7, organizations: true, accepted: true, canLose: 3, threshold: 4 },
  ] as const;
  for (const c of cases) {
    it(`group of ${c.size}${c.organizations ? " with three other organisations" : ""}: ${c.accepted ? "accepted" : "refused"} by the stellar-core checks`, () => {
      const automaticQuorum = c.organizations ? { organizations: ORGANIZATIONS } : undefined;
      const nodes = group(c.size, automaticQuorum === undefined ? {} : { automaticQuorum });
      const [self] = nodes;
      assert.ok(self);
      const response = syncOf(self, nodes);
      if (!c.accepted) {
        // HIGH needs 3 per home domain (Config::generateQuorumSetHelper): nothing is rolled.
        const valid = condition(response, "Valid");
        assert.equal(valid?.status, "False");
        assert.match(valid?.message ?? "", /redundancy of at least 3/);
        assert.match(valid?.message ?? "", /automaticQuorum.quality: MEDIUM/);
        assert.equal(
          response.children.find((c) => c.kind === "StatefulSet"),
          undefined,
        );
        return;
      }
      const config = configOf(response, "v0");
      assert.ok(config, JSON.stringify(condition(response, "Valid")));
      const document = parse(config);
      const verdict = checkCoreConfig(document, { selfPublicKey: testPublicKey("v0") });
      assert.ok(verdict.accepted, JSON.stringify(verdict));
      const own = validatorsOf(config).filter((v) => v["HOME_DOMAIN"] === DOMAIN);
      assert.deepEqual(
        own.map((v) => v["NAME"]),
        nodes.slice(1).map((n) => `${n.metadata.name}.stellar`),
        "every other member, never itself",
      );
      for (const entry of own) {
        const name = (entry["NAME"] ?? "").split(".")[0] ?? "";
        assert.equal(entry["PUBLIC_KEY"], testPublicKey(name));
        assert.equal(entry["ADDRESS"], `${name}-0.${name}.stellar.svc.cluster.local:11625`);
        assert.equal(
          entry["HISTORY"],
          `curl -sf http://${name}.stellar.svc.cluster.local:8080/{0} -o {1}`,
          "its own archive",
        );
      }
      assert.equal(validatorsOf(config).length, c.size - 1 + (c.organizations ? 9 : 0));
      const figures = response.status.quorum?.running;
      assert.equal(figures?.homeDomainValidators, c.size);
      assert.equal(figures?.homeDomainThreshold, c.threshold);
      assert.equal(figures?.homeDomainCanLose, c.canLose);
      assert.equal(figures?.topLevelEntries, c.organizations ? 4 : c.size);
      assert.equal(figures?.validators, c.size + (c.organizations ? 9 : 0));
      const quorum = condition(response, "AutomaticQuorum");
      assert.match(quorum?.message ?? "", new RegExp(`can lose ${c.canLose}`));
      assert.equal(quorum?.reason, c.size === 3 ? "AtMinimum" : "Generated");
    });
  }

  it("a group of 1 at MEDIUM can lose nothing: refused unless unsafeQuorum", () => {
    const refused = syncOf(member("v0", { automaticQuorum: { quality: "MEDIUM" } }), []);
    assert.equal(condition(refused, "Valid")?.status, "False");
    assert.match(condition(refused, "Valid")?.message ?? "", /unsafeQuorum: true/);
    const unsafe = member("v0", { automaticQuorum: { quality: "MEDIUM", unsafeQuorum: true } });
    const accepted = syncOf(unsafe, []);
    assert.equal(condition(accepted, "Valid")?.status, "True");
    assert.equal(condition(accepted, "QuorumSetValid")?.reason, "UnsafeQuorum");
    assert.equal(parse(configOf(accepted, "v0") ?? "")["UNSAFE_QUORUM"], true);
  });

  for (const others of [1, 2]) {
    it(`${others + 1} organisations give FAILURE_SAFETY 0: refused unless unsafeQuorum`, () => {
      const few = { organizations: ORGANIZATIONS.slice(0, others) };
      const nodes = group(3, { automaticQuorum: few });
      const refused = syncOf(nodes[0] as KubeObject, nodes);
      assert.match(condition(refused, "Valid")?.message ?? "", /SCP unsafe.*FAILURE_SAFETY 0/);
      assert.match(condition(refused, "Valid")?.message ?? "", /unsafeQuorum: true/);
      const unsafeNodes = group(3, { automaticQuorum: { ...few, unsafeQuorum: true } });
      const accepted = syncOf(unsafeNodes[0] as KubeObject, unsafeNodes);
      assert.equal(condition(accepted, "Valid")?.status, "True");
    });
  }

  it("HIGH needs every member's archive: a member without history.publish is refused with the fix", () => {
    const nodes = [...group(3), member("v3", { publish: false })];
    const response = syncOf(nodes[0] as KubeObject, nodes);
    assert.equal(condition(response, "Valid")?.status, "False");
    assert.match(condition(response, "Valid")?.message ?? "", /must have an archive/);
    assert.match(condition(response, "Valid")?.message ?? "", /history.publish: true/);
  });

  it("members without a publicKey or of another homeDomain are left out and named", () => {
    const nodes = [
      ...group(3),
      member("nokey", { publicKey: undefined }),
      member("elsewhere", { homeDomain: "other.org" }),
    ];
    const response = syncOf(nodes[0] as KubeObject, nodes);
    assert.equal(condition(response, "Valid")?.status, "True");
    const names = validatorsOf(configOf(response, "v0") ?? "").map((v) => v["NAME"]);
    assert.deepEqual(names, ["v1.stellar", "v2.stellar"]);
    const quorum = condition(response, "AutomaticQuorum");
    assert.equal(quorum?.status, "False");
    assert.equal(quorum?.reason, "MembersLeftOut");
    assert.match(quorum?.message ?? "", /stellar\/nokey \(no publicKey\)/);
    assert.match(
      quorum?.message ?? "",
      /stellar\/elsewhere \(homeDomain other.org, not example.org\)/,
    );
  });

  it("a younger member declaring this node's key is left out, not listed twice (Duplicate validator entry), and is refused itself", () => {
    const copy = member("copy", { publicKey: testPublicKey("v0") });
    copy.metadata["creationTimestamp"] = "2026-11-02T00:00:00Z";
    const nodes = [...group(3), copy];
    const response = syncOf(nodes[0] as KubeObject, nodes);
    assert.equal(
      condition(response, "Valid")?.status,
      "True",
      condition(response, "Valid")?.message,
    );
    const names = validatorsOf(configOf(response, "v0") ?? "").map((v) => v["NAME"]);
    assert.deepEqual(names, ["v1.stellar", "v2.stellar"]);
    assert.match(
      condition(response, "AutomaticQuorum")?.message ?? "",
      /stellar\/copy \(declares this validator's own publicKey\)/,
    );
    // Another member lists v0 once, with its key, and leaves the copy out.
    const other = syncOf(nodes[1] as KubeObject, nodes);
    assert.equal(condition(other, "Valid")?.status, "True", condition(other, "Valid")?.message);
    const entries = validatorsOf(configOf(other, "v1") ?? "");
    assert.deepEqual(
      entries.map((v) => v["NAME"]),
      ["v0.stellar", "v2.stellar"],
    );
    assert.match(
      condition(other, "AutomaticQuorum")?.message ?? "",
      /stellar\/copy \(its publicKey is stellar\/v0's, which comes first\)/,
    );
    assert.equal(condition(syncOf(copy, nodes), "Valid")?.reason, "DuplicateNodeIdentity");
  });

  it("the generated quorum never lists one key twice: stellar-core would refuse it", () => {
    const copy = member("copy", { publicKey: testPublicKey("v1") });
    copy.metadata["creationTimestamp"] = "2026-11-02T00:00:00Z";
    const nodes = [...group(3), copy];
    // Listing both v1 and the copy: stellar-core refuses the config (Duplicate validator entry).
    const config = configOf(syncOf(nodes[0] as KubeObject, nodes), "v0") ?? "";
    const keys = validatorsOf(config).map((v) => v["PUBLIC_KEY"]);
    assert.deepEqual(keys, [...new Set(keys)]);
    assert.ok(keys.includes(testPublicKey("v1")));
  });
});

describe("quorum: Automatic, a newcomer enters once in consensus", () => {
  const joining = { quorum: { joiningSince: "2026-11-20T00:00:00Z" } };

  it("lists a joining member nowhere but its own config, which lists the others from the start", () => {
    const running = group(3);
    const newcomer = member("v3", { status: joining });
    const all = [...running, newcomer];
    const old = syncOf(running[0] as KubeObject, all);
    assert.deepEqual(
      validatorsOf(configOf(old, "v0") ?? "").map((v) => v["NAME"]),
      ["v1.stellar", "v2.stellar"],
    );
    assert.match(condition(old, "AutomaticQuorum")?.message ?? "", /waiting to enter.*stellar\/v3/);
    const own = syncOf(newcomer, all);
    assert.deepEqual(
      validatorsOf(configOf(own, "v3") ?? "").map((v) => v["NAME"]),
      ["v0.stellar", "v1.stellar", "v2.stellar"],
    );
    // In consensus: it is listed by every member, and its own config does not change.
    const entered = member("v3", { status: ADMITTED });
    const after = [...running, entered];
    assert.deepEqual(
      validatorsOf(configOf(syncOf(running[0] as KubeObject, after), "v0") ?? "").map(
        (v) => v["NAME"],
      ),
      ["v1.stellar", "v2.stellar", "v3.stellar"],
    );
    assert.equal(configOf(syncOf(entered, after), "v3"), configOf(own, "v3"));
  });

  it("quorumLatches: enters when Ready; at once in a group never in consensus; never while suspended", () => {
    const now = new Date("2026-11-23T12:00:00Z");
    const candidate = (inConsensusSince: string | undefined) =>
      [
        {
          name: "a",
          namespace: "stellar",
          uid: "u",
          labels: {},
          creationTimestamp: undefined,
          isValidator: true,
          networkPassphrase: "x",
          suspended: false,
          deleting: false,
          peerPort: 11625,
          seedSecretRef: "a-seed",
          published: undefined,
          externalNodePort: undefined,
          allocatedNodePort: undefined,
          quorum: {
            publicKey: undefined,
            publicKeyInvalid: false,
            homeDomain: DOMAIN,
            history: undefined,
            inQuorumSince: inConsensusSince,
            inConsensusSince,
          },
        },
      ] as const;
    const base = { ready: false, suspended: false, now, homeDomain: DOMAIN };
    // A group that forms together: nobody has been in consensus.
    assert.equal(
      quorumLatches({ ...base, previous: undefined, members: candidate(undefined) }).inQuorumSince,
      "2026-11-23T12:00:00Z",
    );
    // A newcomer to a group in consensus since before it started: waits.
    assert.equal(
      quorumLatches({ ...base, previous: undefined, members: candidate("2026-11-01T00:00:00Z") })
        .inQuorumSince,
      undefined,
    );
    // ... until Ready; then it stays, whatever its readiness later.
    const entered = quorumLatches({
      ...base,
      ready: true,
      previous: { joiningSince: "2026-11-22T00:00:00Z" },
      members: candidate("2026-11-01T00:00:00Z"),
    });
    assert.equal(entered.inQuorumSince, "2026-11-23T12:00:00Z");
    assert.equal(
      quorumLatches({ ...base, previous: entered, members: candidate("2026-11-01T00:00:00Z") })
        .inQuorumSince,
      "2026-11-23T12:00:00Z",
    );
    // A member that started before the group's first consensus formed it: it is in.
    assert.equal(
      quorumLatches({
        ...base,
        previous: { joiningSince: "2026-10-31T00:00:00Z" },
        members: candidate("2026-11-01T00:00:00Z"),
      }).inQuorumSince,
      "2026-11-23T12:00:00Z",
    );
    // Suspended: out, and a resumed validator catches up first, like a new one.
    assert.deepEqual(
      quorumLatches({ ...base, suspended: true, previous: entered, members: candidate(undefined) }),
      {},
    );
  });
});

describe("quorum: Automatic, the same quorum on every member", () => {
  it("every member lists the group's quorum members but itself, whatever the request order (property)", () => {
    assertProperty(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        fc.array(fc.nat(), { minLength: 7, maxLength: 7 }),
        fc.boolean(),
        (size, admitted, order, organizations) => {
          const automaticQuorum = {
            quality: "MEDIUM",
            unsafeQuorum: true,
            ...(organizations ? { organizations: ORGANIZATIONS } : {}),
          };
          const nodes = Array.from({ length: size }, (_, i) =>
            member(`v${i}`, {
              automaticQuorum,
              status:
                admitted[i] === true
                  ? ADMITTED
                  : { quorum: { joiningSince: "2026-11-20T00:00:00Z" } },
            }),
          );
          const inQuorum = new Set(
            nodes.filter((_, i) => admitted[i] === true).map((n) => `${n.metadata.name}.stellar`),
          );
          const shuffled = [...nodes].sort(
            (a, b) => (order[nodes.indexOf(a)] ?? 0) - (order[nodes.indexOf(b)] ?? 0),
          );
          for (const self of nodes) {
            const config = configOf(syncOf(self, nodes), self.metadata.name) ?? "";
            const own = validatorsOf(config)
              .filter((v) => v["HOME_DOMAIN"] === DOMAIN)
              .map((v) => v["NAME"] ?? "");
            const expected = [...inQuorum]
              .filter((n) => n !== `${self.metadata.name}.stellar`)
              .sort();
            assert.deepEqual(own, expected);
            assert.equal(configOf(syncOf(self, shuffled), self.metadata.name), config);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("spec of quorum: Automatic", () => {
  const base = {
    nodeType: "Validator",
    network: "Testnet",
    version: "27.0.0",
  };
  const problems = (validatorConfig: Record<string, unknown>): string[] => {
    const parsed = parseStellarNodeSpec({
      ...base,
      validatorConfig: { seedSecretRef: "s", ...validatorConfig },
    });
    return parsed.ok ? [] : parsed.problems;
  };
  it("refuses a quorumSet, a missing homeDomain, automaticQuorum without Automatic, its own domain as an organisation", () => {
    assert.deepEqual(problems({ quorum: "Automatic", homeDomain: DOMAIN }), []);
    assert.match(
      problems({ quorum: "Automatic", homeDomain: DOMAIN, quorumSet: "x" }).join(),
      /quorumSet: must not be set/,
    );
    assert.match(
      problems({ quorum: "Automatic" }).join(),
      /homeDomain: is required with quorum: Automatic/,
    );
    assert.match(
      problems({ automaticQuorum: {}, quorumSet: "x" }).join(),
      /automaticQuorum: is only read/,
    );
    assert.match(
      problems({
        quorum: "Automatic",
        homeDomain: DOMAIN,
        automaticQuorum: {
          organizations: [{ homeDomain: DOMAIN, validators: ORGANIZATIONS[0]?.validators }],
        },
      }).join(),
      /own homeDomain/,
    );
    assert.match(
      problems({
        quorum: "Automatic",
        homeDomain: DOMAIN,
        automaticQuorum: {
          organizations: [{ homeDomain: "x.org", validators: [{ name: "a", publicKey: "GABC" }] }],
        },
      }).join(),
      /publicKey/,
    );
    assert.ok(isPublicKey(testPublicKey("any")));
  });
});
