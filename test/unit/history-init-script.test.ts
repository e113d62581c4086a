import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import { sha256Hex } from "../../hooks/hash.js";
import { initScript } from "../../hooks/render/init-script.js";
import { checkCoreConfig } from "../../hooks/stellar/core-checks/check-core-config.js";
import {
  DATA_DIR,
  renderCoreConfig,
  type CoreConfigInput,
} from "../../hooks/stellar/core-config.js";
import {
  LOCAL_ARCHIVE_DIR,
  LOCAL_ARCHIVE_SUBPATH,
  localArchiveCommands,
} from "../../hooks/stellar/local-history-archive.js";
import { parseQuorumSet } from "../../hooks/stellar/quorum-set.js";
import { CORE_CONFIG_KEYS } from "../../hooks/stellar/core-config-keys.js";
import { QUORUM_SET } from "../support/fixtures.js";

/*
 * The published archive's [HISTORY.local] commands, run for real in a temporary directory
 * the way stellar-core v27.1.0 runs them, and the init container's `new-hist` guard with a
 * fake stellar-core on PATH.
 */

const SEED = "SDTLYR2TX6276G35B2CZP45RSRPXIYMKOCOZRZ4AKALLTKKDXB3LZVVY";

function quorum() {
  const parsed = parseQuorumSet(QUORUM_SET, CORE_CONFIG_KEYS);
  assert.ok(parsed.ok);
  return parsed.quorum;
}

function config(overrides: Partial<CoreConfigInput> = {}): string {
  return renderCoreConfig({
    namespace: "stellar",
    name: "a",
    networkPassphrase: "Test SDF Network ; September 2015",
    peerPort: 11625,
    homeDomain: undefined,
    historyArchives: ["http://history.stellar.org/prd/core-testnet/core_testnet_001/"],
    quorum: quorum(),
    publishHistory: true,
    ...overrides,
  });
}

type Commands = Record<"get" | "put" | "mkdir", string>;

/** [HISTORY.local] of a rendered config, its archive directory moved to `archive`. */
function localCommands(text: string, archive: string): Commands {
  const history = parse(text)["HISTORY"] as Record<string, Commands>;
  const local = history["local"];
  assert.ok(local, "[HISTORY.local] is rendered");
  const moved = (command: string) => command.replaceAll(LOCAL_ARCHIVE_DIR, archive);
  return { get: moved(local.get), put: moved(local.put), mkdir: moved(local.mkdir) };
}

/**
 * What stellar-core does with a command: `formatString` (src/history/HistoryArchive.cpp)
 * fills fmt's positional {0} and {1}; `ProcessManagerImpl` splits the line on whitespace
 * and `posix_spawnp`s it, without a shell (so the command may use no shell syntax). Exit
 * status 0 is success. Here: the same split, spawnSync without a shell, umask 022 (the
 * container's default, which the archive's server relies on to read the files).
 */
function runAsStellarCore(template: string, ...args: string[]): SpawnSyncReturns<string> {
  const line = args.reduce((text, arg, index) => text.replaceAll(`{${index}}`, arg), template);
  const [program, ...argv] = line.split(/\s+/);
  assert.ok(program !== undefined && program !== "");
  const previous = process.umask(0o022);
  try {
    return spawnSync(program, argv, { encoding: "utf8", shell: false });
  } finally {
    process.umask(previous);
  }
}

