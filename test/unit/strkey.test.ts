import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isPublicKey } from "../../hooks/stellar/strkey.js";
import { testPublicKey } from "../support/keys.js";
import { assertProperty } from "../support/property.js";

/** The check written plainly, as js-stellar-base's decodeCheck reads a key: the reference. */
function referenceIsPublicKey(text: string): boolean {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  if (text.length !== 56 || !text.startsWith("G")) return false;
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = alphabet.indexOf(char);
    if (value < 0) return false;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  if (bytes.length !== 35 || bytes[0] !== 6 << 3) return false;
  let crc = 0;
  for (const byte of bytes.slice(0, 33)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc === ((bytes[33] ?? 0) | ((bytes[34] ?? 0) << 8));
}

/**
 * Vectors of stellar/js-stellar-base test/unit/strkey_test.js (#isValidEd25519PublicKey,
 * #decodeCheck) and SEP-23's invalid test cases.
 */
describe("isPublicKey (StrKey G... check)", () => {
  const valid = [
    "GBBM6BKZPEHWYO3E3YKREDPQXMS4VK35YLNU7NFBRI26RAN7GI5POFBB",
    "GB7KKHHVYLDIZEKYJPAJUOTBE5E3NJAXPSDZK7O6O44WR3EBRO5HRPVT",
    "GD6WVYRVID442Y4JVWFWKWCZKB45UGHJAABBJRS22TUSTWGJYXIUR7N2",
    "GBCG42WTVWPO4Q6OZCYI3D6ZSTFSJIXIS6INCIUF23L6VN3ADE4337AP",
    "GDFX463YPLCO2EY7NGFMI7SXWWDQAMASGYZXCG2LATOF3PP5NQIUKBPT",
    "GBXEODUMM3SJ3QSX2VYUWFU3NRP7BQRC2ERWS7E2LZXDJXL2N66ZQ5PT",
    "GAJHORKJKDDEPYCD6URDFODV7CVLJ5AAOJKR6PG2VQOLWFQOF3X7XLOG",
    "GACXQEAXYBEZLBMQ2XETOBRO4P66FZAJENDHOQRYPUIXZIIXLKMZEXBJ",
    "GDD3XRXU3G4DXHVRUDH7LJM4CD4PDZTVP4QHOO4Q6DELKXUATR657OZV",
    "GDTYVCTAUQVPKEDZIBWEJGKBQHB4UGGXI2SXXUEW7LXMD4B7MK37CWLJ",
    "GBPXXOA5N4JYPESHAADMQKBPWZWQDQ64ZV6ZL2S3LAGW4SY7NTCMWIVL",
    "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ",
  ];
  for (const key of valid) {
    it(`accepts ${key.slice(0, 10)}...`, () => assert.equal(isPublicKey(key), true));
  }
  const invalid: [string, string][] = [
    ["GBPXX0A5N4JYPESHAADMQKBPWZWQDQ64ZV6ZL2S3LAGW4SY7NTCMWIVL", "a 0, outside base32"],
    ["GCFZB6L25D26RQFDWSSBDEYQ32JHLRMTT44ZYE3DZQUTYOL7WY43PLBG++", "trailing ++"],
    ["GADE5QJ2TY7S5ZB65Q43DFGWYWCPHIYDJ2326KZGAGBN7AE5UY6JVDRRA", "57 characters"],
    ["GB6OWYST45X57HCJY5XWOHDEBULB6XUROWPIKW77L5DSNANBEQGUPADT2", "57 characters"],
    ["GB6OWYST45X57HCJY5XWOHDEBULB6XUROWPIKW77L5DSNANBEQGUPADT2T", "58 characters"],
    ["GDXIIZTKTLVYCBHURXL2UPMTYXOVNI7BRAEFQCP6EZCY4JLKY4VKFNLT", "wrong checksum"],
    ["GBPXXOA5N4JYPESHAADMQKBPWZWQDQ64ZV6ZL2S3LAGW4SY7NTCMWIVT", "wrong checksum"],
    ["SAB5556L5AN5KSR5WF7UOEFDCIODEWEO7H2UR4S5R62DFTQOGLKOVZDY", "a secret seed"],
    ["SBGWKM3CD4IL47QN6X54N6Y33T3JDNVI6AIJ6CD5IM47HG3IG4O36XCU", "a secret seed"],
    ["GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZA", "SEP-23: length 1 mod 8"],
    ["G47QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVP2I", "SEP-23: algorithm 7"],
    ["MA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVAAAAAAAAAAAAAJLK", "a muxed key"],
    ["gWRYUerEKuz53tstxEuR3NCkiQDcV4wzFHmvLnZmj7PUqxW2wt", "lower case"],
    ["test", "too short"],
    ["", "empty"],
  ];
  for (const [key, why] of invalid) {
    it(`refuses ${JSON.stringify(key.slice(0, 10))}... (${why})`, () =>
      assert.equal(isPublicKey(key), false));
  }

  it("agrees with the plain reference on generated keys, their one-character changes and junk", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const mutated = fc
      .tuple(fc.string(), fc.nat(55), fc.constantFrom(...alphabet, "a", "0", "1", "=", "é", "😀"))
      .map(([label, at, char]) => {
        const key = testPublicKey(label);
        return key.slice(0, at) + char + key.slice(at + 1);
      });
    const near = fc
      .array(fc.constantFrom(...alphabet), { minLength: 55, maxLength: 55 })
      .map((chars) => `G${chars.join("")}`);
    assertProperty(
      fc.property(
        fc.oneof(
          fc.string().map(testPublicKey),
          mutated,
          near,
          fc.string(),
          fc.string({ unit: "binary" }),
        ),
        (text) => assert.equal(isPublicKey(text), referenceIsPublicKey(text)),
      ),
      { numRuns: 3000 },
    );
    for (let i = 0; i < 50; i++) assert.equal(isPublicKey(testPublicKey(`member-${i}`)), true);
  });
});
