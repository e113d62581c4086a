import { randomBytes } from "node:crypto";
import { test, type TestContext } from "node:test";
import { diagnostics } from "./diagnostics.js";
import { applyObjects, kubectl } from "./kube.js";

/** Namespaces of the e2e scenarios carry this label, so leftovers can be found. */
export const E2E_NAMESPACE_LABEL = "stellar-peers-e2e";

export interface ScenarioContext {
  /** The scenario's namespaces, in the order of the prefixes given, each with a random suffix. */
  namespaces: string[];
  /** The first namespace ("" if the scenario has none). */
  namespace: string;
  /** Records a step with the time since the scenario started (shown in the test report). */
  step: (message: string) => void;
}

export interface ScenarioOptions {
  /** Prefixes of the namespaces to create for the scenario and delete after it. */
  namespaces: readonly string[];
  timeoutMs?: number;
  /** Components whose log tails (.cluster/logs/<component>.log) a failure shows too. */
  logs?: readonly string[];
}

/**
 * One e2e scenario, one node:test test: creates its namespaces, runs the body, and on any
 * failure rethrows with the diagnostics (objects of its namespaces, events, hook server
 * and Metacontroller logs). The namespaces are deleted afterwards (without waiting),
 * unless E2E_KEEP_NAMESPACES=1.
 */
export function scenario(
  title: string,
  options: ScenarioOptions,
  body: (context: ScenarioContext) => Promise<void>,
): void {
  test(title, { timeout: options.timeoutMs ?? 480_000 }, async (t: TestContext) => {
    const started = Date.now();
    const suffix = randomBytes(3).toString("hex");
    const namespaces = options.namespaces.map((prefix) => `${prefix}-${suffix}`);
    const step = (message: string): void => {
      const line = `[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}`;
      t.diagnostic(line);
      if (process.env["E2E_VERBOSE"] === "1") process.stderr.write(`${title}: ${line}\n`);
    };
    try {
      if (namespaces.length > 0) {
        await applyObjects(
          namespaces.map((name) => ({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name, labels: { [E2E_NAMESPACE_LABEL]: "true" } },
          })),
        );
        step(`namespaces ${namespaces.join(", ")} created`);
      }
      await body({ namespaces, namespace: namespaces[0] ?? "", step });
      step("passed");
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      step("FAILED; collecting diagnostics");
      throw new Error(
        `${message}\n\n===== diagnostics\n${await diagnostics(namespaces, options.logs)}`,
        {
          cause: error,
        },
      );
    } finally {
      if (process.env["E2E_KEEP_NAMESPACES"] !== "1" && namespaces.length > 0) {
        await kubectl([
          "delete",
          "namespace",
          ...namespaces,
          "--wait=false",
          "--ignore-not-found",
        ]).catch((error: unknown) => step(`could not delete the namespaces: ${String(error)}`));
      }
    }
  });
}
