import { isPublicKey } from "../strkey.js";
import type { DomainQualities, ValidatorEntry } from "./automatic-quorum.js";
import { CoreConfigRefused, type RuleOrigin } from "./refusal.js";

/**
 * Stands for this node's public key when the caller does not know it (the seed lives in a
 * Secret). It is no StrKey, so it differs from every key the config lists, which is what
 * a config that does not list its own node means. What the key decides in
 * Config::processConfig:
 * - Config::addSelfToValidators adds it to the automatic quorum: only its home domain and
 *   quality shape the generated set, not its value; a config whose [[VALIDATORS]] list
 *   this very node is refused by stellar-core ("Duplicate validator entry",
 *   Config::setValidatorWeightConfig), which only a known key can show.
 * - Config::validateConfig computes it but does not use it.
 * - The [QUORUM_SET]-versus-[[VALIDATORS]] comparison includes it: there the verdict
 *   needs the real key, and without it the check says so.
 */
const SELF_STAND_IN = "<this node's public key, not known to the check>";

/** A caller's key that is not a valid G... key is treated as unknown. */
export function selfKey(selfPublicKey: string | undefined): { key: string; known: boolean } {
  return selfPublicKey !== undefined && isPublicKey(selfPublicKey)
    ? { key: selfPublicKey, known: true }
    : { key: SELF_STAND_IN, known: false };
}

const ADD_SELF: RuleOrigin = {
  family: "InvalidHomeDomain",
  origin: "Config::addSelfToValidators",
};

/**
 * Config::addSelfToValidators (src/main/Config.cpp, v27.1.0): with the automatic form, this node
 * joins the validators as "self", in the group of NODE_HOME_DOMAIN, with that domain's
 * [[HOME_DOMAINS]] quality and no archive. stellar-core checks nothing else about
 * NODE_HOME_DOMAIN (no domain syntax): it only has to be set and match a [[HOME_DOMAINS]].
 */
export function addSelfToValidators(
  validators: readonly ValidatorEntry[],
  domainQualities: DomainQualities,
  nodeHomeDomain: string,
  key: string,
): ValidatorEntry[] {
  if (nodeHomeDomain === "") {
    throw new CoreConfigRefused(
      ADD_SELF,
      "NODE_HOME_DOMAIN must be set",
      "a validator whose quorum comes from [[VALIDATORS]] (or that has neither [QUORUM_SET] nor [[VALIDATORS]]) joins the group of its NODE_HOME_DOMAIN",
    );
  }
  const quality = domainQualities.get(nodeHomeDomain);
  if (quality === undefined) {
    throw new CoreConfigRefused(
      ADD_SELF,
      `Validator configured with NODE_HOME_DOMAIN='${nodeHomeDomain}' but there is no matching HOME_DOMAINS`,
      `add a [[HOME_DOMAINS]] block for ${nodeHomeDomain} with its QUALITY`,
    );
  }
  return [
    ...validators,
    { name: "self", homeDomain: nodeHomeDomain, quality, key, hasHistory: false, self: true },
  ];
}
