import assert from "node:assert/strict";
import { spawnSync, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import { sha256Hex } from "../../hooks/hash.js";
import { initScript } from "../../hooks/render/init-script.js";

/** The init container's script, run by a real /bin/sh with its paths moved into a temp dir. */
function setup(peers: string, history: string[], config: string) {
  const root = mkdtempSync(join(tmpdir(), "init-script-"));
  for (const dir of ["peers", "config", "run", "data", "bin"]) mkdirSync(join(root, dir));
  writeFileSync(join(root, "peers/KNOWN_PEERS"), peers);
  writeFileSync(join(root, "peers/peers-hash"), sha256Hex(peers));
  writeFileSync(
    join(root, "peers/peers.toml"),
    `KNOWN_PEERS = [${peers
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((p) => JSON.stringify(p))
      .join(", ")}]\n`,
  );
  writeFileSync(join(root, "peers/peers-hash-history"), history.map((h) => `${h}\n`).join(""));
  writeFileSync(join(root, "config/stellar-core.cfg"), config);
  // Stands in for the stellar-core binary of the image: records that new-db ran.
  writeFileSync(
    join(root, "bin/stellar-core"),
    `#!/bin/sh\necho "$@" >> ${root}/new-db.log\ntouch ${root}/data/stellar.db\n`,
  );
  chmodSync(join(root, "bin/stellar-core"), 0o755);
  const script = initScript("peers-hash", "peers-hash-history", "stellar-core.cfg")
    .replaceAll("/etc/stellar/peers", join(root, "peers"))
    .replaceAll("/etc/stellar/config", join(root, "config"))
    .replaceAll("/run/stellar", join(root, "run"))
    .replaceAll("/data", join(root, "data"));
  return { root, script };
}

const env = (root: string, extra: Record<string, string>) => ({
  PATH: `${join(root, "bin")}:${process.env["PATH"] ?? ""}`,
  NODE_SEED: "SDTLYR2TX6276G35B2CZP45RSRPXIYMKOCOZRZ4AKALLTKKDXB3LZVVY",
  ...extra,
});

const CONFIG =
  'HTTP_PORT = 11626\nNETWORK_PASSPHRASE = "Test SDF Network ; September 2015"\n\n[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ["$a"]\n';
const PEERS = "a-0.a.ns.svc.cluster.local:11625\nb-0.b.ns.svc.cluster.local:11725\n";

describe("init container script", () => {
  it("assembles one TOML file with KNOWN_PEERS and NODE_SEED at top level, and creates the database once", () => {
    const { root, script } = setup(PEERS, [], CONFIG);
    const run = () =>
      spawnSync("/bin/sh", ["-c", script], {
        env: env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex(CONFIG) }),
        encoding: "utf8",
      });
    const first = run();
    assert.equal(first.status, 0, first.stderr);
    const assembled = parse(readFileSync(join(root, "run/stellar-core.cfg"), "utf8"));
    assert.deepEqual(assembled["KNOWN_PEERS"], [
      "a-0.a.ns.svc.cluster.local:11625",
      "b-0.b.ns.svc.cluster.local:11725",
    ]);
    assert.equal(
      assembled["NODE_SEED"],
      "SDTLYR2TX6276G35B2CZP45RSRPXIYMKOCOZRZ4AKALLTKKDXB3LZVVY",
    );
    assert.equal((assembled["QUORUM_SET"] as Record<string, unknown>)["THRESHOLD_PERCENT"], 67);
    assert.equal(run().status, 0);
    assert.equal(
      readFileSync(join(root, "new-db.log"), "utf8").trim().split("\n").length,
      1,
      "new-db runs only on an empty volume",
    );
  });

  it("refuses a Secret that holds no seed", () => {
    const { root, script } = setup(PEERS, [], CONFIG);
    const result = spawnSync("/bin/sh", ["-c", script], {
      env: {
        ...env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex(CONFIG) }),
        NODE_SEED: "GABC",
      },
      encoding: "utf8",
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /must hold a secret seed/);
    assert.equal(existsSync(join(root, "run/stellar-core.cfg")), false);
  });

  it("takes a peers list newer than the pod template at once (its hash is in the history)", () => {
    const older = "a-0.a.ns.svc.cluster.local:11625\n";
    const { root, script } = setup(PEERS, [sha256Hex(older)], CONFIG);
    const started = Date.now();
    const result = spawnSync("/bin/sh", ["-c", script], {
      env: env(root, { PEERS_HASH: sha256Hex(older), CONFIG_HASH: sha256Hex(CONFIG) }),
      encoding: "utf8",
    });
    assert.equal(result.status, 0, result.stderr);
    assert.ok(Date.now() - started < 1500, "did not wait");
  });

  it("waits while the mounted peers are older than the pod template, until kubelet updates them", async () => {
    const older = "a-0.a.ns.svc.cluster.local:11625\n";
    const { root, script } = setup(older, [], CONFIG);
    const child = spawn("/bin/sh", ["-c", script], {
      env: env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex(CONFIG) }),
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(
      existsSync(join(root, "run/stellar-core.cfg")),
      false,
      "started with the old list",
    );
    // kubelet swaps the volume's files; here one by one, peers-hash last.
    writeFileSync(
      join(root, "peers/peers.toml.new"),
      'KNOWN_PEERS = ["b-0.b.ns.svc.cluster.local:11725"]\n',
    );
    renameSync(join(root, "peers/peers.toml.new"), join(root, "peers/peers.toml"));
    writeFileSync(join(root, "peers/KNOWN_PEERS.new"), PEERS);
    renameSync(join(root, "peers/KNOWN_PEERS.new"), join(root, "peers/KNOWN_PEERS"));
    writeFileSync(join(root, "peers/peers-hash.new"), sha256Hex(PEERS));
    renameSync(join(root, "peers/peers-hash.new"), join(root, "peers/peers-hash"));
    assert.equal(await exited, 0);
    assert.match(readFileSync(join(root, "run/stellar-core.cfg"), "utf8"), /b-0\.b\.ns/);
  });
});
