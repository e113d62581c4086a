import assert from "node:assert/strict";
import { GroupWatch } from "../support/group-watch.js";
import { restartHookServer } from "../support/hook-server.js";
import { applyObjects, getJson, kubectl, KubectlError, type KubeList } from "../support/kube.js";
import { RELEASE_ANNOTATION } from "../support/release-server.js";
import {
  createValidatorsWith,
  waitForGroupConverged,
  waitForNothingPending,
} from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import {
  CONFIG_HASH_ANNOTATION,
  EXAMPLE_QUORUM_SET,
  getConfigMap,
  getStatefulSet,
  SETTLE_MS,
  validatorObjects,
  waitForValidatorReady,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

// Issue 13: every restart is quorum-safe, whatever changed in the pod template. Each
// change below hits all members of a group at once; restarts are counted from a pod watch
// by pod-template revision (controller-revision-hash).
const SETTLE_SECONDS = 10;
const DISCOVERY = { peerDiscovery: { settleSeconds: SETTLE_SECONDS } };
const MEMBERS = ["v1", "v2", "v3"];

interface StellarNodeObject {
  kind: string;
  spec: Record<string, unknown> & { validatorConfig: Record<string, unknown> };
}

/** The StellarNodes of `names` (and their seed Secrets) with `edit` applied to each spec, in one apply. */
async function applyToAll(
  namespace: string,
  names: readonly string[],
  edit: (spec: StellarNodeObject["spec"]) => StellarNodeObject["spec"],
): Promise<void> {
  await applyObjects(
    names.flatMap((name) =>
      validatorObjects(namespace, name).map((object) => {
        const node = object as StellarNodeObject;
        return node.kind === "StellarNode"
          ? { ...node, spec: edit({ ...node.spec, ...DISCOVERY }) }
          : object;
      }),
    ),
  );
}

/**
 * Runs `change` on a converged group under a pod watch, waits until every member runs a
 * template `done` accepts with nothing pending, and checks that each of `restarting`
 * restarted exactly once and never two at once.
 */
async function pacedOnce(
  namespace: string,
  step: (message: string) => void,
  change: () => Promise<void>,
  done: (name: string) => Promise<void>,
  options: { members?: readonly string[]; restarting?: readonly string[] } = {},
): Promise<void> {
  const restarting = options.restarting ?? MEMBERS;
  const members = options.members ?? restarting;
  const watch = await GroupWatch.start(namespace, restarting);
  try {
    await change();
    for (const name of members)
      await waitFor(`${name} to run the new template`, () => done(name), 240_000);
    await waitForNothingPending(namespace, members, 240_000);
    step("every member runs the new template; nothing is pending");
    await sleep(SETTLE_MS);
    watch.assertRestartedOnceOneAtATime(restarting);
  } finally {
    watch.stop();
  }
}

async function startGroup(namespace: string, step: (message: string) => void): Promise<void> {
  await createValidatorsWith(namespace, MEMBERS, DISCOVERY);
  await waitForGroupConverged(namespace, MEMBERS, 240_000);
  step("3 validators run their current templates");
}

const imageOf = async (namespace: string, name: string): Promise<string> => {
  const containers = (await getStatefulSet(namespace, name)).spec.template.spec.containers;
  const core = containers.find((container) => container.name === "stellar-core") as
    { image?: string } | undefined;
  return core?.image ?? "";
};

scenario(
  "17a. version bumped on all 3 members in one apply: each restarts once, never two at once",
  { namespaces: ["e2e-17a-version"] },
  async ({ namespace: ns, step }) => {
    await startGroup(ns, step);
    assert.match(await imageOf(ns, "v1"), /:27\.0\.0-/);
    await pacedOnce(
      ns,
      step,
      async () => {
        await applyToAll(ns, MEMBERS, (spec) => ({ ...spec, version: "26.0.1" }));
        step("version 27.0.0 -> 26.0.1 on all 3 in one apply");
      },
      async (name) => assert.match(await imageOf(ns, name), /:26\.0\.1-/),
    );
  },
);

scenario(
  "17b. quorum set edited on all 3 members at once: each restarts once, never two at once",
  { namespaces: ["e2e-17b-quorum"] },
  async ({ namespace: ns, step }) => {
    await startGroup(ns, step);
    const before = (await getStatefulSet(ns, "v1")).spec.template.metadata.annotations?.[
      CONFIG_HASH_ANNOTATION
    ];
    await pacedOnce(
      ns,
      step,
      async () => {
        await applyToAll(ns, MEMBERS, (spec) => ({
          ...spec,
          validatorConfig: {
            ...spec.validatorConfig,
            quorumSet: EXAMPLE_QUORUM_SET.replace(
              "THRESHOLD_PERCENT = 67",
              "THRESHOLD_PERCENT = 70",
            ),
          },
        }));
        step("THRESHOLD_PERCENT 67 -> 70 on all 3 in one apply");
      },
      async (name) => {
        const hash = (await getStatefulSet(ns, name)).spec.template.metadata.annotations?.[
          CONFIG_HASH_ANNOTATION
        ];
        assert.ok(hash && hash !== before, `${name}: a new config-hash`);
        // The config the template names is in the config ConfigMap, under its hash.
        const config = (await getConfigMap(ns, `${name}-config`)).data?.[
          `stellar-core-${hash}.cfg`
        ];
        assert.match(config ?? "", /THRESHOLD_PERCENT = 70/, `${name}-config holds the new config`);
      },
    );
  },
);

scenario(
  "17c. the hook server restarted as a release that renders differently: each restarts once, never two at once",
  { namespaces: ["e2e-17c-release"] },
  async ({ namespace: ns, step }) => {
    await startGroup(ns, step);
    try {
      await pacedOnce(
        ns,
        step,
        async () => {
          await restartHookServer("next-release");
          step("the hook server runs the next release (a transform annotates the pod template)");
          // A new build changes no object: nudge one member, whose new status wakes the
          // others (Metacontroller also resyncs every StellarNode every resyncPeriodSeconds).
          for (const name of MEMBERS) {
            await kubectl([
              "annotate",
              "stellarnode",
              name,
              "-n",
              ns,
              "e2e/nudge=1",
              "--overwrite",
            ]);
          }
        },
        async (name) => {
          const annotations = (await getStatefulSet(ns, name)).spec.template.metadata.annotations;
          assert.equal(annotations?.[RELEASE_ANNOTATION], "next", `${name}'s template`);
        },
      );
    } finally {
      await restartHookServer("product");
      step("the product's hook server is back");
    }
  },
);

scenario(
  "17d. a peer change and a version bump in the same minute: each member restarts once for both, never two at once",
  { namespaces: ["e2e-17d-mixed"] },
  async ({ namespace: ns, step }) => {
    await startGroup(ns, step);
    await pacedOnce(
      ns,
      step,
      async () => {
        await applyToAll(ns, MEMBERS, (spec) => ({ ...spec, version: "26.0.1" }));
        await sleep(2_000);
        await createValidatorsWith(ns, ["v4"], { ...DISCOVERY, version: "26.0.1" });
        step("version bumped on v1-v3, then v4 created 2 s later");
      },
      async (name) => {
        assert.match(await imageOf(ns, name), /:26\.0\.1-/);
        const peers = (await getConfigMap(ns, `${name}-peers`)).data?.["peer_count"];
        assert.equal(peers, "3", `${name} lists the 3 others`);
      },
      { members: [...MEMBERS, "v4"], restarting: MEMBERS },
    );
  },
);

interface PodDisruptionBudget {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { maxUnavailable?: number; unhealthyPodEvictionPolicy?: string };
  status?: { disruptionsAllowed?: number; expectedPods?: number; currentHealthy?: number };
}

async function evict(namespace: string, pod: string): Promise<void> {
  await kubectl(
    ["create", "--raw", `/api/v1/namespaces/${namespace}/pods/${pod}/eviction`, "-f", "-"],
    {
      input: JSON.stringify({
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: pod, namespace },
      }),
    },
  );
}

