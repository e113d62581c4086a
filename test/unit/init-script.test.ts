import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
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
import { initScript, type ConfigMapWait } from "../../hooks/render/init-script.js";

const SEED = "SDTLYR2TX6276G35B2CZP45RSRPXIYMKOCOZRZ4AKALLTKKDXB3LZVVY";

/** The real sleep, for the fake one on PATH to delegate to. */
const REAL_SLEEP = spawnSync("/bin/sh", ["-c", "command -v sleep"], {
  encoding: "utf8",
}).stdout.trim();

/**
 * Stands in for the image's stellar-core v27.1.0, with the database as a text file
 * (`schema N`, `ledger N` lines) instead of SQLite. It does what the commands the script
 * uses do, as far as the script can tell:
 * - any failure: `handleCommandLine` (src/main/CommandLine.cpp) catches the exception,
 *   logs "Got an exception: <what>" and REPORT_INTERNAL_BUG at FATAL on stderr (the console
 *   sink, src/util/Logging.cpp), exits 1;
 * - `new-db` (`runNewDB` -> `initializeDatabase` -> `ApplicationImpl::newDB`): the file
 *   exists once `Database::open` ran, `Database::initialize` deletes and recreates it and
 *   writes schema 25 (`putMainSchemaVersion(MIN_SCHEMA_VERSION)`), `upgradeToCurrentSchema`
 *   takes it to 28, `LedgerManager::startNewLedger` writes the genesis ledger; exit 0.
 *   FAKE_NEW_DB_KILLED=before-schema|before-ledger kills it (SIGKILL) at those points;
 * - `upgrade-db` (`runUpgradeDB`): opens (creates) the file; without a schema version
 *   `getVersion` (src/database/Database.cpp) throws "No DB schema version found, try
 *   stellar-core new-db"; with one it upgrades to 28 and exits 0, unless
 *   FAKE_UPGRADE_DB_FAILS holds another exception (e.g. `validateNetworkPassphrase`'s).
 */
function fakeStellarCore(root: string): string {
  return `#!/bin/sh
db=${root}/data/stellar.db
echo "$*" >> ${root}/stellar-core.log
command=$1; shift
conf=
while [ $# -gt 0 ]; do
  case "$1" in
    --conf) conf=$2; shift 2 ;;
    *) shift ;;
  esac
done
log() { echo "2024-01-01T00:00:00.000 GDTLY [$1] $2" >&2; }
fatal() {
  log "default FATAL" "Got an exception: $1"
  log "default FATAL" "Please report this bug along with this log file if this was not expected"
  exit 1
}
if [ "$command" = sec-to-pub ]; then exec "${process.execPath}" ${root}/sec-to-pub.mjs; fi
[ -r "$conf" ] || fatal "No config file $conf found"
log "default INFO" "Config from $conf"
case "$command" in
  new-db)
    : > "$db"
    if [ "\${FAKE_NEW_DB_KILLED:-}" = before-schema ]; then kill -9 $$; fi
    echo "schema 25" > "$db"
    if [ "\${FAKE_NEW_DB_KILLED:-}" = before-ledger ]; then kill -9 $$; fi
    printf 'schema 28\\nledger 1\\n' > "$db"
    log "default INFO" "* The next launch will catchup from the network afresh."
    ;;
  upgrade-db)
    [ -e "$db" ] || : > "$db"
    grep -q '^schema ' "$db" || fatal "No DB schema version found, try stellar-core new-db"
    [ -z "\${FAKE_UPGRADE_DB_FAILS:-}" ] || fatal "$FAKE_UPGRADE_DB_FAILS"
    { echo "schema 28"; grep -v '^schema ' "$db"; } > "$db.new" && mv "$db.new" "$db"
    log "Database INFO" "DB schema is in current version"
    ;;
  *) fatal "unexpected command $command (fake stellar-core)" ;;
esac
`;
}