describe("[HISTORY.local] of a publishing validator", () => {
  it("is rendered with get, put and mkdir next to the get-only archives it reads", () => {
    const history = parse(config())["HISTORY"] as Record<string, Record<string, string>>;
    assert.deepEqual({ ...history["local"] }, localArchiveCommands());
    // TmpDirHistoryConfigurator::configure (src/history/test/HistoryTestsUtils.cpp), writable.
    assert.deepEqual(localArchiveCommands("/data/history"), {
      get: "cp /data/history/{0} {1}",
      put: "cp {0} /data/history/{1}",
      mkdir: "mkdir -p /data/history/{0}",
    });
    assert.deepEqual(Object.keys(history["archive0"] ?? {}), ["get"]);
    assert.equal(LOCAL_ARCHIVE_DIR, `${DATA_DIR}/${LOCAL_ARCHIVE_SUBPATH}`, "on the ledger volume");
    const none = parse(config({ publishHistory: false }))["HISTORY"] as Record<string, unknown>;
    assert.deepEqual(Object.keys(none), ["archive0"]);
  });

  it("is an archive stellar-core's checks accept and see as writable (checkSensibleConfig)", () => {
    const verdict = checkCoreConfig(parse(config()));
    assert.ok(verdict.accepted, JSON.stringify(verdict));
    assert.equal(verdict.summary.writableArchives, 1);
    // Catchup reads the get-only archives, never its own while there are any
    // (HistoryArchiveManager::selectRandomReadableHistoryArchive).
    assert.deepEqual(verdict.summary.catchupArchives, ["archive0"]);
    const readOnly = checkCoreConfig(parse(config({ publishHistory: false })));
    assert.ok(readOnly.accepted);
    assert.equal(readOnly.summary.writableArchives, 0);
    // The local archive alone is readable too: a Custom network's first node has no other.
    const alone = checkCoreConfig(parse(config({ historyArchives: [] })));
    assert.ok(alone.accepted, JSON.stringify(alone));
    assert.equal(alone.summary.writableArchives, 1);
    // ... and then catchup reads it: the sync hook refuses that unless forceScp (audit test).
    assert.deepEqual(alone.summary.catchupArchives, ["local"]);
  });

  it("clashes with a [[VALIDATORS]] block named local with HISTORY, as stellar-core says", () => {
    const clash = parseQuorumSet(
      [
        '[[HOME_DOMAINS]]\nHOME_DOMAIN = "example.org"\nQUALITY = "MEDIUM"',
        ...["local", "b", "c"].map(
          (name, index) =>
            `[[VALIDATORS]]\nNAME = "${name}"\nHOME_DOMAIN = "example.org"\nPUBLIC_KEY = "${
              [
                "GATC2NB3IJEVAV26MVWHG6UBRCHZNHNEVOZLTQGHZ3K5ZY7K6H4P6PSI",
                "GBCUYU22MFUG65T5QSFZFGNAU6XLLPGDZLI5RX7G5X2PWAQJCALR5DES",
                "GBSGW4TZQCDY5FM4UOVLDOF7Y3G5JW7C5HYPP7QFBQJRUIJIF43D3NYN",
              ][index]
            }"\nHISTORY = "curl -sf http://${name}.example.org/{0} -o {1}"`,
        ),
      ].join("\n"),
      CORE_CONFIG_KEYS,
    );
    assert.ok(clash.ok, clash.ok ? "" : clash.error);
    const verdict = checkCoreConfig(
      parse(config({ quorum: clash.quorum, homeDomain: "example.org" })),
    );
    assert.ok(!verdict.accepted);
    assert.match(verdict.refusals[0]?.message ?? "", /Conflicting archive name 'local'/);
  });

  describe("its commands, run as stellar-core runs them, in a temporary directory", () => {
    const root = mkdtempSync(join(tmpdir(), "history-archive-"));
    const archive = join(root, "data/history");
    const work = join(root, "tmp");
    mkdirSync(work, { recursive: true });
    const commands = localCommands(config(), archive);

    // Remote names as HistoryArchive.cpp builds them (fs::remoteName / remoteDir):
    // <type>/<hex 0-1>/<hex 2-3>/<hex 4-5>/<type>-<hex>.<suffix>.
    const checkpoint = "history/00/00/00/history-0000003f.json";
    const bucket =
      "bucket/4b/7c/1e/bucket-4b7c1e5a2fd7c1b2f6a8c7d9e0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3.xdr.gz";
    const state = ".well-known/stellar-history.json";

    it("mkdir creates each remote directory, and again without failing (one per checkpoint)", () => {
      for (const dir of ["history/00/00/00", "bucket/4b/7c/1e", ".well-known"]) {
        for (const time of [1, 2]) {
          const result = runAsStellarCore(commands.mkdir, dir);
          assert.equal(result.status, 0, `${dir} (${time}): ${result.stderr}`);
        }
        assert.ok(statSync(join(archive, dir)).isDirectory());
      }
    });

    it("put writes a local file to its remote name and get reads it back, byte for byte", () => {
      const files: [string, Buffer][] = [
        [checkpoint, Buffer.from('{"version": 2, "currentLedger": 63}\n')],
        [bucket, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x20, 0x0a, 0x0d])],
        [state, Buffer.from('{"version": 2, "currentLedger": 63}\n')],
      ];
      files.forEach(([remote, bytes], index) => {
        const local = join(work, `put-${index}`);
        writeFileSync(local, bytes);
        const put = runAsStellarCore(commands.put, local, remote);
        assert.equal(put.status, 0, put.stderr);
        assert.deepEqual(readFileSync(join(archive, remote)), bytes);
        const back = join(work, `get-${index}`);
        const get = runAsStellarCore(commands.get, remote, back);
        assert.equal(get.status, 0, get.stderr);
        assert.deepEqual(readFileSync(back), bytes);
      });
    });

    it("put overwrites the archive's state (every publish does)", () => {
      const next = join(work, "state-127");
      writeFileSync(next, '{"version": 2, "currentLedger": 127}\n');
      assert.equal(runAsStellarCore(commands.put, next, state).status, 0);
      const back = join(work, "state-back");
      assert.equal(runAsStellarCore(commands.get, state, back).status, 0);
      assert.equal(readFileSync(back, "utf8"), '{"version": 2, "currentLedger": 127}\n');
    });

    it("get of a file the archive lacks fails (stellar-core then takes the archive as uninitialized)", () => {
      const result = runAsStellarCore(
        commands.get,
        "history/00/00/01/history-0000007f.json",
        join(work, "missing"),
      );
      assert.notEqual(result.status, 0);
      assert.equal(existsSync(join(work, "missing")), false);
    });

    it("leaves files and directories the archive's server (another user) can read", () => {
      assert.equal(statSync(join(archive, checkpoint)).mode & 0o004, 0o004);
      assert.equal(statSync(join(archive, "history/00/00/00")).mode & 0o005, 0o005);
    });
  });
});

