import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Agent, request } from "undici";
import { stellarNode, syncRequest } from "../support/fixtures.js";
import { testServer } from "../support/server.js";

describe("TLS", () => {
  it("serves the hooks over HTTPS with TLS_CERT_FILE and TLS_KEY_FILE", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stellar-peers-tls-"));
    const cert = join(dir, "tls.crt");
    const key = join(dir, "tls.key");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    const server = await testServer({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    const address = await server.app.listen({ port: 0, host: "127.0.0.1" });
    assert.match(address, /^https:\/\//);
    const dispatcher = new Agent({ connect: { ca: readFileSync(cert) } });
    try {
      const reply = await request(`${address}/stellarnode/sync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(syncRequest(stellarNode("a"))),
        dispatcher,
      });
      assert.equal(reply.statusCode, 200);
      const body = (await reply.body.json()) as { children: unknown[] };
      assert.equal(body.children.length, 4);
    } finally {
      await dispatcher.close();
      await server.app.close();
    }
  });
});
