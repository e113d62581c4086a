import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import type { KubeObject } from "../../hooks/kube/objects.js";
import type { SyncRequest } from "../../hooks/metacontroller/composite-hooks.js";
import { HISTORY_SERVER_IMAGE, historyServerConfig } from "../../hooks/render/history-server.js";
import { parseStellarNodeSpec } from "../../hooks/spec/stellar-node-spec.js";
import { publishedHistory } from "../../hooks/stellar/published-history.js";
import type { StellarNodeSyncResponse as SyncResponse } from "../../hooks/sync/sync.js";
import { FIXED_NOW, observed, stellarNode, syncRequest } from "../support/fixtures.js";
import { syncResponse } from "../support/sync.js";

const OPTIONS = { clusterDomain: "cluster.local", now: FIXED_NOW };
const sync = (request: SyncRequest): SyncResponse => syncResponse(request, OPTIONS);

function child(response: SyncResponse, kind: string, name: string): KubeObject {
  const found = response.children.find((c) => c.kind === kind && c.metadata.name === name);
  assert.ok(found, `no ${kind} ${name}`);
  return found;
}
const condition = (response: SyncResponse, type: string) =>
  response.status.conditions.find((c) => c.type === type);

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface PodSpec {
  initContainers: Container[];
  containers: Container[];
  volumes: { name: string }[];
}
const podSpec = (response: SyncResponse, name = "a"): PodSpec =>
  (child(response, "StatefulSet", name)["spec"] as { template: { spec: PodSpec } }).template.spec;

const publishing = (history: Record<string, unknown> = {}, validatorConfig = {}) =>
  stellarNode("a", {
    validatorConfig: { history: { publish: true, ...history }, ...validatorConfig },
  });

describe("history.publish", () => {
  const response = sync(syncRequest(publishing()));

  it("renders [HISTORY.local] with get, put and mkdir; the other archives stay get-only", () => {
    assert.equal(condition(response, "Valid")?.status, "True");
    const data = child(response, "ConfigMap", "a-config")["data"] as Record<string, string>;
    const text = Object.entries(data).find(([key]) => key !== "stellar-core.cfg")?.[1] ?? "";
    const history = parse(text)["HISTORY"] as Record<string, Record<string, string>>;
    assert.deepEqual(Object.keys(history["local"] ?? {}).sort(), ["get", "mkdir", "put"]);
    for (const [name, commands] of Object.entries(history)) {
      if (name !== "local") assert.deepEqual(Object.keys(commands), ["get"], name);
    }
  });

  it("runs a read-only, non-root archive server on history.port, seeing the archive only", () => {
    const server = podSpec(response).containers.find((c) => c.name === "history-server");
    assert.ok(server);
    assert.equal(server.image, HISTORY_SERVER_IMAGE);
    assert.match(HISTORY_SERVER_IMAGE, /:\d+\.\d+\.\d+-alpine$/, "pinned to a release");
    assert.deepEqual(server.ports, [{ name: "history", containerPort: 8080, protocol: "TCP" }]);
    assert.equal(server.securityContext?.["readOnlyRootFilesystem"], true);
    assert.equal(server.securityContext?.["runAsNonRoot"], true);
    assert.equal(server.securityContext?.["allowPrivilegeEscalation"], false);
    const data = server.volumeMounts?.find((m) => m.name === "data");
    assert.deepEqual(data, {
      name: "data",
      mountPath: "/srv/history",
      subPath: "history",
      readOnly: true,
    });
    assert.ok(podSpec(response).volumes.some((v) => v.name === "history-server-tmp"));
    const conf = server.env?.find((e) => e.name === "NGINX_CONF")?.value ?? "";
    assert.equal(conf, historyServerConfig(8080));
  });

  it("initializes the archive in the init container, after the database", () => {
    const script = podSpec(response).initContainers[0]?.command?.[2] ?? "";
    const newDb = script.indexOf("stellar-core new-db");
    const newHist = script.indexOf(
      "stellar-core new-hist local --conf /run/stellar/stellar-core.cfg",
    );
    assert.ok(newDb >= 0 && newHist > newDb, "new-hist after new-db");
    assert.match(script, /if \[ -e \/data\/history\/\.well-known\/stellar-history\.json \]/);
  });

  it("puts the archive's port on the validator's Service, where internalUrl points", () => {
    const ports = (child(response, "Service", "a")["spec"] as { ports: unknown[] }).ports;
    assert.deepEqual(ports[1], {
      name: "history",
      port: 8080,
      targetPort: "history",
      protocol: "TCP",
    });
    const parsed = parseStellarNodeSpec(publishing()["spec"]);
    assert.ok(parsed.ok);
    assert.equal(
      publishedHistory("a", "stellar", parsed.spec, "cluster.local")?.internalUrl,
      "http://a.stellar.svc.cluster.local:8080",
    );
  });

  it("follows history.port", () => {
    const other = sync(syncRequest(publishing({ port: 18080 })));
    const server = podSpec(other).containers.find((c) => c.name === "history-server");
    assert.equal(server?.ports?.[0]?.containerPort, 18080);
    assert.match(server?.env?.[0]?.value ?? "", /listen 18080;/);
    const ports = (child(other, "Service", "a")["spec"] as { ports: { port: number }[] }).ports;
    assert.equal(ports[1]?.port, 18080);
  });

  it("renders nothing of it without publish: no server, no Service port, no new-hist", () => {
    const plain = sync(
      syncRequest(stellarNode("a", { validatorConfig: { history: { port: 9000 } } })),
    );
    assert.deepEqual(
      podSpec(plain).containers.map((c) => c.name),
      ["stellar-core"],
    );
    const ports = (child(plain, "Service", "a")["spec"] as { ports: unknown[] }).ports;
    assert.equal(ports.length, 1);
    assert.doesNotMatch(podSpec(plain).initContainers[0]?.command?.[2] ?? "", /new-hist/);
    assert.ok(!plain.children.some((c) => c.kind === "Ingress"));
  });
});

