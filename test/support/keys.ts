import { createHash } from "node:crypto";

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
  const payload = Buffer.concat([
    Buffer.from([6 << 3]),
    createHash("sha256").update(label).digest(),
  ]);
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
