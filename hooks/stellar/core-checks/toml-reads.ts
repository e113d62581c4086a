import { CoreConfigRefused, showValue, type RuleOrigin } from "./refusal.js";

/**
 * Whether the document came from smol-toml's `parse(text, { integersAsBigInt: true })`:
 * then every integer is a bigint. A stellar-core.cfg always holds some (HTTP_PORT,
 * PEER_PORT), so one bigint anywhere tells the mode.
 */
export function integersAreBigInt(value: unknown): boolean {
  if (typeof value === "bigint") return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(integersAreBigInt);
}

/**
 * cpptoml's `as<int64_t>()`. smol-toml's default parse gives 67 for both `67` and
 * `67.0`, where cpptoml sees an integer and a double (refused where an integer is
 * needed); with integersAsBigInt integers arrive as bigint and a number is a TOML float.
 * Parsed the default way, an integral float is taken for an integer.
 */
export function tomlInteger(value: unknown, bigIntegers: boolean): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (!bigIntegers && typeof value === "number" && Number.isInteger(value)) {
    return BigInt(value);
  }
  return undefined;
}

/** readBool (src/main/Config.cpp, v27.1.0). */
export function readBool(key: string, value: unknown, rule: RuleOrigin): boolean {
  if (typeof value !== "boolean") {
    throw new CoreConfigRefused(rule, `invalid '${key}'`, `${showValue(value)} is not a boolean`);
  }
  return value;
}

/** readString (src/main/Config.cpp, v27.1.0). */
export function readString(key: string, value: unknown, rule: RuleOrigin): string {
  if (typeof value !== "string") {
    throw new CoreConfigRefused(rule, `invalid '${key}'`, `${showValue(value)} is not a string`);
  }
  return value;
}

/** readInt + castInt (src/main/Config.cpp, v27.1.0), for the signed types. */
export function readInt(
  key: string,
  value: unknown,
  min: bigint,
  max: bigint,
  rule: RuleOrigin,
  bigIntegers: boolean,
): number {
  const integer = tomlInteger(value, bigIntegers);
  if (integer === undefined) {
    throw new CoreConfigRefused(rule, `invalid '${key}'`, `${showValue(value)} is not an integer`);
  }
  if (integer < min || integer > max) {
    throw new CoreConfigRefused(rule, `bad '${key}'`, `${integer} is outside ${min}..${max}`);
  }
  return Number(integer);
}

/** readArray<std::string> (src/main/Config.cpp, v27.1.0). */
export function readStringArray(key: string, value: unknown, rule: RuleOrigin): string[] {
  // cpptoml keeps an array of tables apart from arrays: it is not `is_array()`.
  const tableArray =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === "object" && item !== null && !Array.isArray(item));
  if (!Array.isArray(value) || tableArray) {
    throw new CoreConfigRefused(rule, `'${key}' must be an array`, `it is ${showValue(value)}`);
  }
  return value.map((item: unknown) => {
    if (typeof item !== "string") {
      throw new CoreConfigRefused(
        rule,
        `invalid element of '${key}'`,
        `${showValue(item)} is not a string`,
      );
    }
    return item;
  });
}
