import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CORE_CONFIG_KEYS } from "../../hooks/stellar/core-config-keys.js";
import { parseQuorumSet } from "../../hooks/stellar/quorum-set.js";
import { isPublicKey } from "../../hooks/stellar/strkey.js";
import { KEYS, QUORUM_SET } from "../support/fixtures.js";

const parse = (toml: string | undefined) => parseQuorumSet(toml, CORE_CONFIG_KEYS);

describe("public keys (StrKey)", () => {
  it("accepts keys with a valid checksum and refuses altered ones", () => {
    for (const key of KEYS) assert.equal(isPublicKey(key), true, key);
    const altered = `${KEYS[0].slice(0, 10)}${KEYS[0][10] === "A" ? "B" : "A"}${KEYS[0].slice(11)}`;
    assert.equal(isPublicKey(altered), false);
    assert.equal(isPublicKey(KEYS[0].slice(1)), false);
    assert.equal(isPublicKey(`S${KEYS[0].slice(1)}`), false);
  });
});

describe("quorum set", () => {
  it("accepts the legacy form with NODE_NAMES aliases", () => {
    const result = parse(QUORUM_SET);
    assert.equal(result.ok, true);
    assert.deepEqual(result.ok && result.problems, []);
  });

  it("refuses TOML that does not parse, naming line and column", () => {
    const result = parse("[QUORUM_SET\nTHRESHOLD_PERCENT = 67");
    assert.equal(result.ok, false);
    assert.match(
      !result.ok ? result.error : "",
      /spec\.validatorConfig\.quorumSet is not valid TOML \(line 1/,
    );
  });

  it("refuses keys stellar-peers renders itself", () => {
    const result = parse(`KNOWN_PEERS = ["x:1"]\n${QUORUM_SET}`);
    assert.equal(result.ok, false);
    assert.match(
      !result.ok ? result.error : "",
      /sets KNOWN_PEERS \(stellar-peers renders that key itself\)/,
    );
  });

  it("refuses keys stellar-core does not know", () => {
    const result = parse(`NOT_A_KEY = 1\n${QUORUM_SET}`);
    assert.match(
      !result.ok ? result.error : "",
      /NOT_A_KEY \(stellar-core does not know that key\)/,
    );
  });

  it("reports a VALIDATORS alias missing from NODE_NAMES, and renders anyway", () => {
    const result = parse(
      `[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ["$ghost", "${KEYS[0]}"]\n`,
    );
    assert.equal(result.ok, true);
    assert.deepEqual(result.ok && result.problems, [
      '[QUORUM_SET] VALIDATORS entry "$ghost" names ghost, which NODE_NAMES does not define',
    ]);
  });

  it("reports entries that are neither keys nor aliases, in nested sets too", () => {
    const result = parse(
      `[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ["${KEYS[0]}"]\n[QUORUM_SET.inner]\nTHRESHOLD_PERCENT = 150\nVALIDATORS = ["core-a", "GABC"]\n`,
    );
    const problems = result.ok ? result.problems : [];
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? "", /THRESHOLD_PERCENT must be a number from 1 to 100/);
    assert.match(problems[1] ?? "", /"core-a" is neither a G\.\.\. public key nor a \$name/);
    assert.match(problems[2] ?? "", /"GABC" is not a valid public key/);
  });

  it("checks the automatic form's public keys and qualities", () => {
    const toml = [
      "[[HOME_DOMAINS]]",
      'HOME_DOMAIN = "example.org"',
      'QUALITY = "HIGH"',
      "[[VALIDATORS]]",
      'NAME = "a"',
      'HOME_DOMAIN = "example.org"',
      `PUBLIC_KEY = "${KEYS[1]}"`,
      "[[VALIDATORS]]",
      'NAME = "b"',
      'HOME_DOMAIN = "other.org"',
      'PUBLIC_KEY = "GNOPE"',
    ].join("\n");
    const problems = ((r) => (r.ok ? r.problems : [r.error]))(parse(toml));
    assert.deepEqual(problems, [
      '[[VALIDATORS]] #2 PUBLIC_KEY "GNOPE" is not a valid public key',
      "[[VALIDATORS]] #2 has no QUALITY and no [[HOME_DOMAINS]] entry for other.org gives one",
    ]);
  });

  it("reports a missing quorum: stellar-core would refuse to start", () => {
    const result = parse(undefined);
    assert.match(result.ok ? (result.problems[0] ?? "") : "", /quorumSet is empty/);
  });
});