scenario(
  "17e. the group's PodDisruptionBudget: evicting a second member while the first is down is refused",
  { namespaces: ["e2e-17e-evict"] },
  async ({ namespace: ns, step }) => {
    await startGroup(ns, step);
    const budget = await waitFor(
      "one PodDisruptionBudget selecting the 3 members, allowing 1 disruption",
      async () => {
        const list = await getJson<KubeList<PodDisruptionBudget>>(["get", "pdb", "-n", ns]);
        assert.equal(
          list.items.length,
          1,
          `budgets: ${list.items.map((b) => b.metadata.name).join(", ")}`,
        );
        const [pdb] = list.items as [PodDisruptionBudget];
        assert.equal(pdb.spec.maxUnavailable, 1);
        assert.equal(pdb.spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
        assert.equal(pdb.status?.expectedPods, 3, JSON.stringify(pdb.status));
        assert.equal(pdb.status?.disruptionsAllowed, 1, JSON.stringify(pdb.status));
        return pdb;
      },
      120_000,
    );
    step(`${budget.metadata.name} selects the 3 members`);
    const nodes = (await kubectl(["get", "nodes", "-o", "name"]))
      .trim()
      .split("\n")
      .filter(Boolean);
    // kwok has an evicted pod's replacement Ready within a second: cordon the nodes so the
    // replacement stays Pending and the first member stays down.
    await kubectl(["cordon", ...nodes]);
    try {
      await evict(ns, "v1-0");
      step("evicted v1-0 through the Eviction API; its replacement cannot be scheduled");
      const refusal = await evict(ns, "v2-0").then(
        () => assert.fail("the second eviction is refused"),
        (error: unknown) => (error instanceof KubectlError ? error.stderr.trim() : String(error)),
      );
      assert.match(refusal, /disruption budget/i, refusal);
      step(`evicting v2-0 while v1 is down is refused: ${refusal}`);
      assert.ok(
        (await getJson<{ metadata: { name: string } }>(["get", "pod", "v2-0", "-n", ns])).metadata
          .name,
      );
    } finally {
      await kubectl(["uncordon", ...nodes]);
    }
    await waitForValidatorReady(ns, "v1", 120_000);
    await waitFor(
      "the budget to allow a disruption again",
      async () => {
        const pdb = await getJson<PodDisruptionBudget>([
          "get",
          "pdb",
          budget.metadata.name,
          "-n",
          ns,
        ]);
        assert.equal(pdb.status?.disruptionsAllowed, 1, JSON.stringify(pdb.status));
      },
      60_000,
    );
    await evict(ns, "v2-0");
    step("with v1 back, evicting v2-0 is allowed");
  },
);
