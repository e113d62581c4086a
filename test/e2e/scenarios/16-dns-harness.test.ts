import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  CLUSTER_DIR,
  applyObjects,
  kubectl,
  kubectlOutput,
  KubectlError,
} from "../support/kube.js";
import { DNS_SERVER, lookupA, podDnsName, waitForName, waitForNoName } from "../support/dns.js";
import { markPodNotReady, sliceEndpointsOf, waitForPodIP } from "../support/pods.js";
import { scenario } from "../support/scenario.js";
import { waitFor } from "../support/wait.js";

// Issue 14: the harness's cluster DNS itself, without Metacontroller (so it runs even where
// only the no-controller scenarios do): CoreDNS answers for a StatefulSet's per-pod name
// from the EndpointSlices, keeps answering for a pod that is not Ready when its Service
// publishes not-ready addresses (and drops it when the Service does not), and reads the
// API server as a user that may only list and watch what its kubernetes plugin needs.

const COREDNS_KUBECONFIG = `${CLUSTER_DIR}/coredns.kubeconfig`;

/** `kubectl auth can-i VERB RESOURCE` as CoreDNS's own user (its kubeconfig, not impersonation). */
async function corednsCan(verb: string, resource: string): Promise<boolean> {
  try {
    await kubectlOutput(["--kubeconfig", COREDNS_KUBECONFIG, "auth", "can-i", verb, resource]);
    return true;
  } catch (error) {
    // can-i exits 1 for "no".
    if (error instanceof KubectlError && error.code === 1) return false;
    throw error;
  }
}

scenario(
  "16a. cluster DNS: a StatefulSet pod's name resolves to its IP, also while not Ready (publishNotReadyAddresses); CoreDNS may only list/watch services, endpointslices, namespaces",
  { namespaces: ["e2e-16-dns"], timeoutMs: 240_000, logs: ["coredns"] },
  async ({ namespace: ns, step }) => {
    const corefile = readFileSync(`${CLUSTER_DIR}/Corefile`, "utf8");
    assert.match(corefile, new RegExp(`kubeconfig ${COREDNS_KUBECONFIG} `), "Corefile");
    const whoami = JSON.parse(
      await kubectl(["--kubeconfig", COREDNS_KUBECONFIG, "auth", "whoami", "-o", "json"]),
    ) as { status: { userInfo: { username: string; groups?: string[] } } };
    const { username, groups } = whoami.status.userInfo;
    assert.deepEqual(
      { username, groups },
      { username: "e2e-coredns", groups: ["system:authenticated"] },
      "CoreDNS's user is in no group of its own",
    );
    const granted: [string, string][] = [
      ["list", "services"],
      ["watch", "services"],
      ["list", "endpointslices.discovery.k8s.io"],
      ["watch", "endpointslices.discovery.k8s.io"],
      ["list", "namespaces"],
      ["watch", "namespaces"],
    ];
    const denied: [string, string][] = [
      ["get", "services"],
      ["create", "services"],
      ["list", "pods"],
      ["list", "endpoints"],
      ["get", "secrets"],
      ["list", "configmaps"],
      ["list", "stellarnodes.stellar.org"],
      ["update", "endpointslices.discovery.k8s.io"],
      ["delete", "namespaces"],
    ];
    for (const [verb, resource] of granted) {
      assert.equal(await corednsCan(verb, resource), true, `CoreDNS may ${verb} ${resource}`);
    }
    for (const [verb, resource] of denied) {
      assert.equal(await corednsCan(verb, resource), false, `CoreDNS may not ${verb} ${resource}`);
    }
    step(`CoreDNS (${DNS_SERVER}) reads the API as e2e-coredns: list/watch only`);

    // One pod, two headless Services selecting it: "web" (the StatefulSet's, publishing
    // not-ready addresses, as the product's peer Service does) and "strict" (not).
    const headless = (name: string, publishNotReadyAddresses: boolean) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: ns },
      spec: {
        clusterIP: "None",
        publishNotReadyAddresses,
        selector: { app: "web" },
        ports: [{ name: "peer", port: 11625 }],
      },
    });
    await applyObjects([
      headless("web", true),
      headless("strict", false),
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "web", namespace: ns },
        spec: {
          serviceName: "web",
          replicas: 1,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: {
              containers: [
                {
                  name: "main",
                  image: "example.invalid/never-pulled:1",
                  ports: [{ name: "peer", containerPort: 11625 }],
                },
              ],
            },
          },
        },
      },
    ]);
    const ip = await waitForPodIP(ns, "web-0", 90_000);
    const name = podDnsName(ns, "web", "web-0");
    const took = await waitForName(name, ip);
    assert.deepEqual(await lookupA(`strict.${ns}.svc.cluster.local`), {
      kind: "addresses",
      addresses: [ip],
    });
    step(`${name} resolves to web-0's IP ${ip} (${took} ms after the pod's status showed it)`);

    await markPodNotReady(ns, "web-0");
    await waitFor("the EndpointSlices to see web-0 not serving", async () => {
      const [web] = await sliceEndpointsOf(ns, "web", "web-0");
      const [strict] = await sliceEndpointsOf(ns, "strict", "web-0");
      // publishNotReadyAddresses: ready stays true though the pod is not (EndpointSlice
      // controller, podToEndpoint); without it ready follows the pod.
      assert.deepEqual(web?.conditions, { ready: true, serving: false, terminating: false });
      assert.equal(web?.hostname, "web-0", "the endpoint carries the pod's hostname");
      assert.deepEqual(strict?.conditions, { ready: false, serving: false, terminating: false });
    });
    await waitForNoName(`strict.${ns}.svc.cluster.local`);
    assert.deepEqual(await lookupA(name), { kind: "addresses", addresses: [ip] });
    step(
      `web-0 not Ready: ${name} still resolves to ${ip}; the strict Service's name no longer does`,
    );
  },
);
