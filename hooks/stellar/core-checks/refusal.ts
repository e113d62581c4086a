import type { CoreConfigRefusal } from "./check-core-config.js";

export type RefusalFamily =
  | "InvalidQuorumSet"
  | "UnsafeQuorum"
  | "InvalidValidators"
  | "NoHistoryArchive"
  | "InvalidHomeDomain"
  /** The overlay keys (overlay-settings.ts); the renderer never writes a refused one. */
  | "InvalidPeerSettings";

/** Which rule a failed read belongs to, for the reads shared by several rules. */
export interface RuleOrigin {
  family: RefusalFamily;
  origin: string;
}

/**
 * The exception stellar-core throws (std::invalid_argument) while it loads its config.
 * The port throws it where stellar-core throws, so the order in which rules fire is
 * stellar-core's; `coreText` is stellar-core's own text, `detail` the numbers behind it.
 */
export class CoreConfigRefused extends Error {
  readonly family: RefusalFamily;
  readonly origin: string;
  readonly coreText: string;
  readonly detail: string;

  constructor(rule: RuleOrigin, coreText: string, detail = "") {
    super(coreText);
    this.family = rule.family;
    this.origin = rule.origin;
    this.coreText = coreText;
    this.detail = detail;
  }

  /** Config::loadQset appends " while parsing '<key>'" at every level it unwinds. */
  whileParsing(key: string): CoreConfigRefused {
    return new CoreConfigRefused(this, `${this.coreText} while parsing '${key}'`, this.detail);
  }

  toRefusal(): CoreConfigRefusal {
    const detail = this.detail === "" ? "" : `: ${this.detail}`;
    return {
      family: this.family,
      origin: this.origin,
      message: `${this.coreText}${detail} (${this.origin})`,
    };
  }
}

/**
 * A TOML value as a user wrote it, for refusal details: at most 120 characters, because the
 * message goes into the status, which every group member's request carries.
 */
export function showValue(value: unknown): string {
  if (typeof value === "bigint") return shortened(value.toString());
  if (value === undefined) return "nothing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    return shortened(JSON.stringify(value) ?? String(value));
  } catch {
    return shortened(String(value));
  }
}

const SHOWN_VALUE_LENGTH = 120;

function shortened(text: string): string {
  return text.length <= SHOWN_VALUE_LENGTH
    ? text
    : `${text.slice(0, SHOWN_VALUE_LENGTH)}... (${text.length} characters)`;
}
