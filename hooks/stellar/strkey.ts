/**
 * Stellar StrKey check for account public keys ("G..."): base32 of a version byte, 32 key
 * bytes and a CRC16-XModem checksum (stellar/js-stellar-base src/strkey.js, SEP-23).
 */

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ED25519_PUBLIC_KEY_VERSION = 6 << 3; // "G"

function base32Decode(text: string): Uint8Array | undefined {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value < 0) return undefined;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function crc16Xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

export function isPublicKey(text: string): boolean {
  if (text.length !== 56 || !text.startsWith("G")) return false;
  const bytes = base32Decode(text);
  if (bytes?.length !== 35) return false;
  if (bytes[0] !== ED25519_PUBLIC_KEY_VERSION) return false;
  const payload = bytes.subarray(0, 33);
  const checksum = (bytes[33] ?? 0) | ((bytes[34] ?? 0) << 8);
  return crc16Xmodem(payload) === checksum;
}