/**
 * Stands in for the image's stellar-core v27.1.0, as far as the init script's archive step
 * can tell:
 * - `new-db`: writes the database file, exit 0;
 * - `new-hist LABEL --conf FILE` (`runNewHist` -> `initializeHistories` ->
 *   `HistoryArchiveManager::initializeHistoryArchive`): reads [HISTORY.LABEL] from FILE and
 *   runs its commands as stellar-core does (formatted, split on whitespace, no shell, no
 *   globbing): `get` of `.well-known/stellar-history.json`; found: "History archive 'local'
 *   already initialized!", exit 1; not found: mkdir + put of an empty History Archive State
 *   to history/00/00/00/history-00000000.json and to `.well-known/`, exit 0, or exit 1 when
 *   a command fails. FAKE_NEW_HIST_FAILS=1 makes its put fail.
 * Each call is logged to stellar-core.log.
 */
function fakeStellarCore(root: string): string {
  return `#!/bin/sh
set -f
echo "$*" >> ${root}/stellar-core.log
command=$1; shift
label=
conf=
while [ $# -gt 0 ]; do
  case "$1" in
    --conf) conf=$2; shift 2 ;;
    *) label=$1; shift ;;
  esac
done
fatal() { echo "2024-01-01T00:00:00.000 GDTLY [History FATAL] $1" >&2; exit 1; }
[ -r "$conf" ] || fatal "No config file $conf found"
case "$command" in
  new-db) echo "ledger 1" > ${root}/data/stellar.db ;;
  new-hist)
    [ -s ${root}/data/stellar.db ] || fatal "Got an exception: No DB schema version found, try stellar-core new-db"
    table=$(sed -n "/^\\[HISTORY\\.$label\\]$/,/^\\[/p" "$conf")
    [ -n "$table" ] || fatal "Can't initialize unknown history archive '$label'"
    cmd() { printf '%s\\n' "$table" | sed -n "s/^$1 = \\"\\(.*\\)\\"$/\\1/p"; }
    run() {
      line=$(printf '%s' "$1" | sed "s|{0}|$2|g; s|{1}|\${3:-}|g")
      $line
    }
    tmp=$(mktemp -d)
    if run "$(cmd get)" .well-known/stellar-history.json "$tmp/probe" 2>/dev/null; then
      echo "2024-01-01T00:00:00.000 GDTLY [History ERROR] History archive '$label' already initialized!" >&2
      exit 1
    fi
    printf '{"version": 2, "server": "fake", "currentLedger": 0}\\n' > "$tmp/has.json"
    put=$(cmd put)
    if [ -n "\${FAKE_NEW_HIST_FAILS:-}" ]; then put="false"; fi
    run "$(cmd mkdir)" history/00/00/00 &&
      run "$put" "$tmp/has.json" history/00/00/00/history-00000000.json &&
      run "$(cmd mkdir)" .well-known &&
      run "$put" "$tmp/has.json" .well-known/stellar-history.json ||
      fatal "Failed to initialize history archive '$label'"
    ;;
  *) fatal "unexpected command $command (fake stellar-core)" ;;
esac
`;
}

