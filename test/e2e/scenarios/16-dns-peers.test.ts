import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { firstIPv4Resolver, PeerConnector } from "../../../hooks/sidecar/connector.js";
import type { CoreClient } from "../../../hooks/sidecar/core-client.js";
import { createSidecarMetrics } from "../../../hooks/sidecar/metrics.js";
import {
  CLUSTER_DOMAIN,
  DNS_SERVER,
  checkKnownPeersResolve,
  firstIPv4,
  lookupA,
  parsePodDnsName,
  podDnsName,
  waitForName,
  waitForNoName,
  waitForKnownPeersResolve,
} from "../support/dns.js";
import { getOptional, kubectl, type ConfigMap } from "../support/kube.js";
import {
  freePodIPs,
  markPodNotReady,
  podIP,
  recreateWithNewIP,
  sliceEndpointsOf,
} from "../support/pods.js";
import { createValidatorsWith, waitForGroupConverged } from "../support/rollout.js";
import { scenario } from "../support/scenario.js";
import {
  createValidators,
  getConfigMap,
  getPod,
  knownPeersLines,
  patchStellarNode,
  peerAddress,
  SETTLE_MS,
  templateSnapshot,
  waitForPeers,
  waitForValidatorConverged,
  waitForValidatorReady,
  type TemplateSnapshot,
} from "../support/stellar.js";
import { sleep, waitFor } from "../support/wait.js";

// Issue 14: the names the hook writes into KNOWN_PEERS, resolved by a real cluster DNS
// (CoreDNS with its kubernetes plugin, test/e2e/cluster/up.sh) as stellar-core would
// resolve them: each `X-0.X.<ns>.svc.cluster.local` is the A record of pod X-0, published
// from the EndpointSlice of the validator's headless Service (hostname X-0, set because
// the StatefulSet gives its pods hostname X-0 and subdomain X).

/** Pod IPs to free before a recreation, so kwok seldom gives the pod its old IP back. */
const FREED_IPS = 8;

scenario(
  "16b. DNS: every KNOWN_PEERS name resolves to its pod's current IP; a recreated pod's name follows its new IP and nobody else changes; an unready pod still resolves",
  { namespaces: ["e2e-16-names"], logs: ["coredns"] },
  async ({ namespace: ns, step }) => {
    const names = ["alpha", "beta", "gamma"];
    await createValidators(
      ns,
      names.map((name) => ({ name })),
    );
    for (const name of names) {
      const others = names.filter((n) => n !== name).map((n) => peerAddress(ns, n));
      await waitForPeers(ns, name, others, 120_000);
    }
    for (const name of names) await waitForValidatorConverged(ns, name, 120_000);
    const resolved = await waitForKnownPeersResolve(ns, names);
    const pairs = new Set([...resolved.values()].flat().map((p) => `${p.pod.pod} ${p.podIP}`));
    step(`every listed name resolves to its pod's current IP: ${[...pairs].sort().join(", ")}`);

    const templates = new Map<string, TemplateSnapshot>();
    const peerMaps = new Map<string, ConfigMap>();
    for (const name of names) {
      templates.set(name, await templateSnapshot(ns, name));
      peerMaps.set(name, await getConfigMap(ns, `${name}-peers`));
    }

    await freePodIPs(ns, FREED_IPS);
    const beta = await recreateWithNewIP(ns, "beta-0", { onAttempt: step });
    const betaName = podDnsName(ns, "beta", "beta-0");
    const followed = await waitForName(betaName, beta.ip);
    step(
      `${betaName} follows the new pod: ${beta.before} -> ${beta.ip} (${followed} ms after the pod's status showed it)`,
    );
    await waitForValidatorConverged(ns, "beta");
    await waitForKnownPeersResolve(ns, names);
    await sleep(SETTLE_MS);

    for (const name of names) {
      const after = await templateSnapshot(ns, name);
      const was = templates.get(name);
      assert.deepEqual(
        { ...after, podUid: undefined },
        { ...was, podUid: undefined },
        `${name}'s StatefulSet must not change`,
      );
      if (name !== "beta") {
        assert.equal(after.podUid, was?.podUid, `${name}-0 must not be restarted`);
        const peers = await getConfigMap(ns, `${name}-peers`);
        const before = peerMaps.get(name);
        assert.deepEqual(peers.data, before?.data, `${name}-peers data must not change`);
        assert.equal(
          peers.metadata.resourceVersion,
          before?.metadata.resourceVersion,
          `${name}-peers must not be written at all`,
        );
      }
    }
    step("alpha's and gamma's peers ConfigMaps and pod templates are untouched; their pods run on");

    await markPodNotReady(ns, "beta-0");
    await waitFor("beta's EndpointSlice to see beta-0 not serving, still published", async () => {
      const [endpoint] = await sliceEndpointsOf(ns, "beta", "beta-0");
      assert.deepEqual(endpoint?.conditions, { ready: true, serving: false, terminating: false });
      assert.equal(endpoint?.hostname, "beta-0");
      assert.deepEqual(endpoint?.addresses, [beta.ip]);
    });
    const pod = await getPod(ns, "beta-0");
    assert.equal(
      pod?.status?.conditions?.find((c) => c.type === "Ready")?.status,
      "False",
      "beta-0 is not Ready",
    );
    for (const name of ["alpha", "gamma"]) {
      const checked = await checkKnownPeersResolve(ns, name);
      assert.ok(
        checked.some((peer) => peer.name === betaName && peer.podIP === beta.ip),
        `${name} lists ${betaName}, which resolves to the unready pod's IP ${beta.ip}`,
      );
    }
    step(`beta-0 not Ready: ${betaName} still resolves to ${beta.ip} (publishNotReadyAddresses)`);
  },
);

