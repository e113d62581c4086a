import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_CORE_IMAGES,
  isPinnedImageReference,
  knownCoreVersions,
  parseCoreImageOverrides,
  resolveCoreImage,
} from "../../hooks/stellar/core-images.js";

const table: ReadonlyMap<string, string> = new Map([
  ["26.0.1", "stellar/stellar-core:26.0.1-3109.e78c97ed0.jammy"],
  ["27.0.0", "stellar/stellar-core:27.0.0-3288.7696c069d.jammy"],
]);

describe("resolveCoreImage", () => {
  it("maps a release, with or without a leading v, to its image", () => {
    for (const version of ["27.0.0", "v27.0.0"]) {
      assert.deepEqual(resolveCoreImage({ version }, table), {
        ok: true,
        image: "stellar/stellar-core:27.0.0-3288.7696c069d.jammy",
      });
    }
  });

  it("lets spec.image win over the table, known release or not", () => {
    for (const version of ["27.0.0", "21.0.0", undefined]) {
      assert.deepEqual(resolveCoreImage({ version, image: "example.org/core:custom" }, table), {
        ok: true,
        image: "example.org/core:custom",
      });
    }
  });

  it("refuses an unknown release without image, naming the known ones newest first", () => {
    const result = resolveCoreImage({ version: "v21.0.0" }, table);
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.match(result.message, /spec\.version v21\.0\.0 has no image/);
    assert.match(result.message, /known releases: 27\.0\.0, 26\.0\.1\)/);
    assert.match(result.message, /set spec\.image, or add the release to STELLAR_CORE_IMAGES/);
  });

  it("refuses a spec with neither version nor image", () => {
    assert.deepEqual(resolveCoreImage({}, table), {
      ok: false,
      message: "set spec.version or spec.image",
    });
  });

  it("says so when the table is empty", () => {
    const result = resolveCoreImage({ version: "27.0.0" }, new Map());
    assert.ok(!result.ok);
    assert.match(result.message, /known releases: none/);
  });
});

describe("the built-in table", () => {
  it("names pinned stellar/stellar-core package tags of the same release", () => {
    assert.ok(DEFAULT_CORE_IMAGES.size > 0);
    for (const [version, image] of DEFAULT_CORE_IMAGES) {
      assert.match(version, /^\d+\.\d+\.\d+$/);
      assert.ok(isPinnedImageReference(image), image);
      // docker/Makefile of stellar-core: the tag is <version>-<build>.<commit>.<distro>.
      const escaped = version.replaceAll(".", "\\.");
      assert.match(
        image,
        new RegExp(`^stellar/stellar-core:${escaped}-\\d+\\.[0-9a-f]{9}\\.(focal|jammy|noble)$`),
      );
    }
  });

  it("lists releases newest first, comparing numbers, not strings", () => {
    assert.deepEqual(
      knownCoreVersions(
        new Map([
          ["9.0.0", "a:1"],
          ["27.0.0", "a:2"],
          ["10.1.0", "a:3"],
          ["10.0.0", "a:4"],
        ]),
      ),
      ["27.0.0", "10.1.0", "10.0.0", "9.0.0"],
    );
  });
});

describe("STELLAR_CORE_IMAGES", () => {
  it("is the built-in table when unset or blank", () => {
    for (const text of [undefined, "", "  "]) {
      const result = parseCoreImageOverrides(text);
      assert.ok(result.ok);
      assert.equal(result.table, DEFAULT_CORE_IMAGES);
    }
  });

  it("merges over the defaults: adds releases and replaces the image of a known one", () => {
    const result = parseCoreImageOverrides(
      JSON.stringify({
        "v27.1.0": "registry.example.org:5000/stellar/stellar-core:27.1.0-1.abc.noble",
        "26.0.1": "stellar/stellar-core@sha256:" + "a".repeat(64),
      }),
      table,
    );
    assert.ok(result.ok);
    assert.deepEqual(
      [...result.table].sort(),
      [
        ["26.0.1", "stellar/stellar-core@sha256:" + "a".repeat(64)],
        ["27.0.0", "stellar/stellar-core:27.0.0-3288.7696c069d.jammy"],
        ["27.1.0", "registry.example.org:5000/stellar/stellar-core:27.1.0-1.abc.noble"],
      ].sort(),
    );
    assert.deepEqual(resolveCoreImage({ version: "27.1.0" }, result.table), {
      ok: true,
      image: "registry.example.org:5000/stellar/stellar-core:27.1.0-1.abc.noble",
    });
  });

  it("refuses text that is not JSON, with an example", () => {
    const result = parseCoreImageOverrides("27.1.0=stellar/stellar-core:27.1.0");
    assert.ok(!result.ok);
    assert.match(
      result.message,
      /is not JSON \(.+\): give an object of stellar-core release to image, e\.g\. \{/,
    );
  });

  it("refuses JSON that is not an object", () => {
    for (const text of ["[]", "null", '"stellar/stellar-core:27.0.0"', "27"]) {
      const result = parseCoreImageOverrides(text);
      assert.ok(!result.ok, text);
      assert.match(result.message, /must be a JSON object/);
    }
  });

  it("refuses bad image references, naming each release", () => {
    const result = parseCoreImageOverrides(
      JSON.stringify({
        "27.1.0": "Stellar/Stellar-Core:27.1.0",
        "27.2.0": "stellar/stellar-core",
        "27.3.0": 27,
        "27.4.0": "stellar/stellar-core:27.4.0 --privileged",
      }),
    );
    assert.ok(!result.ok);
    for (const version of ["27.1.0", "27.2.0", "27.3.0", "27.4.0"]) {
      assert.match(result.message, new RegExp(`release ${version.replaceAll(".", "\\.")}: `));
    }
    assert.match(result.message, /with a tag or digest/);
  });

  it("refuses bad release names and one release given twice with two images", () => {
    const badKey = parseCoreImageOverrides(JSON.stringify({ "27.1.0 ": "stellar/stellar-core:x" }));
    assert.ok(!badKey.ok);
    assert.match(badKey.message, /"27\.1\.0 " is not a release/);
    const twice = parseCoreImageOverrides(
      JSON.stringify({ "27.1.0": "stellar/stellar-core:a", "v27.1.0": "stellar/stellar-core:b" }),
    );
    assert.ok(!twice.ok);
    assert.match(twice.message, /release 27\.1\.0 is given twice/);
  });
});

describe("isPinnedImageReference", () => {
  it("accepts tags and digests, with or without registry and port", () => {
    for (const reference of [
      "stellar/stellar-core:27.0.0-3288.7696c069d.jammy",
      "docker.io/stellar/stellar-core:26.0.1-3109.e78c97ed0.jammy",
      "localhost:5000/core:dev",
      "ghcr.io/org/sub/core@sha256:" + "0123456789abcdef".repeat(4),
      "core:1@sha256:" + "f".repeat(64),
    ]) {
      assert.ok(isPinnedImageReference(reference), reference);
    }
  });

  it("refuses untagged names, upper-case repositories, spaces and empty tags", () => {
    for (const reference of [
      "stellar/stellar-core",
      "Stellar/stellar-core:1",
      "stellar/stellar-core:",
      "stellar/stellar-core:1 2",
      ":1",
      "stellar//stellar-core:1",
      "core@sha256:short",
      "",
    ]) {
      assert.ok(!isPinnedImageReference(reference), reference);
    }
  });
});
