import { LOW, type ValidatorEntry } from "./automatic-quorum.js";
import { CoreConfigRefused, type RuleOrigin } from "./refusal.js";

const WEIGHTS: RuleOrigin = {
  family: "InvalidValidators",
  origin: "Config::setValidatorWeightConfig",
};

/**
 * The refusals of Config::setValidatorWeightConfig (src/main/Config.cpp, v27.1.0), which runs for
 * a validator whose quorum is generated from [[VALIDATORS]]: a key listed twice (this
 * node included: listing the node itself in [[VALIDATORS]] is refused), and a quorum
 * with nothing above LOW. The leader-election weights it computes refuse nothing else.
 */
export function checkValidatorWeights(validators: readonly ValidatorEntry[]): void {
  const seen = new Set<string>();
  for (const validator of validators) {
    if (seen.has(validator.key)) {
      throw new CoreConfigRefused(
        WEIGHTS,
        `Duplicate validator entry for '${validator.key}'`,
        validator.self === true
          ? "this node's own key is listed in [[VALIDATORS]]; stellar-core adds the node itself"
          : `${validator.name} repeats a key listed before`,
      );
    }
    seen.add(validator.key);
  }
  if (validators.every((validator) => validator.quality === LOW)) {
    throw new CoreConfigRefused(
      WEIGHTS,
      "At least one validator must have a quality level higher than LOW",
      `all ${validators.length} validators, this node included, are LOW`,
    );
  }
}
