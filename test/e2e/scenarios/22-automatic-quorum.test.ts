import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { publicKeyOfSeed, testSeed } from "../../support/keys.js";
import { GroupWatch } from "../support/group-watch.js";
import { applyObjects, getJson, kubectlOutput, KubectlError } from "../support/kube.js";
import { waitForGroupConverged } from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import {
  CONFIG_HASH_ANNOTATION,
  getConfigMap,
  getStatefulSet,
  SETTLE_MS,
  validatorObjects,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

// Issue 16: three validators with quorum: Automatic, a fourth joins: every member's
// stellar-core.cfg lists the other three, each existing one restarts once, never two at once.
const DOMAIN = "e2e.example.org";

interface Node {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & { validatorConfig: Record<string, unknown> };
}
interface Secret {
  kind: string;
  stringData: { STELLAR_CORE_SEED: string };
}

/**
 * The example validators, each with a seed of its own (the example seeds are fewer than
 * four: of two validators declaring one key, the younger is refused, DuplicateNodeIdentity), quorum:
 * Automatic, the seed's own key and a published archive.
 */
function automaticValidators(namespace: string, names: readonly string[]): object[] {
  return names.flatMap((name) => {
    const seed = testSeed(`${namespace}/${name}`);
    const objects = validatorObjects(namespace, name).map((object) =>
      (object as Secret).kind === "Secret"
        ? { ...object, stringData: { STELLAR_CORE_SEED: seed } }
        : object,
    );
    return objects.map((object) => {
      const node = object as Node;
      if (node.kind !== "StellarNode") return object;
      const { quorumSet: _manual, ...validatorConfig } = node.spec.validatorConfig;
      return {
        ...node,
        spec: {
          ...node.spec,
          peerDiscovery: { settleSeconds: 5 },
          validatorConfig: {
            ...validatorConfig,
            quorum: "Automatic",
            homeDomain: DOMAIN,
            publicKey: publicKeyOfSeed(seed),
            history: { publish: true },
          },
        },
      };
    });
  });
}

interface QuorumStatus {
  inQuorumSince?: string;
  running?: { homeDomainValidators?: number; homeDomainCanLose?: number };
}
async function quorumStatus(namespace: string, name: string): Promise<QuorumStatus | undefined> {
  const node = await getJson<{ status?: { quorum?: QuorumStatus } }>([
    "get",
    "stellarnode",
    name,
    "-n",
    namespace,
  ]);
  return node.status?.quorum;
}

/** The [[VALIDATORS]] NAMEs of the config the StatefulSet's pod template names (what runs). */
async function runningValidators(namespace: string, name: string): Promise<string[]> {
  const statefulSet = await getStatefulSet(namespace, name);
  const template = (
    statefulSet.spec as { template: { metadata: { annotations: Record<string, string> } } }
  ).template;
  const hash = template.metadata.annotations[CONFIG_HASH_ANNOTATION] ?? "";
  const config = (await getConfigMap(namespace, `${name}-config`)).data?.[
    `stellar-core-${hash}.cfg`
  ];
  assert.ok(config, `${name}-config holds the config ${hash} its template names`);
  const validators = (parse(config)["VALIDATORS"] ?? []) as { NAME: string; HOME_DOMAIN: string }[];
  assert.ok(validators.every((v) => v.HOME_DOMAIN === DOMAIN));
  return validators.map((v) => v.NAME).sort();
}

async function waitForRunningQuorum(namespace: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const others = names.filter((n) => n !== name).map((n) => `${n}.${namespace}`);
    await waitFor(
      `${namespace}/${name} to run with [[VALIDATORS]] ${others.join(", ")}`,
      async () => assert.deepEqual(await runningValidators(namespace, name), others),
      180_000,
    );
  }
}

scenario(
  "22. quorum: Automatic: a 4th validator joins 3; every config lists the others, each restarts once, never two at once",
  { namespaces: ["e2e-22-auto"] },
  async ({ namespace: ns, step }) => {
    // The API server refuses a quorumSet next to quorum: Automatic (the CRD's CEL rule).
    const [, bad] = automaticValidators(ns, ["bad"]) as [object, Node];
    await assert.rejects(
      kubectlOutput(["apply", "--dry-run=server", "-f", "-"], {
        input: JSON.stringify({
          ...bad,
          spec: { ...bad.spec, validatorConfig: { ...bad.spec.validatorConfig, quorumSet: "x" } },
        }),
      }),
      (error: unknown) =>
        error instanceof KubectlError &&
        /needs homeDomain and takes no quorumSet/.test(error.stderr),
    );
    step("the API server refuses quorumSet with quorum: Automatic");

    const existing = ["v1", "v2", "v3"];
    await applyObjects(automaticValidators(ns, existing));
    await waitForGroupConverged(ns, existing);
    await waitForRunningQuorum(ns, existing);
    for (const name of existing) {
      const quorum = await quorumStatus(ns, name);
      assert.ok(quorum?.inQuorumSince, `${name} is in the group's quorum`);
      assert.equal(quorum.running?.homeDomainValidators, 3);
      assert.equal(quorum.running?.homeDomainCanLose, 1);
    }
    step("3 validators run, each with the other two in [[VALIDATORS]] (HIGH, can lose 1)");

    const watch = await GroupWatch.start(ns, existing);
    try {
      await applyObjects(automaticValidators(ns, ["v4"]));
      step("created v4");
      const all = [...existing, "v4"];
      await waitForGroupConverged(ns, all);
      await waitForRunningQuorum(ns, all);
      step("all 4 run with the other three in [[VALIDATORS]]");
      await sleep(SETTLE_MS);
      watch.assertRestartedOnceOneAtATime(existing);
      assert.equal(watch.restarts("v4"), 0, `v4 starts with the quorum:\n${watch.describe()}`);
      for (const name of all) {
        const running = (await quorumStatus(ns, name))?.running;
        assert.equal(running?.homeDomainValidators, 4, `${name} status.quorum.running`);
      }
    } finally {
      watch.stop();
    }
  },
);
