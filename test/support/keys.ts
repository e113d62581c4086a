import { createHash, createPrivateKey, createPublicKey } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

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

/**
 * A valid G... strkey (version byte 6 << 3, 32 bytes, CRC16-XModem little-endian, base32)
 * for the SHA-256 of `label`: made-up keys of any number of test validators.
 */
export function testPublicKey(label: string): string {
  return encodeKey(createHash("sha256").update(label).digest());
}

/** A valid S... secret seed strkey for the SHA-256 of `label` (made-up test seeds). */
export function testSeed(label: string): string {
  return encodeKey(createHash("sha256").update(`seed:${label}`).digest(), 18 << 3);
}

/** A strkey of 32 key bytes: G... (version 6 << 3) unless another version byte is given. */
function encodeKey(key: Buffer, version = 6 << 3): string {
  const payload = Buffer.concat([Buffer.from([version]), key]);
  const checksum = Buffer.alloc(2);
  checksum.writeUInt16LE(crc16Xmodem(payload));
  const bytes = Buffer.concat([payload, checksum]);
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
  }
  return out;
}

function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    buffer = ((buffer << 5) | ALPHABET.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The G... key of a secret seed S... (ed25519 from its 32 seed bytes, as sec-to-pub derives it). */
export function publicKeyOfSeed(seed: string): string {
  const raw = base32Decode(seed).subarray(1, 33);
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), raw]);
  const jwk = createPublicKey(
    createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }),
  ).export({
    format: "jwk",
  });
  return encodeKey(Buffer.from(jwk.x ?? "", "base64url"));
}