/**
 * stellar-core v27.1.0's `sec-to-pub` (runSecToPub -> priv2pub, src/main/dumpxdr.cpp): reads
 * one line of standard input (readSecret: std::getline when stdin is no terminal), decodes
 * it as a seed strkey (SecretKey::fromStrKeySeed: version byte 18 << 3, 32 bytes, CRC16
 * checksum, 56 characters) and prints the ed25519 public key as a G... strkey on standard
 * output; a bad seed prints "invalid seed" on standard error, and either way it exits 0.
 * Node's crypto derives the key, so a matching seed matches for real.
 */
const FAKE_SEC_TO_PUB = `
import { createPrivateKey, createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const crc16 = (bytes) => {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
};
const decode = (text) => {
  const out = [];
  let buffer = 0, bits = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) { bits -= 8; out.push((buffer >> bits) & 0xff); }
  }
  return Buffer.from(out);
};
const encode = (bytes) => {
  let out = "", buffer = 0, bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) { bits -= 5; out += ALPHABET[(buffer >> bits) & 31]; }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
};
const line = readFileSync(0, "utf8").split("\\n")[0];
const bytes = line.length === 56 ? decode(line) : undefined;
const valid = bytes !== undefined && bytes.length === 35 && bytes[0] === 18 << 3 &&
  crc16(bytes.subarray(0, 33)) === bytes.readUInt16LE(33);
if (!valid) {
  process.stderr.write("invalid seed\\n");
} else {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), bytes.subarray(1, 33)]);
  const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({ format: "jwk" });
  const payload = Buffer.concat([Buffer.from([6 << 3]), Buffer.from(jwk.x, "base64url")]);
  const checksum = Buffer.alloc(2);
  checksum.writeUInt16LE(crc16(payload));
  process.stdout.write(encode(Buffer.concat([payload, checksum])) + "\\n");
}
`;

const FAST: ConfigMapWait = { pollSeconds: 0.01, waitSeconds: 60 };

/** The init container's script, run by a real /bin/sh with its paths moved into a temp dir. */
function setup(
  peers: string,
  history: string[],
  config: string,
  wait: ConfigMapWait = FAST,
  configFile = "stellar-core.cfg",
) {
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
  writeFileSync(join(root, "bin/stellar-core"), fakeStellarCore(root));
  writeFileSync(join(root, "sec-to-pub.mjs"), FAKE_SEC_TO_PUB);
  chmodSync(join(root, "bin/stellar-core"), 0o755);
  // Records each wait, so tests see the script poll without timing it.
  writeFileSync(
    join(root, "bin/sleep"),
    `#!/bin/sh\necho "$1" >> ${root}/sleep.log\nexec ${REAL_SLEEP} "$1"\n`,
  );
  chmodSync(join(root, "bin/sleep"), 0o755);
  const script = initScript("peers-hash", "peers-hash-history", configFile, wait, {
    checkPublicKey: true,
  })
    .replaceAll("/etc/stellar/peers", join(root, "peers"))
    .replaceAll("/etc/stellar/config", join(root, "config"))
    .replaceAll("/run/stellar", join(root, "run"))
    .replaceAll("/data", join(root, "data"));
  return { root, script };
}

const env = (root: string, extra: Record<string, string>) => ({
  PATH: `${join(root, "bin")}:${process.env["PATH"] ?? ""}`,
  NODE_SEED: SEED,
  ...extra,
});

const CONFIG =
  'HTTP_PORT = 11626\nNETWORK_PASSPHRASE = "Test SDF Network ; September 2015"\n\n[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ["$a"]\n';
const PEERS = "a-0.a.ns.svc.cluster.local:11625\nb-0.b.ns.svc.cluster.local:11725\n";

/** A pod with current ConfigMaps: runs the script once, as kubelet starts the init container. */
function node(options: { config?: string } = {}) {
  const config = options.config ?? CONFIG;
  const { root, script } = setup(PEERS, [], config);
  const start = (extra: Record<string, string> = {}): SpawnSyncReturns<string> =>
    spawnSync("/bin/sh", ["-c", script], {
      env: env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex(config), ...extra }),
      encoding: "utf8",
    });
  const file = (path: string): string | undefined =>
    existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : undefined;
  /** The stellar-core commands run so far, e.g. `new-db`, `upgrade-db`. */
  const coreCommands = (): string[] =>
    (file("stellar-core.log") ?? "")
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split(" ")[0] ?? "");
  return { root, script, start, file, coreCommands };
}

