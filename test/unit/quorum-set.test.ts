import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CORE_CONFIG_KEYS } from "../../hooks/stellar/core-config-keys.js";
import { parse as tomlParse } from "smol-toml";
import { checkCoreConfig } from "../../hooks/stellar/core-checks/check-core-config.js";
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
    assert.equal(parse(QUORUM_SET).ok, true);
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

  it("refuses an empty quorum: stellar-core would refuse to start", () => {
    const result = parse(undefined);
    assert.match(!result.ok ? result.error : "", /quorumSet is empty/);
  });
});

/** What was reported beside a rendered quorum before is now stellar-core's own refusal. */
describe("quorum content stellar-core refuses (checked on the rendered config)", () => {
  const check = (quorum: string) =>
    checkCoreConfig(
      tomlParse(
        `NODE_IS_VALIDATOR = true\n${quorum}\n[HISTORY.h]\nget = "curl -sf http://x/{0} -o {1}"\n`,
      ),
    );
  const refusal = (quorum: string): string => {
    const verdict = check(quorum);
    return verdict.accepted ? "" : verdict.refusals.map((r) => r.message).join("; ");
  };

  it("a VALIDATORS alias missing from NODE_NAMES", () => {
    assert.match(
      refusal(`[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ["$ghost", "${KEYS[0]}"]\n`),
      /unknown key in config: \$ghost/,
    );
  });

  it("a THRESHOLD_PERCENT out of range in a nested set", () => {
    assert.match(
      refusal(
        `[QUORUM_SET]\nTHRESHOLD_PERCENT = 67\nVALIDATORS = ["${KEYS[0]}"]\n[QUORUM_SET.inner]\nTHRESHOLD_PERCENT = 150\nVALIDATORS = ["${KEYS[1]}"]\n`,
      ),
      /invalid THRESHOLD_PERCENT while parsing 'inner'/,
    );
  });

  it("a HIGH validator without history in the automatic form", () => {
    const toml = [
      "[[HOME_DOMAINS]]",
      'HOME_DOMAIN = "example.org"',
      'QUALITY = "HIGH"',
      "[[VALIDATORS]]",
      'NAME = "a"',
      'HOME_DOMAIN = "example.org"',
      `PUBLIC_KEY = "${KEYS[1]}"`,
    ].join("\n");
    assert.match(refusal(toml), /critical and high quality must have an archive/);
  });
});
