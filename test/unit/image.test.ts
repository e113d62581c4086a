import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../hooks/kube/objects.js";
import { dockerignoreMatcher, parseDockerfile } from "../docker/dockerfile-steps.js";

/**
 * The image and the manifests that install it (issue 18 part 2), and one Node.js version
 * everywhere (part 6). What the Dockerfiles do is repeated by `npm run test:image`
 * (test/docker/dockerfile-steps.ts); this file checks what is fast to check.
 */

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string) => readFileSync(join(REPO, path), "utf8");
const packageJson = JSON.parse(read("package.json")) as {
  version: string;
  engines: { node: string };
};
const DOCKERFILES = ["Dockerfile", "examples/extending/Dockerfile"];

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
}

/** The hooks container of the stellar-peers Deployment that `kubectl kustomize dir` renders. */
function renderedHooks(dir: string): { image: string; sidecarImage: string | undefined } {
  const built = execFileSync("kubectl", ["kustomize", dir], { cwd: REPO, encoding: "utf8" });
  const deployment = parseAllDocuments(built)
    .map((doc) => doc.toJS() as KubeObject)
    .find((doc) => doc.kind === "Deployment" && doc.metadata.name === "stellar-peers");
  const containers = (deployment?.["spec"] as { template: { spec: { containers: Container[] } } })
    .template.spec.containers;
  const hooks = containers.find((container) => container.name === "hooks");
  assert.ok(hooks, `no hooks container in ${dir}`);
  return {
    image: hooks.image,
    sidecarImage: hooks.env?.find((env) => env.name === "SIDECAR_IMAGE")?.value,
  };
}

describe("the image a user sets once (kubectl kustomize)", () => {
  it("manifests/overlays/image: its one images entry sets the container and SIDECAR_IMAGE", () => {
    const image = "registry.example.org/platform/stellar-peers:0.1.0-platform.1";
    assert.deepEqual(renderedHooks("manifests/overlays/image"), { image, sidecarImage: image });
  });

  it("a user's own overlay over manifests/, with a digest, sets both too", () => {
    const dir = mkdtempSync(join(tmpdir(), "stellar-peers-overlay-"));
    try {
      const image = `registry.example.org/mirror/stellar-peers@sha256:${"ab".repeat(32)}`;
      writeFileSync(
        join(dir, "kustomization.yaml"),
        [
          "resources:",
          `  - ${relative(dir, join(REPO, "manifests"))}`,
          "images:",
          "  - name: ghcr.io/stellar-peers/stellar-peers",
          "    newName: registry.example.org/mirror/stellar-peers",
          `    digest: sha256:${"ab".repeat(32)}`,
          "",
        ].join("\n"),
      );
      assert.deepEqual(renderedHooks(dir), { image, sidecarImage: image });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the install names the image of package.json's version, in both fields", () => {
    const image = `ghcr.io/stellar-peers/stellar-peers:${packageJson.version}`;
    assert.deepEqual(renderedHooks("manifests/"), { image, sidecarImage: image });
  });
});

describe("the release's version", () => {
  it("is the tag of the extension example's base image", () => {
    const arg = /^ARG STELLAR_PEERS_IMAGE=(\S+)$/m.exec(read("examples/extending/Dockerfile"));
    assert.equal(arg?.[1], `ghcr.io/stellar-peers/stellar-peers:${packageJson.version}`);
  });
});

describe("one Node.js version everywhere", () => {
  const minimum = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(packageJson.engines.node);
  const major = minimum?.[1];

  it("package.json's engines gives a minimum version", () => {
    assert.ok(major, `engines.node ${packageJson.engines.node} is not >=X.Y.Z`);
  });

  for (const file of DOCKERFILES) {
    it(`${file} builds and runs on Node.js ${major}`, () => {
      const bases = parseDockerfile(read(file))
        .filter((instruction) => instruction.keyword === "FROM")
        .map((instruction) => /node:(\d+)-/.exec(instruction.args)?.[1])
        .filter((base) => base !== undefined);
      assert.ok(bases.length > 0);
      assert.deepEqual(new Set(bases), new Set([major]));
    });
  }

  it(`the workflows set up Node.js ${major}`, () => {
    const dir = join(REPO, ".github/workflows");
    const versions = readdirSync(dir).flatMap((file) =>
      [...readFileSync(join(dir, file), "utf8").matchAll(/node-version: *"?(\d+)/g)].map(
        (match) => `${file}: ${match[1]}`,
      ),
    );
    assert.ok(versions.length > 0);
    for (const version of versions) assert.match(version, new RegExp(`: ${major}$`));
  });

  it("satisfies every production dependency's engines", () => {
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<string, { dev?: boolean; engines?: { node?: string } }>;
    };
    const floors = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== "" && entry.dev !== true)
      .flatMap(([path, entry]) => {
        const floor = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(entry.engines?.node ?? "");
        return floor ? [{ path, version: floor.slice(1, 4).map(Number) }] : [];
      });
    const ours = (minimum ?? []).slice(1, 4).map(Number);
    for (const { path, version } of floors) {
      const below = version.findIndex((part, i) => part !== ours[i]);
      assert.ok(
        below === -1 || (ours[below] ?? 0) > (version[below] ?? 0),
        `${path} needs Node.js >=${version.join(".")}`,
      );
    }
  });
});

describe("the Dockerfiles", () => {
  const ignored = dockerignoreMatcher(read(".dockerignore"));

  for (const file of DOCKERFILES) {
    it(`${file} copies only what exists in the build context and .dockerignore keeps`, () => {
      for (const instruction of parseDockerfile(read(file))) {
        if (instruction.keyword !== "COPY" || instruction.args.startsWith("--from=")) continue;
        const sources = instruction.args.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          assert.ok(existsSync(join(REPO, source)), `${file}:${instruction.line}: no ${source}`);
          assert.ok(!ignored(source), `${file}:${instruction.line}: .dockerignore drops ${source}`);
        }
      }
    });
  }

  it("can install production dependencies on the build platform: none builds native code", () => {
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<
        string,
        { dev?: boolean; hasInstallScript?: boolean; os?: string[]; cpu?: string[] }
      >;
    };
    const native = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== "" && entry.dev !== true)
      .filter(([, entry]) => entry.hasInstallScript || entry.os || entry.cpu)
      .map(([path]) => path);
    assert.deepEqual(native, [], "drop --platform=$BUILDPLATFORM from production-deps");
  });

  it("ships the LICENSE", () => {
    assert.match(read("LICENSE"), /Apache License\s+Version 2\.0, January 2004/);
    assert.equal((JSON.parse(read("package.json")) as { license: string }).license, "Apache-2.0");
  });
});
