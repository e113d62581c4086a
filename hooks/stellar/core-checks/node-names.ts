import { isPublicKey } from "../strkey.js";
import { CoreConfigRefused, showValue, type RuleOrigin } from "./refusal.js";

/** The rule of the caller, told as "<name function>, from <caller>". */
function within(rule: RuleOrigin, origin: string): RuleOrigin {
  return { family: rule.family, origin: `${origin}, from ${rule.origin}` };
}

/** The whitespace `std::istream >> std::string` stops at, in the "C" locale. */
const STREAM_WHITESPACE = /[ \t\n\v\f\r]+/;

/**
 * Config::VALIDATOR_NAMES (src/main/Config.h, v27.1.0): public key -> common name, filled by
 * NODE_NAMES, "G... name" entries of QUORUM_SET / PREFERRED_PEER_KEYS / SURVEYOR_KEYS and
 * [[VALIDATORS]] NAME, in the order stellar-core reads them. NODE_SEED's "S... name" also
 * names this node in stellar-core; the hook does not see NODE_SEED, so such a name (the
 * `$self` of stellar-core's examples) is unknown here and a `$name` using it is refused.
 */
export class NodeNames {
  readonly #names: Map<string, string>;

  constructor(names: ReadonlyMap<string, string> = new Map()) {
    this.#names = new Map(names);
  }

  /** Config::processConfig takes the generated set's text before loadQset adds names. */
  copy(): NodeNames {
    return new NodeNames(this.#names);
  }

  /** Config::toShortString (src/main/Config.cpp, v27.1.0). */
  shortName(key: string): string {
    return this.#names.get(key) ?? key.slice(0, 5);
  }

  /**
   * Config::resolveNodeID / Config::expandNodeID (src/main/Config.cpp, v27.1.0) for the
   * `$name` form, the only one parseNodeID and addValidatorName use (the `@prefix` form
   * serves HTTP commands).
   */
  resolveNodeID(text: string): string | undefined {
    if (text.length < 2 || !text.startsWith("$")) {
      return isPublicKey(text) ? text : undefined;
    }
    const name = text.slice(1);
    // addValidatorName keeps names unique, so the first match is the only one.
    for (const [key, known] of this.#names) {
      if (known === name) return isPublicKey(key) ? key : undefined;
    }
    return undefined;
  }

  /** Config::addValidatorName (src/main/Config.cpp, v27.1.0). */
  addValidatorName(publicKey: string, name: string, caller: RuleOrigin): void {
    const rule = within(caller, "Config::addValidatorName");
    if (this.resolveNodeID(`$${name}`) !== undefined) {
      throw new CoreConfigRefused(
        rule,
        `name already used: ${name}`,
        `${name} already names ${this.resolveNodeID(`$${name}`)}, so it cannot also name ${publicKey}`,
      );
    }
    const existing = this.#names.get(publicKey);
    if (existing !== undefined) {
      throw new CoreConfigRefused(
        rule,
        `naming node twice: ${name}`,
        `${publicKey} is already named ${existing}`,
      );
    }
    this.#names.set(publicKey, name);
  }

  /**
   * Config::parseNodeID (src/main/Config.cpp, v27.1.0), public-key form: "$name", or "G..."
   * optionally followed by a common name that the key then gets; a third word is ignored.
   */
  parseNodeID(configText: string, caller: RuleOrigin): string {
    const rule = within(caller, "Config::parseNodeID");
    if (configText.length < 2) {
      throw new CoreConfigRefused(
        rule,
        `invalid key: ${configText}`,
        `${showValue(configText)} is too short`,
      );
    }
    if (configText.startsWith("$")) {
      const key = this.resolveNodeID(configText);
      if (key === undefined) {
        throw new CoreConfigRefused(
          rule,
          `unknown key in config: ${configText}`,
          `no NODE_NAMES entry, [[VALIDATORS]] NAME or "G... ${configText.slice(1)}" entry read before it defines ${configText.slice(1)} (a name given by NODE_SEED is not visible to this check)`,
        );
      }
      return key;
    }
    const [key = "", commonName = ""] = configText
      .split(STREAM_WHITESPACE)
      .filter((word) => word !== "");
    // KeyUtils::fromStrKey<PublicKey> (src/crypto/KeyUtils.h, v27.1.0) throws InvalidStrKey.
    if (!isPublicKey(key)) {
      throw new CoreConfigRefused(
        rule,
        "bad public key",
        `${showValue(key)} is not a G... public key (length, alphabet or checksum)`,
      );
    }
    if (commonName !== "") this.addValidatorName(key, commonName, caller);
    return key;
  }
}
