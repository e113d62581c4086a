import type { QuorumContent } from "./quorum-set.js";

/** One [[VALIDATORS]] entry as the automatic quorum renders it. */
export interface AutomaticValidator {
  name: string;
  homeDomain: string;
  publicKey: string;
  /** host:port, or none (stellar-core then learns no address from the entry). */
  address: string | undefined;
  /** Base URL of the validator's own published archive, or none. */
  history: string | undefined;
}

export interface AutomaticQuorumInput {
  /** [[HOME_DOMAINS]]: every domain of the quorum with its QUALITY (LOW .. CRITICAL). */
  homeDomains: readonly { homeDomain: string; quality: string }[];
  validators: readonly AutomaticValidator[];
  unsafeQuorum: boolean;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * stellar-core's automatic quorum form (docs/stellar-core_example.cfg, Config::parseDomainsQuality
 * and Config::parseValidators, v27.1.0): [[HOME_DOMAINS]] with HOME_DOMAIN and QUALITY, and
 * [[VALIDATORS]] with NAME, HOME_DOMAIN, PUBLIC_KEY, ADDRESS and HISTORY (the quality comes
 * from the domain). HISTORY is the command stellar-core runs to fetch a file, in the form
 * of SDF's examples (`curl -sf <url>/{0} -o {1}`). Canonical: domains by name, validators by
 * domain then name, so the same quorum always gives the same bytes and hash.
 */
export function automaticQuorumContent(input: AutomaticQuorumInput): QuorumContent {
  const homeDomains = [...input.homeDomains]
    .sort((a, b) => compare(a.homeDomain, b.homeDomain))
    .map((domain) => ({ HOME_DOMAIN: domain.homeDomain, QUALITY: domain.quality }));
  const validators = [...input.validators]
    .sort((a, b) => compare(a.homeDomain, b.homeDomain) || compare(a.name, b.name))
    .map((validator) => ({
      NAME: validator.name,
      HOME_DOMAIN: validator.homeDomain,
      PUBLIC_KEY: validator.publicKey,
      ...(validator.address === undefined ? {} : { ADDRESS: validator.address }),
      ...(validator.history === undefined
        ? {}
        : { HISTORY: `curl -sf ${withSlash(validator.history)}{0} -o {1}` }),
    }));
  return {
    ...(input.unsafeQuorum ? { UNSAFE_QUORUM: true } : {}),
    HOME_DOMAINS: homeDomains,
    // stellar-core refuses an empty [[VALIDATORS]] (`VALIDATORS = []` is no table array):
    // a group of one lists none and lets Config::addSelfToValidators add the node itself.
    ...(validators.length === 0 ? {} : { VALIDATORS: validators }),
  };
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
