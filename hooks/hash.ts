import { createHash } from "node:crypto";

/**
 * Hex SHA-256 of a UTF-8 string. The init container recomputes the peers hash with
 * `sha256sum`, so this must stay a plain digest of the exact bytes kubelet writes.
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
