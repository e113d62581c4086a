/**
 * `npm run bench -- --rollout`: the quorum-safe rollout of one change on the cluster
 * harness. A group of 10 validators (default; `--size=N`) runs Ready on kwok; `version`
 * is bumped on all of them in one `kubectl apply`; the benchmark reports the wall time
 * from that apply to the last member Ready on its new pod template with nothing pending,
 * next to the restarts each member made (by pod-template revision, from a pod watch) and
 * the most members down at once.
 *
 * Needs the cluster up with Metacontroller and the product's controllers (an e2e run leaves
 * them), and 10 free volumes of the pool: run it while no e2e run holds the lock
 * (`flock /tmp/stellar-peers-e2e.lock npm run bench -- --rollout`). The namespace
 * bench-rollout-<random> is deleted at the end. `--settle=S` sets settleSeconds (15).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { GroupWatch } from "../e2e/support/group-watch.js";
import { applyObjects, kubectl } from "../e2e/support/kube.js";
import {
  createValidatorsWith,
  waitForGroupConverged,
  waitForNothingPending,
} from "../e2e/support/rollout.js";
import { getStatefulSet, validatorObjects } from "../e2e/support/stellar.js";
import { waitFor } from "../e2e/support/wait.js";
import { ensureController, ensureHookServer } from "./e2e.js";
import { REPO_ROOT } from "./server-runner.js";

const log = (text: string): void => void process.stderr.write(`[bench rollout] ${text}\n`);

export async function rolloutBench(args: readonly string[]): Promise<void> {
  const option = (name: string): string | undefined =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const size = Number(option("size") ?? 10);
  const settleSeconds = Number(option("settle") ?? 15);
  await ensureController();
  const hooks = await ensureHookServer();
  const namespace = `bench-rollout-${randomBytes(3).toString("hex")}`;
  const names = Array.from({ length: size }, (_, i) => `v${String(i).padStart(2, "0")}`);
  const discovery = { peerDiscovery: { settleSeconds } };
  await applyObjects([{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }]);
  try {
    await createValidatorsWith(namespace, names, discovery);
    await waitForGroupConverged(namespace, names, 600_000);
    log(`${namespace}: ${size} validators run Ready on their current templates`);
    const watch = await GroupWatch.start(namespace, names);
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    await applyObjects(
      names.flatMap((name) =>
        validatorObjects(namespace, name).map((object) => {
          const node = object as { kind: string; spec: Record<string, unknown> };
          return node.kind === "StellarNode"
            ? { ...node, spec: { ...node.spec, ...discovery, version: "26.0.1" } }
            : object;
        }),
      ),
    );
    log("version 27.0.0 -> 26.0.1 on all members in one apply");
    for (const name of names) {
      await waitFor(
        `${name} on the 26.0.1 image`,
        async () => {
          const template = (await getStatefulSet(namespace, name)).spec.template.spec;
          const core = template.containers.find((c) => c.name === "stellar-core") as
            { image?: string } | undefined;
          if (!/:26\.0\.1-/.test(core?.image ?? "")) throw new Error(`${name}: ${core?.image}`);
        },
        900_000,
      );
    }
    await waitForNothingPending(namespace, names, 900_000);
    const wallMs = performance.now() - t0;
    watch.assertAlive();
    const restarts = Object.fromEntries(names.map((name) => [name, watch.restarts(name)]));
    const worst = watch.maxDownAtOnce(names);
    watch.stop();
    const total = Object.values(restarts).reduce((sum, n) => sum + n, 0);
    const result = {
      benchmark: "stellar-peers quorum-safe rollout of a version bump on the e2e cluster",
      startedAt,
      machine: {
        nproc: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        loadAverageAtStart: loadavg(),
      },
      size,
      settleSeconds,
      wallSeconds: Math.round(wallMs / 100) / 10,
      restarts,
      totalRestarts: total,
      maxDownAtOnce: worst.count,
    };
    const dir = join(REPO_ROOT, "bench-results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "rollout-latest.json"), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      [
        `quorum-safe rollout of a version bump, group of ${size}, settleSeconds ${settleSeconds}, ${startedAt}`,
        `wall time from the apply to the last member Ready on the new template: ${result.wallSeconds} s`,
        `restarts: ${total} (${Object.entries(restarts)
          .map(([n, r]) => `${n}=${r}`)
          .join(" ")}); most down at once: ${worst.count}`,
        "JSON: bench-results/rollout-latest.json",
        "",
      ].join("\n"),
    );
  } finally {
    await kubectl(["delete", "namespace", namespace, "--wait=false", "--ignore-not-found"]).catch(
      (error: unknown) => log(`could not delete ${namespace}: ${String(error)}`),
    );
    await hooks.stop();
  }
}
