import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../hooks/config.js";
import { DEFAULT_CORE_IMAGES } from "../../hooks/stellar/core-images.js";

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

  it("has the built-in stellar-core image table when STELLAR_CORE_IMAGES is unset or empty", () => {
    assert.equal(loadConfig({}).STELLAR_CORE_IMAGES, DEFAULT_CORE_IMAGES);
    assert.equal(loadConfig({ STELLAR_CORE_IMAGES: "" }).STELLAR_CORE_IMAGES, DEFAULT_CORE_IMAGES);
  });

  it("merges STELLAR_CORE_IMAGES over the built-in table", () => {
    const table = loadConfig({
      STELLAR_CORE_IMAGES: JSON.stringify({
        "v27.1.0": "registry.example.org/stellar-core:27.1.0-1.abcdef123.noble",
      }),
    }).STELLAR_CORE_IMAGES;
    assert.equal(table.get("27.1.0"), "registry.example.org/stellar-core:27.1.0-1.abcdef123.noble");
    for (const [version, image] of DEFAULT_CORE_IMAGES) assert.equal(table.get(version), image);
    assert.equal(table.size, DEFAULT_CORE_IMAGES.size + 1);
  });

  it("refuses a STELLAR_CORE_IMAGES that is not JSON or names bad images", () => {
    assert.throws(
      () => loadConfig({ STELLAR_CORE_IMAGES: "{27.1.0: stellar/stellar-core}" }),
      (error: unknown) =>
        error instanceof ConfigError && /STELLAR_CORE_IMAGES: is not JSON/.test(error.message),
    );
    assert.throws(
      () => loadConfig({ STELLAR_CORE_IMAGES: '{"27.1.0":"stellar/stellar-core"}' }),
      /STELLAR_CORE_IMAGES: release 27\.1\.0: "stellar\/stellar-core" is not an image reference with a tag or digest/,
    );
  });
});