const READY_MARKER = "data/.stellar-peers-db-ready";
const RUNNING_MARKER = "data/.stellar-peers-new-db-running";

describe("init container script", () => {
  it("assembles one TOML file with KNOWN_PEERS and NODE_SEED at top level, and creates the database once", () => {
    const pod = node();
    const first = pod.start();
    assert.equal(first.status, 0, first.stderr);
    const assembled = parse(pod.file("run/stellar-core.cfg") ?? "");
    assert.deepEqual(assembled["KNOWN_PEERS"], [
      "a-0.a.ns.svc.cluster.local:11625",
      "b-0.b.ns.svc.cluster.local:11725",
    ]);
    assert.equal(assembled["NODE_SEED"], SEED);
    assert.equal((assembled["QUORUM_SET"] as Record<string, unknown>)["THRESHOLD_PERCENT"], 67);
    assert.equal(pod.start().status, 0);
    assert.deepEqual(pod.coreCommands(), ["new-db"], "new-db runs once, on the empty volume");
    assert.equal(pod.file("data/stellar.db"), "schema 28\nledger 1\n");
    assert.ok(pod.file(READY_MARKER) !== undefined, "marked ready after new-db");
    assert.equal(pod.file(RUNNING_MARKER), undefined);
  });

  describe("seed", () => {
    for (const [what, suffix] of [
      ["the newline kubectl create secret --from-file keeps", "\n"],
      ["spaces, tabs, CR and newlines", " \t\r\n \n"],
    ] as const) {
      it(`drops trailing whitespace: ${what}`, () => {
        const pod = node();
        const result = pod.start({ NODE_SEED: `${SEED}${suffix}` });
        assert.equal(result.status, 0, result.stderr);
        const assembled = pod.file("run/stellar-core.cfg") ?? "";
        assert.ok(assembled.split("\n").includes(`NODE_SEED="${SEED}"`), assembled);
        assert.equal(parse(assembled)["NODE_SEED"], SEED);
      });
    }

    const malformed: readonly (readonly [string, string])[] = [
      ["a public key", "GATC2NB3IJEVAV26MVWHG6UBRCHZNHNEVOZLTQGHZ3K5ZY7K6H4P6PSI"],
      ["one character short", SEED.slice(0, 55)],
      ["one character long", `${SEED}A`],
      ["lower case", SEED.toLowerCase()],
      ["base32 padding", `${SEED.slice(0, 55)}=`],
      ["outside the base32 alphabet (0, 1, 8, 9)", `${SEED.slice(0, 52)}0189`],
      ["leading space", ` ${SEED}`],
      ["two seeds on two lines", `${SEED}\n${SEED}`],
      ["a TOML injection", `${SEED.slice(0, 40)}"\nFOO = "x`],
      ["empty", ""],
      ["only a newline", "\n"],
    ];
    for (const [what, value] of malformed) {
      it(`refuses a seed that is ${what}, without echoing it`, () => {
        const pod = node();
        const result = pod.start({ NODE_SEED: value });
        assert.equal(result.status, 1);
        assert.match(result.stderr, /STELLAR_CORE_SEED must hold a secret seed/);
        const output = result.stdout + result.stderr;
        for (const part of value.split(/\s+/).filter((p) => p.length >= 8)) {
          assert.ok(!output.includes(part), `the output holds the value: ${output}`);
          assert.ok(!output.includes(part.slice(0, 12)), `the output holds part of it: ${output}`);
        }
        assert.equal(pod.file("run/stellar-core.cfg"), undefined);
        assert.deepEqual(pod.coreCommands(), [], "stellar-core never ran");
      });
    }

    it("refuses a Secret without the key's value (NODE_SEED unset)", () => {
      const pod = node();
      const { NODE_SEED: _dropped, ...withoutSeed } = env(pod.root, {
        PEERS_HASH: sha256Hex(PEERS),
        CONFIG_HASH: sha256Hex(CONFIG),
      });
      const result = spawnSync("/bin/sh", ["-c", pod.script], {
        env: withoutSeed,
        encoding: "utf8",
      });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /must hold a secret seed.*it is empty/);
    });
  });

  describe("database", () => {
    it("never runs new-db on an existing database from before the markers: upgrade-db finds its schema", () => {
      const pod = node();
      writeFileSync(join(pod.root, "data/stellar.db"), "schema 27\nledger 58000000\n");
      const first = pod.start();
      assert.equal(first.status, 0, first.stderr);
      assert.deepEqual(pod.coreCommands(), ["upgrade-db"]);
      assert.equal(pod.file("data/stellar.db"), "schema 28\nledger 58000000\n", "ledger kept");
      assert.ok(pod.file(READY_MARKER) !== undefined, "adopted");
      // Marked: later starts leave the schema to `stellar-core run`.
      assert.equal(pod.start().status, 0);
      assert.deepEqual(pod.coreCommands(), ["upgrade-db"]);
      assert.equal(pod.file("data/stellar.db"), "schema 28\nledger 58000000\n");
    });

    it("runs new-db on a database file without schema (a new-db interrupted before the markers)", () => {
      const pod = node();
      writeFileSync(join(pod.root, "data/stellar.db"), "");
      const result = pod.start();
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(pod.coreCommands(), ["upgrade-db", "new-db"]);
      assert.match(result.stderr, /No DB schema version found/);
      assert.equal(pod.file("data/stellar.db"), "schema 28\nledger 1\n");
      assert.ok(pod.file(READY_MARKER) !== undefined);
      assert.equal(pod.start().status, 0);
      assert.deepEqual(pod.coreCommands(), ["upgrade-db", "new-db"], "once");
    });

    for (const killed of ["before-schema", "before-ledger"] as const) {
      it(`runs new-db again after its own new-db was killed ${killed}, without asking upgrade-db`, () => {
        const pod = node();
        const interrupted = pod.start({ FAKE_NEW_DB_KILLED: killed });
        assert.equal(interrupted.status, 1);
        assert.match(interrupted.stderr, /new-db failed/);
        assert.ok(pod.file("data/stellar.db") !== undefined, "the file is left behind");
        assert.ok(pod.file(RUNNING_MARKER) !== undefined);
        assert.equal(pod.file(READY_MARKER), undefined);
        const next = pod.start();
        assert.equal(next.status, 0, next.stderr);
        // upgrade-db would take a killed-before-ledger database (it has a schema) for one.
        assert.deepEqual(pod.coreCommands(), ["new-db", "new-db"]);
        assert.equal(pod.file("data/stellar.db"), "schema 28\nledger 1\n");
        assert.ok(pod.file(READY_MARKER) !== undefined);
        assert.equal(pod.file(RUNNING_MARKER), undefined);
      });
    }

    it("stops, touching nothing, when upgrade-db fails for another reason", () => {
      const pod = node();
      writeFileSync(join(pod.root, "data/stellar.db"), "schema 28\nledger 58000000\n");
      const message =
        'NETWORK_PASSPHRASE "Test SDF Network ; September 2015" does not match previous NETWORK_PASSPHRASE "Public Global Stellar Network ; September 2015"';
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const result = pod.start({ FAKE_UPGRADE_DB_FAILS: message });
        assert.equal(result.status, 1);
        assert.ok(result.stderr.includes(message), result.stderr);
        assert.match(result.stderr, /leaving it untouched/);
      }
      assert.deepEqual(pod.coreCommands(), ["upgrade-db", "upgrade-db"]);
      assert.equal(pod.file("data/stellar.db"), "schema 28\nledger 58000000\n");
      assert.equal(pod.file(READY_MARKER), undefined);
    });

    it("runs new-db when the database file is gone, marker or not", () => {
      const pod = node();
      writeFileSync(join(pod.root, READY_MARKER), "");
      const result = pod.start();
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(pod.coreCommands(), ["new-db"]);
    });
  });

  describe("ConfigMap wait", () => {
    it("takes a peers list newer than the pod template at once (its hash is in the history)", () => {
      const older = "a-0.a.ns.svc.cluster.local:11625\n";
      const { root, script } = setup(PEERS, [sha256Hex(older)], CONFIG);
      const result = spawnSync("/bin/sh", ["-c", script], {
        env: env(root, { PEERS_HASH: sha256Hex(older), CONFIG_HASH: sha256Hex(CONFIG) }),
        encoding: "utf8",
      });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(existsSync(join(root, "sleep.log")), false, "did not wait");
    });

    it("waits while the mounted peers are older than the pod template, until kubelet updates them", async () => {
      const older = "a-0.a.ns.svc.cluster.local:11625\n";
      const { root, script } = setup(older, [], CONFIG);
      const child = spawn("/bin/sh", ["-c", script], {
        env: env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex(CONFIG) }),
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
      const polls = () =>
        existsSync(join(root, "sleep.log"))
          ? readFileSync(join(root, "sleep.log"), "utf8").split("\n").filter(Boolean)
          : [];
      while (polls().length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(polls().slice(0, 3), ["0.01", "0.01", "0.01"], "polls at the interval");
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

    it("gives up waiting for the peers after the wait, with a warning, and starts with the list as mounted", () => {
      const older = "a-0.a.ns.svc.cluster.local:11625\n";
      const { root, script } = setup(older, [], CONFIG, { pollSeconds: 0.01, waitSeconds: 0.05 });
      const result = spawnSync("/bin/sh", ["-c", script], {
        env: env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex(CONFIG) }),
        encoding: "utf8",
      });
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /warning: peers_current still false after 0\.05s/);
      assert.equal(readFileSync(join(root, "sleep.log"), "utf8"), "0.01\n".repeat(5));
      assert.ok(existsSync(join(root, "run/stellar-core.cfg")));
    });

    it("never starts with a config other than the one its template names: it stops after the wait", () => {
      const { root, script } = setup(PEERS, [], CONFIG, { pollSeconds: 0.01, waitSeconds: 0.05 });
      const result = spawnSync("/bin/sh", ["-c", script], {
        env: env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex("another config") }),
        encoding: "utf8",
      });
      assert.equal(result.status, 1, result.stderr);
      assert.match(
        result.stderr,
        /config_current still false after 0\.05s: .* not starting with another one/,
      );
      assert.equal(existsSync(join(root, "run/stellar-core.cfg")), false);
      assert.equal(existsSync(join(root, "stellar-core.log")), false, "stellar-core never ran");
    });

    it("takes, of the applied and the desired config, the one its template's CONFIG_HASH names", () => {
      const desired = CONFIG.replace("THRESHOLD_PERCENT = 67", "THRESHOLD_PERCENT = 70");
      for (const [name, wanted] of [
        ["the applied one (a waiting pod that restarts)", CONFIG],
        ["the desired one (a pod of the new template)", desired],
      ] as const) {
        const { root, script } = setup(
          PEERS,
          [],
          CONFIG,
          { pollSeconds: 0.01, waitSeconds: 0.05 },
          "stellar-core-${CONFIG_HASH}.cfg",
        );
        for (const text of [CONFIG, desired]) {
          writeFileSync(join(root, `config/stellar-core-${sha256Hex(text)}.cfg`), text);
        }
        const result = spawnSync("/bin/sh", ["-c", script], {
          env: env(root, { PEERS_HASH: sha256Hex(PEERS), CONFIG_HASH: sha256Hex(wanted) }),
          encoding: "utf8",
        });
        assert.equal(result.status, 0, `${name}: ${result.stderr}`);
        const assembled = readFileSync(join(root, "run/stellar-core.cfg"), "utf8");
        assert.ok(assembled.endsWith(wanted), `${name}: ${assembled}`);
      }
    });

    it("polls every 2 s for 180 s unless told otherwise, and refuses a nonsensical interval", () => {
      const script = initScript("peers-hash", "peers-hash-history", "stellar-core.cfg");
      assert.match(script, /^ {4}sleep 2$/m);
      assert.match(script, /if \[ "\$polls" -ge 90 \]/);
      assert.match(script, /after 180s/);
      for (const wait of [
        { pollSeconds: 0, waitSeconds: 10 },
        { pollSeconds: Number.NaN, waitSeconds: 10 },
        { pollSeconds: 1, waitSeconds: -1 },
      ]) {
        assert.throws(() => initScript("a", "b", "c", wait));
      }
    });
  });
});

