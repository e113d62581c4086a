/**
 * Stellar StrKey check for account public keys ("G..."): base32 of a version byte, 32 key
 * bytes and a CRC16-XModem checksum, little-endian (stellar/js-stellar-base src/strkey.js,
 * SEP-23). A sync checks the key of every member of its group, so the check decodes with
 * tables into one scratch array, with no intermediate strings or arrays.
 */

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ED25519_PUBLIC_KEY_VERSION = 6 << 3; // "G"
/** 56 characters of base32 are 280 bits: exactly 35 bytes (version, key, checksum). */
const KEY_LENGTH = 56;
const DECODED_LENGTH = 35;

/** Character code -> its 5-bit value, -1 outside the alphabet (upper case only). */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE32.length; i++) DECODE[BASE32.charCodeAt(i)] = i;

/** CRC16-XModem (polynomial 0x1021, initial 0) one byte at a time. */
const CRC_TABLE = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte << 8;
  for (let i = 0; i < 8; i++)
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  CRC_TABLE[byte] = crc;
}

const scratch = new Uint8Array(DECODED_LENGTH);

export function isPublicKey(text: string): boolean {
  if (text.length !== KEY_LENGTH || text.charCodeAt(0) !== 0x47) return false;
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < KEY_LENGTH; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? (DECODE[code] ?? -1) : -1;
    if (value < 0) return false;
    // Never more than 12 bits are pending: keep 13.
    buffer = ((buffer << 5) | value) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      scratch[n++] = (buffer >> bits) & 0xff;
    }
  }
  if (scratch[0] !== ED25519_PUBLIC_KEY_VERSION) return false;
  let crc = 0;
  for (let i = 0; i < DECODED_LENGTH - 2; i++) {
    crc = ((crc << 8) & 0xffff) ^ (CRC_TABLE[((crc >> 8) ^ (scratch[i] ?? 0)) & 0xff] ?? 0);
  }
  return crc === ((scratch[33] ?? 0) | ((scratch[34] ?? 0) << 8));
}