/** A pod of a publishing validator: the init script with its paths moved into a temp dir. */
function pod(options: { publishHistory?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), "history-init-"));
  for (const dir of ["peers", "config", "run", "data", "bin"]) mkdirSync(join(root, dir));
  const peers = "b-0.b.stellar.svc.cluster.local:11625\n";
  writeFileSync(join(root, "peers/peers-hash"), sha256Hex(peers));
  writeFileSync(join(root, "peers/peers-hash-history"), "");
  writeFileSync(join(root, "peers/peers.toml"), `KNOWN_PEERS = ["${peers.trim()}"]\n`);
  const text = config({ publishHistory: options.publishHistory ?? true }).replaceAll(
    `${DATA_DIR}/`,
    `${join(root, "data")}/`,
  );
  writeFileSync(join(root, "config/stellar-core.cfg"), text);
  writeFileSync(join(root, "bin/stellar-core"), fakeStellarCore(root));
  chmodSync(join(root, "bin/stellar-core"), 0o755);
  const script = initScript(
    "peers-hash",
    "peers-hash-history",
    "stellar-core.cfg",
    { pollSeconds: 0.01, waitSeconds: 1 },
    { publishHistory: options.publishHistory ?? true },
  )
    .replaceAll("/etc/stellar/peers", join(root, "peers"))
    .replaceAll("/etc/stellar/config", join(root, "config"))
    .replaceAll("/run/stellar", join(root, "run"))
    .replaceAll("/data", join(root, "data"));
  const start = (extra: Record<string, string> = {}): SpawnSyncReturns<string> =>
    spawnSync("/bin/sh", ["-c", script], {
      env: {
        PATH: `${join(root, "bin")}:${process.env["PATH"] ?? ""}`,
        NODE_SEED: SEED,
        PEERS_HASH: sha256Hex(peers),
        CONFIG_HASH: sha256Hex(text),
        ...extra,
      },
      encoding: "utf8",
    });
  const coreCommands = (): string[] => {
    const log = join(root, "stellar-core.log");
    return existsSync(log)
      ? readFileSync(log, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((line) => line.split(" ").slice(0, 2).join(" "))
      : [];
  };
  const archive = join(root, "data/history");
  return { root, archive, start, coreCommands };
}

describe("init container: stellar-core new-hist local once, at first start", () => {
  it("initializes a fresh archive through the rendered commands, once", () => {
    const node = pod();
    const first = node.start();
    assert.equal(first.status, 0, first.stderr);
    assert.deepEqual(node.coreCommands(), ["new-db --conf", "new-hist local"]);
    const state = join(node.archive, ".well-known/stellar-history.json");
    assert.match(readFileSync(state, "utf8"), /"currentLedger": 0/);
    assert.ok(existsSync(join(node.archive, "history/00/00/00/history-00000000.json")));
    // Readable by the archive's server, while the assembled config with the seed is not.
    assert.equal(statSync(state).mode & 0o777, 0o644);
    assert.equal(statSync(join(node.archive, ".well-known")).mode & 0o777, 0o755);
    assert.equal(statSync(join(node.root, "run/stellar-core.cfg")).mode & 0o077, 0);

    const second = node.start();
    assert.equal(second.status, 0, second.stderr);
    assert.deepEqual(node.coreCommands(), ["new-db --conf", "new-hist local"], "not again");
  });

  it("never calls new-hist on an archive that exists (stellar-core would refuse it)", () => {
    const node = pod();
    mkdirSync(join(node.archive, ".well-known"), { recursive: true });
    const published = '{"version": 2, "currentLedger": 58000063}\n';
    writeFileSync(join(node.archive, ".well-known/stellar-history.json"), published);
    const result = node.start();
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(node.coreCommands(), ["new-db --conf"]);
    assert.equal(
      readFileSync(join(node.archive, ".well-known/stellar-history.json"), "utf8"),
      published,
      "the published state is kept",
    );
  });

  it("needs the guard: new-hist itself refuses an initialized archive (exit 1)", () => {
    const node = pod();
    assert.equal(node.start().status, 0);
    const again = spawnSync(
      join(node.root, "bin/stellar-core"),
      ["new-hist", "local", "--conf", join(node.root, "run/stellar-core.cfg")],
      { encoding: "utf8" },
    );
    assert.equal(again.status, 1);
    assert.match(again.stderr, /History archive 'local' already initialized!/);
  });

  it("stops the pod when new-hist fails, and runs it again at the next start", () => {
    const node = pod();
    const failed = node.start({ FAKE_NEW_HIST_FAILS: "1" });
    assert.equal(failed.status, 1);
    assert.match(
      failed.stderr,
      /stellar-core new-hist local failed; it runs again at the next start/,
    );
    assert.equal(existsSync(join(node.archive, ".well-known/stellar-history.json")), false);
    const retried = node.start();
    assert.equal(retried.status, 0, retried.stderr);
    assert.deepEqual(node.coreCommands(), ["new-db --conf", "new-hist local", "new-hist local"]);
    assert.ok(existsSync(join(node.archive, ".well-known/stellar-history.json")));
  });

  it("does nothing with archives when the validator does not publish", () => {
    const node = pod({ publishHistory: false });
    const result = node.start();
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(node.coreCommands(), ["new-db --conf"]);
    assert.equal(existsSync(node.archive), false);
  });
});