describe("history.ingress", () => {
  const ingress = {
    host: "history.example.org",
    className: "nginx",
    annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" },
    tlsSecretName: "history-example-org-tls",
  };
  const response = sync(syncRequest(publishing({ ingress })));

  it("is a child `<name>-history` to the Service's archive port, with TLS when a Secret is named", () => {
    const object = child(response, "Ingress", "a-history");
    assert.equal(object.apiVersion, "networking.k8s.io/v1");
    assert.deepEqual(object.metadata.annotations, ingress.annotations);
    assert.deepEqual(object["spec"], {
      ingressClassName: "nginx",
      tls: [{ hosts: ["history.example.org"], secretName: "history-example-org-tls" }],
      rules: [
        {
          host: "history.example.org",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "a", port: { name: "history" } } },
              },
            ],
          },
        },
      ],
    });
  });

  it("gives publicUrl its default: https with TLS, http without; a given publicUrl wins", () => {
    const url = (history: Record<string, unknown>) => {
      const parsed = parseStellarNodeSpec(publishing(history)["spec"]);
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("; "));
      return publishedHistory("a", "stellar", parsed.spec, "cluster.local")?.publicUrl;
    };
    assert.equal(url({ ingress }), "https://history.example.org");
    assert.equal(url({ ingress: { host: "history.example.org" } }), "http://history.example.org");
    assert.equal(
      url({ ingress, publicUrl: "https://cdn.example.org/history" }),
      "https://cdn.example.org/history",
    );
    assert.equal(url({}), undefined);
  });
});

describe("history: bad input is refused, Valid=False saying why, what runs kept", () => {
  const good = publishing({ ingress: { host: "history.example.org" } });
  const running = sync(syncRequest(good));
  const children = observed(running.children);
  const status = { ...running.status };
  const refused = (history: Record<string, unknown>, validatorConfig = {}) =>
    stellarNode("a", {
      validatorConfig: { history: { publish: true, ...history }, ...validatorConfig },
      status,
    });

  const cases: [string, KubeObject, RegExp][] = [
    [
      "port = the default peerPort",
      refused({ port: 11625 }),
      /history\.port: must differ from peerPort \(11625\)/,
    ],
    [
      "port = a custom peerPort",
      refused({ port: 12000 }, { peerPort: 12000 }),
      /history\.port: must differ from peerPort \(12000\)/,
    ],
    [
      "port = stellar-core's admin port",
      refused({ port: 11626 }),
      /history\.port: must not be 11626, 9102:/,
    ],
    [
      "port = the LiveConnect sidecar's",
      refused({ port: 9102 }),
      /history\.port: must not be 11626, 9102:/,
    ],
    ["a privileged port", refused({ port: 80 }), /history\.port: must be 1024 or more: .*non-root/],
    ...(
      [
        "History.Example.org",
        "history",
        "*.example.org",
        "https://history.example.org",
        "history.example.org:443",
        "history.example.org/path",
        "-history.example.org",
        "history..example.org",
      ] as const
    ).map((host): [string, KubeObject, RegExp] => [
      `Ingress host ${host}`,
      refused({ ingress: { host } }),
      /history\.ingress\.host: must be a DNS name of two labels or more/,
    ]),
    ...(
      [
        "metacontroller.k8s.io/last-applied-configuration",
        "bad key with spaces",
        "Example.org/x",
        "example.org/",
      ] as const
    ).map((key): [string, KubeObject, RegExp] => [
      `Ingress annotation ${key}`,
      refused({ ingress: { host: "history.example.org", annotations: { [key]: "x" } } }),
      /history\.ingress\.annotations: keys must be annotation names/,
    ]),
    [
      "an Ingress without publish",
      stellarNode("a", {
        validatorConfig: { history: { ingress: { host: "history.example.org" } } },
        status,
      }),
      /history\.ingress: needs history\.publish: true/,
    ],
  ];
  for (const [title, parent, message] of cases) {
    it(`${title}: InvalidSpec, the observed children as last applied`, () => {
      const response = sync(syncRequest(parent, { children }));
      assert.equal(JSON.stringify(response.children), JSON.stringify(running.children));
      const valid = condition(response, "Valid");
      assert.equal(valid?.status, "False");
      assert.equal(valid?.reason, "InvalidSpec");
      assert.match(valid?.message ?? "", message);
    });
  }

  it("accepts the edges: 1024, and the peer port's neighbours", () => {
    for (const port of [1024, 11624, 11627, 65535]) {
      const response = sync(syncRequest(refused({ port })));
      assert.equal(condition(response, "Valid")?.status, "True", String(port));
    }
  });
});
