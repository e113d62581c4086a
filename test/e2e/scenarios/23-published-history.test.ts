import assert from "node:assert/strict";
import {
  applyObjects,
  condition,
  getJson,
  getOptional,
  KubectlError,
  type KubeObject,
  type Service,
} from "../support/kube.js";
import { scenario } from "../support/scenario.js";
import {
  getStatefulSet,
  getStellarNode,
  patchStellarNode,
  validatorObjects,
  waitForValidatorConverged,
} from "../support/stellar.js";
import { waitFor } from "../support/wait.js";

type Spec = { validatorConfig: Record<string, unknown> } & Record<string, unknown>;

/** Validator `name` with validatorConfig.history set, as the seed Secret and StellarNode. */
function withHistory(ns: string, name: string, history: Record<string, unknown>): object[] {
  const [secret, node] = validatorObjects(ns, name) as [object, { spec: Spec }];
  node.spec.validatorConfig["history"] = history;
  return [secret, node];
}

/** The API server refuses the object at admission, with a message matching `why`. */
async function refusedAtAdmission(objects: object[], why: RegExp): Promise<string> {
  try {
    await applyObjects(objects);
  } catch (error) {
    assert.ok(error instanceof KubectlError, String(error));
    assert.match(error.stderr, why);
    return error.stderr.trim().split("\n").at(-1) ?? "";
  }
  assert.fail(`the API server accepted it; expected a refusal matching ${String(why)}`);
}

interface Ingress extends KubeObject {
  spec: {
    ingressClassName?: string;
    tls?: { hosts: string[]; secretName: string }[];
    rules: {
      host: string;
      http: { paths: { backend: { service: { name: string; port: { name: string } } } }[] };
    }[];
  };
}

scenario(
  "23. history.publish: the archive server in the pod, its Service port and an Ingress; bad ports and hosts refused at admission",
  { namespaces: ["e2e-23-history"] },
  async ({ namespace: ns, step }) => {
    // The CRD's rules (CEL and patterns) refuse bad input before the hook sees it.
    const bad: [string, Record<string, unknown>, RegExp][] = [
      [
        "admin port",
        { publish: true, port: 11626 },
        /history\.port must be 1024 or more and not 11626/,
      ],
      ["privileged port", { publish: true, port: 80 }, /history\.port must be 1024 or more/],
      ["peer port", { publish: true, port: 11625 }, /history\.port must differ from peerPort/],
      [
        "Ingress host",
        { publish: true, ingress: { host: "Not_A_Host" } },
        /spec\.validatorConfig\.history\.ingress\.host/,
      ],
      [
        "Ingress without publish",
        { ingress: { host: "history.example.org" } },
        /history\.ingress needs history\.publish: true/,
      ],
    ];
    for (const [what, history, why] of bad) {
      const message = await refusedAtAdmission(withHistory(ns, "refused", history), why);
      step(`${what}: refused: ${message}`);
    }
    assert.equal(
      await getOptional(["get", "stellarnode", "refused", "-n", ns]),
      undefined,
      "no refused StellarNode exists",
    );

    await applyObjects(
      withHistory(ns, "alpha", {
        publish: true,
        port: 8081,
        ingress: { host: "history-alpha.example.org", tlsSecretName: "history-alpha-tls" },
      }),
    );
    await waitForValidatorConverged(ns, "alpha", 120_000);
    step("alpha publishes its history and runs");

    const service = await getJson<Service>(["get", "service", "alpha", "-n", ns]);
    assert.deepEqual(
      service.spec.ports.map((port) => [port.name, port.port]),
      [
        ["peer", 11625],
        ["history", 8081],
      ],
    );
    const statefulSet = await getStatefulSet(ns, "alpha");
    const containers = (
      statefulSet.spec as unknown as {
        template: { spec: { containers: { name: string; ports?: { containerPort: number }[] }[] } };
      }
    ).template.spec.containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ["stellar-core", "history-server"],
    );
    assert.equal(containers[1]?.ports?.[0]?.containerPort, 8081);
    const ingress = await waitFor("Ingress alpha-history", () =>
      getJson<Ingress>(["get", "ingress", "alpha-history", "-n", ns]),
    );
    assert.equal(ingress.spec.rules[0]?.host, "history-alpha.example.org");
    assert.deepEqual(ingress.spec.rules[0]?.http.paths[0]?.backend.service, {
      name: "alpha",
      port: { name: "history" },
    });
    assert.deepEqual(ingress.spec.tls, [
      { hosts: ["history-alpha.example.org"], secretName: "history-alpha-tls" },
    ]);
    step("Service port history 8081, container history-server, Ingress alpha-history");

    // The Ingress is a child like the others: removed from the spec, it is deleted.
    await patchStellarNode(ns, "alpha", {
      spec: { validatorConfig: { history: { ingress: null } } },
    });
    await waitFor("Ingress alpha-history deleted", async () => {
      assert.equal(await getOptional(["get", "ingress", "alpha-history", "-n", ns]), undefined);
    });
    const node = await getStellarNode(ns, "alpha");
    assert.equal(condition(node.status?.conditions, "Valid")?.status, "True");
    step("history.ingress removed: Ingress deleted, Valid=True");
  },
);
