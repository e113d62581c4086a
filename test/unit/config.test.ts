import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../hooks/config.js";

describe("configuration from the environment", () => {
  it("has defaults for a plain `npm start`", () => {
    const config = loadConfig({});
    assert.equal(config.PORT, 8080);
    assert.equal(config.BODY_LIMIT, 64 * 1024 * 1024);
    assert.equal(config.CLUSTER_DOMAIN, "cluster.local");
    assert.equal(config.LOG_LEVEL, "info");
  });

  it("reads PORT, BODY_LIMIT and CLUSTER_DOMAIN", () => {
    const config = loadConfig({
      PORT: "9000",
      BODY_LIMIT: "134217728",
      CLUSTER_DOMAIN: "k8s.example.org",
    });
    assert.deepEqual(
      [config.PORT, config.BODY_LIMIT, config.CLUSTER_DOMAIN],
      [9000, 134217728, "k8s.example.org"],
    );
  });

  it("refuses bad values with a message naming the variable", () => {
    assert.throws(
      () => loadConfig({ PORT: "http" }),
      (error: unknown) => error instanceof ConfigError && /PORT/.test(error.message),
    );
    assert.throws(() => loadConfig({ LOG_LEVEL: "loud" }), /LOG_LEVEL/);
    assert.throws(() => loadConfig({ CLUSTER_DOMAIN: "Not A Domain" }), /CLUSTER_DOMAIN/);
    assert.throws(
      () => loadConfig({ TLS_CERT_FILE: "/cert.pem" }),
      /set both TLS_CERT_FILE and TLS_KEY_FILE/,
    );
  });
});