scenario(
  "16c. DNS: a suspended validator's name stops resolving and resolves again on resume; a deleted one's stops",
  { namespaces: ["e2e-16-suspend"], logs: ["coredns"] },
  async ({ namespace: ns, step }) => {
    await createValidators(ns, [{ name: "alpha" }, { name: "beta" }]);
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")], 120_000);
    await waitForPeers(ns, "beta", [peerAddress(ns, "alpha")]);
    await waitForValidatorReady(ns, "alpha");
    await waitForValidatorReady(ns, "beta");
    await waitForKnownPeersResolve(ns, ["alpha", "beta"]);
    const betaName = podDnsName(ns, "beta", "beta-0");
    step(`${betaName} resolves to beta-0's IP`);

    await patchStellarNode(ns, "beta", { spec: { suspended: true } });
    await waitFor("pod beta-0 gone", async () => {
      assert.equal(await getPod(ns, "beta-0"), undefined, "pod beta-0");
    });
    const gone = await waitForNoName(betaName);
    assert.ok(
      await getOptional(["get", "service", "beta", "-n", ns]),
      "the Service stays; only its pod is gone",
    );
    await waitForPeers(ns, "alpha", []);
    step(`suspended: ${betaName} no longer resolves (${gone.kind === "none" ? gone.code : ""})`);

    await patchStellarNode(ns, "beta", { spec: { suspended: false } });
    await waitForValidatorReady(ns, "beta");
    const ip = await podIP(ns, "beta-0");
    assert.ok(ip);
    await waitForName(betaName, ip);
    await waitForPeers(ns, "alpha", [peerAddress(ns, "beta")]);
    await waitForKnownPeersResolve(ns, ["alpha"]);
    step(`resumed: ${betaName} resolves to the new beta-0's IP ${ip} again`);

    await kubectl(["delete", "stellarnode", "beta", "-n", ns, "--wait=false"]);
    await waitFor("beta's Service and pod gone", async () => {
      assert.equal(await getOptional(["get", "service", "beta", "-n", ns]), undefined);
      assert.equal(await getPod(ns, "beta-0"), undefined);
    });
    await waitForNoName(betaName);
    await waitForNoName(`beta.${ns}.svc.${CLUSTER_DOMAIN}`);
    await waitForPeers(ns, "alpha", []);
    step(`deleted: neither ${betaName} nor its Service's name resolves`);
  },
);

scenario(
  "16d. DNS and PodIP addressing: every listed IP is the peer pod's current IP, which its name resolves to too",
  { namespaces: ["e2e-16-podip"], logs: ["coredns"] },
  async ({ namespace: ns, step }) => {
    const names = ["p1", "p2", "p3"];
    await createValidatorsWith(ns, names, {
      peerDiscovery: { addressing: "PodIP", settleSeconds: 3 },
    });
    for (const name of names) await waitForValidatorReady(ns, name, 180_000);

    /** name's list is exactly the others' current pod IPs, and each one's DNS name agrees. */
    const listsCurrentIPs = async (name: string): Promise<string[]> => {
      const lines = knownPeersLines(await getConfigMap(ns, `${name}-peers`)) ?? [];
      const expected: string[] = [];
      for (const other of names.filter((n) => n !== name)) {
        const ip = await podIP(ns, `${other}-0`);
        assert.ok(ip, `${other}-0 has an IP`);
        assert.deepEqual(
          await lookupA(podDnsName(ns, other, `${other}-0`)),
          { kind: "addresses", addresses: [ip] },
          `${other}-0's name resolves to its current IP`,
        );
        expected.push(`${ip}:11625`);
      }
      assert.deepEqual(lines, expected.sort(), `${name}-peers lists the others' current pod IPs`);
      return lines;
    };
    for (const name of names) {
      await waitFor(`${name}-peers to list the others' current pod IPs`, () =>
        listsCurrentIPs(name),
      );
    }
    step("each lists the others' current pod IPs, the IPs their DNS names resolve to");

    await freePodIPs(ns, FREED_IPS);
    const p1 = await recreateWithNewIP(ns, "p1-0", { onAttempt: step });
    await waitForValidatorReady(ns, "p1", 120_000);
    for (const name of ["p2", "p3"]) {
      await waitFor(`${name}-peers to list p1's new IP ${p1.ip}`, () => listsCurrentIPs(name));
    }
    step(`p1-0 recreated (${p1.before} -> ${p1.ip}): p2 and p3 list its new IP, its name agrees`);
  },
);