/**
 * Seeds and the public keys they belong to, from the Stellar SDKs' own tests (the PHP SDK's
 * ExampleTest::testKeypair and py-stellar's test_account_from_secret), so the fake
 * sec-to-pub is checked against keys a real implementation derived.
 */
const KEYPAIRS = [
  {
    seed: "SAA2U5UFW65DW3MLVX734BUQIHAWANQNBLTFT47X2NVVBCN7X6QC5AOG",
    publicKey: "GD4JRFLPF4AGYQTLCMZ7Q7DRLGQZQTGWOOKDUCNRVKG66G5ZVYYFT76M",
  },
  {
    seed: "SABS6T5RZCOGXH6RZJM6BNHAN7KXVK6VKJRUPBW2KFABEWDBTIEPCRUO",
    publicKey: "GAO4R7CQGQAV2BEPPQ2LRQP3ANUFOJOBNDEM7AAVCWZA5IIUKIO2FKR5",
  },
] as const;

describe("init container script: the seed belongs to spec.validatorConfig.publicKey", () => {
  it("the fake sec-to-pub derives the keys real implementations derive, and exits 0 on a bad seed", () => {
    const { root } = setup(PEERS, [], CONFIG);
    const secToPub = (input: string) =>
      spawnSync(join(root, "bin/stellar-core"), ["sec-to-pub"], { input, encoding: "utf8" });
    for (const pair of KEYPAIRS) {
      const result = secToPub(`${pair.seed}\n`);
      assert.equal(result.status, 0);
      assert.equal(result.stdout, `${pair.publicKey}\n`);
    }
    const bad = secToPub(`${KEYPAIRS[0].seed.slice(0, 55)}A\n`);
    assert.deepEqual([bad.status, bad.stdout, bad.stderr], [0, "", "invalid seed\n"]);
  });

  for (const pair of KEYPAIRS) {
    it(`starts when the seed is of the declared key (${pair.publicKey.slice(0, 8)}...)`, () => {
      const pod = node();
      const result = pod.start({ NODE_SEED: `${pair.seed}\n`, PUBLIC_KEY: pair.publicKey });
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(pod.coreCommands(), ["sec-to-pub", "new-db"]);
      assert.equal(parse(pod.file("run/stellar-core.cfg") ?? "")["NODE_SEED"], pair.seed);
    });
  }

  it("refuses a seed of another key: names both public keys, never the seed", () => {
    const pod = node();
    const [mine, theirs] = KEYPAIRS;
    const result = pod.start({ NODE_SEED: theirs.seed, PUBLIC_KEY: mine.publicKey });
    assert.equal(result.status, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `holds the seed of ${theirs.publicKey}, not of spec.validatorConfig.publicKey ${mine.publicKey}`,
      ),
    );
    assert.ok(!(result.stdout + result.stderr).includes(theirs.seed.slice(0, 12)), result.stderr);
    assert.equal(pod.file("run/stellar-core.cfg"), undefined, "nothing assembled");
    assert.deepEqual(pod.coreCommands(), ["sec-to-pub"], "no new-db, no run");
  });

  it("refuses a seed stellar-core rejects (bad checksum, though S + 55 base32 characters)", () => {
    const pod = node();
    const badChecksum = `${KEYPAIRS[0].seed.slice(0, 55)}A`;
    const result = pod.start({ NODE_SEED: badChecksum, PUBLIC_KEY: KEYPAIRS[0].publicKey });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /not a secret seed stellar-core accepts/);
    assert.match(result.stderr, new RegExp(`publicKey is ${KEYPAIRS[0].publicKey}`));
    assert.ok(!result.stderr.includes(badChecksum.slice(0, 12)), result.stderr);
    assert.equal(pod.file("run/stellar-core.cfg"), undefined);
  });

  it("asks nothing of stellar-core when no publicKey is declared", () => {
    const pod = node();
    assert.equal(pod.start().status, 0);
    assert.deepEqual(pod.coreCommands(), ["new-db"]);
  });
});