scenario(
  "16e. DNS and LiveConnect: the sidecar's connector resolves each listed name to the pod the list means",
  { namespaces: ["e2e-16-live"], logs: ["coredns"] },
  async ({ namespace: ns, step }) => {
    const names = ["l1", "l2", "l3"];
    await createValidatorsWith(ns, names, { peerDiscovery: { updateStrategy: "LiveConnect" } });
    await waitForGroupConverged(ns, names);
    const text = (await getConfigMap(ns, "l1-peers")).data?.["KNOWN_PEERS"] ?? "";
    const keys = text.split("\n").filter((line) => line !== "");
    assert.deepEqual(keys, [peerAddress(ns, "l2"), peerAddress(ns, "l3")]);

    // The sidecar's own code (hooks/sidecar/connector.ts, unchanged) reads l1's peers file,
    // resolves each name with a Resolver of stellar-core's rule (the first IPv4 address)
    // asked of the cluster DNS, and decides which peers stellar-core is connected to by
    // comparing those IPs with the addresses stellar-core reports. The stellar-core here is
    // a stand-in whose connections are to pods, by their IPs from the API: it is connected
    // to the pod a name means (<pod>.<service>.<ns>.svc...). So the connector counts a peer
    // connected only if the cluster DNS gave it that pod's current IP.
    const connections = new Map<string, string>(); // listed host -> "podIP:port" it reached
    const connects: { host: string; port: number; dialled: string; pod: string | undefined }[] = [];
    const core: CoreClient = {
      peers: () =>
        Promise.resolve({
          kind: "ok",
          view: { authenticated: new Set(connections.values()), pending: new Set<string>() },
        }),
      connect: async (peer) => {
        const meant = parsePodDnsName(peer.host);
        const ip = meant && (await podIP(meant.namespace, meant.pod));
        // What stellar-core itself would dial: its rule, asked of the cluster DNS.
        const dialled = await firstIPv4(peer.host).catch((error: unknown) => String(error));
        connects.push({ host: peer.host, port: peer.port, dialled, pod: ip });
        if (ip === undefined) {
          return { kind: "exception", message: `Could not resolve ${peer.host}` };
        }
        connections.set(peer.host, `${ip}:${peer.port}`);
        return { kind: "ok", message: `Connect to: ${peer.host}:${peer.port}` };
      },
    };
    const logLines: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), "stellar-peers-e2e-16e-"));
    const peersFile = join(dir, "KNOWN_PEERS");
    writeFileSync(peersFile, text);
    const connector = new PeerConnector({
      peersFile,
      core,
      metrics: createSidecarMetrics(),
      logger: pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) }),
      backoff: { baseMs: 200, capMs: 2_000 },
      pollMs: 250,
      resyncMs: 5_000,
      // The sidecar's own resolver (first IPv4 address), asked of the harness's DNS.
      resolve: firstIPv4Resolver([DNS_SERVER]),
    });
    const connected = () => [...connector.status().connected].sort();
    try {
      connector.start();
      await waitFor("the connector to count l2 and l3 connected", async () => {
        assert.deepEqual(connected(), keys);
      });
      assert.deepEqual(
        [...new Set(connects.map((c) => `${c.host}:${c.port}`))].sort(),
        keys,
        "it asked stellar-core to connect each listed name, by name, and nothing else",
      );
      for (const c of connects) {
        assert.equal(c.dialled, c.pod, `${c.host}: the IP dialled is the pod's current IP`);
      }
      step(
        `the connector asked for ${connects.map((c) => `${c.host} (-> ${c.dialled})`).join(", ")} and counts both connected`,
      );

      await freePodIPs(ns, FREED_IPS);
      const l2Name = keys[0]!.split(":")[0]!;
      const l2 = await recreateWithNewIP(ns, "l2-0", { onAttempt: step });
      connections.delete(l2Name); // the connection to the old pod died with it
      await waitFor(`the connector to reconnect ${l2Name} at its new IP ${l2.ip}`, async () => {
        assert.equal(connections.get(l2Name), `${l2.ip}:11625`);
        assert.deepEqual(connected(), keys);
      });
      const last = connects.filter((c) => c.host === l2Name).at(-1);
      assert.equal(last?.dialled, l2.ip, `stellar-core would dial the new l2-0 at ${l2.ip}`);
      step(`l2-0 recreated (${l2.before} -> ${l2.ip}): the connector resolved its name anew`);
    } catch (error) {
      step(`connector log (last 30 lines):\n${logLines.slice(-30).join("")}`);
      throw error;
    } finally {
      await connector.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
