/**
 * Which image runs which stellar-core release.
 *
 * SDF tags stellar/stellar-core images with the full Debian package version,
 * `<version>-<build>.<commit>.<distro>` (stellar/stellar-core docker/Makefile at v27.1.0,
 * 3589a696b0d4ef5a2cf2124e349c671d71886d9c: "TAG = stellar/stellar-core:$(STELLAR_CORE_VERSION)"),
 * so `stellar/stellar-core:<version>` cannot be derived from a release number. As Strimzi
 * maps Kafka versions to images, stellar-peers keeps a table: defaults for releases whose
 * image tag an SDF source names, and the operator's STELLAR_CORE_IMAGES on top (see
 * parseCoreImageOverrides).
 */

interface CoreImageRow {
  /** stellar-core release, without a leading "v". */
  version: string;
  image: string;
}

/**
 * Every row names the image as an SDF source names it, and only releases whose image commit
 * is the commit of the stellar-core release tag (checked with `git tag --points-at` in
 * stellar/stellar-core). Releases without such a source (27.1.0, 26.1.0, 25.1.1, 25.1.3...)
 * have no default row: set them in STELLAR_CORE_IMAGES. Newest first.
 */
const DEFAULT_ROWS: readonly CoreImageRow[] = [
  // stellar/stellar-rpc .github/workflows/stellar-rpc.yml at
  // 21959ed104d100923623924ccdc0afd337048a02 (core_docker_img); 7696c069d is tag v27.0.0.
  { version: "27.0.0", image: "stellar/stellar-core:27.0.0-3288.7696c069d.jammy" },
  // stellar/helm-charts charts/core/Chart.yaml at 721a73cf0cc2dec6a55e3b9df3301e1862550035
  // (appVersion, the image tag by charts/core/templates/_helpers.tpl); e78c97ed0 is tag v26.0.1.
  { version: "26.0.1", image: "stellar/stellar-core:26.0.1-3109.e78c97ed0.jammy" },
  // stellar/stellar-rpc .github/workflows/stellar-rpc.yml at
  // 0113958210a363ff000779f98ccdbf990c065430 (core_docker_img); 8e43a2d3b is tag v26.0.0.
  { version: "26.0.0", image: "stellar/stellar-core:26.0.0-3089.8e43a2d3b.jammy" },
  // stellar/helm-charts charts/core/Chart.yaml at 13c20ea1c9760e8344368072be31ff9e956c60d8
  // (appVersion); bb195c49d is tag v25.2.0.
  { version: "25.2.0", image: "stellar/stellar-core:25.2.0-3058.bb195c49d.jammy" },
  // stellar/stellar-rpc .github/workflows/stellar-rpc.yml at
  // 5689333a01a95096b618b92ad4f8faffa4c5428d (PROTOCOL_24_CORE_DOCKER_IMG); 414a5e53d is tag v25.1.0.
  { version: "25.1.0", image: "stellar/stellar-core:25.1.0-2978.414a5e53d.jammy" },
  // stellar/stellar-rpc cmd/stellar-rpc/internal/integrationtest/infrastructure/docker/
  // docker-compose.yml at 41b2f0ff827b5036d756f227c7977b59d860d333; e9748b05a is tag v25.0.0.
  { version: "25.0.0", image: "stellar/stellar-core:25.0.0-2911.e9748b05a.jammy" },
  // stellar/stellar-rpc .github/workflows/stellar-rpc.yml at
  // 919d2f318dd432fcaf481479db06f49d0dd38bd7 (PROTOCOL_22_CORE_DOCKER_IMG); 050eacf11 is tag v23.0.1.
  { version: "23.0.1", image: "stellar/stellar-core:23.0.1-2670.050eacf11.focal" },
  // stellar/stellar-rpc .github/workflows/stellar-rpc.yml at
  // 55c706ceb74aa4b615ef1c51e616096f47e3e006 (PROTOCOL_21_CORE_DOCKER_IMG); 0241e79f7 is tag v22.1.0.
  { version: "22.1.0", image: "stellar/stellar-core:22.1.0-2194.0241e79f7.focal" },
  // stellar/stellar-rpc cmd/stellar-rpc/internal/integrationtest/infrastructure/docker/
  // docker-compose.yml at 8354b931ca86d4ecaeb689325dace2b10ba169c1; 721fd0a65 is tag v22.0.0.
  { version: "22.0.0", image: "stellar/stellar-core:22.0.0-2138.721fd0a65.focal" },
];

/** The built-in table: release (no leading "v") -> image. */
export const DEFAULT_CORE_IMAGES: ReadonlyMap<string, string> = new Map(
  DEFAULT_ROWS.map((row) => [row.version, row.image]),
);

/** The environment variable that adds to or changes the table. */
const CORE_IMAGES_ENV = "STELLAR_CORE_IMAGES";

/** A release as spec.version accepts it (hooks/spec/stellar-node-spec.ts), "v" optional. */
const VERSION = /^v?[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** "v27.1.0" and "27.1.0" name one release. */
function normalizeCoreVersion(version: string): string {
  return version.replace(/^v/, "");
}

// An image reference as the OCI distribution grammar defines it
// (distribution/reference reference.go): [domain[:port]/]path[:tag][@digest].
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const IMAGE_REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const PATH_COMPONENT_ONLY = new RegExp(`^${PATH_COMPONENT}$`);
const MAX_NAME_LENGTH = 255;

/**
 * Whether `text` is an image reference that pins something: a tag or a digest. An untagged
 * reference means `:latest`, which moves under a running validator; the table is there to
 * name exact builds.
 */
export function isPinnedImageReference(text: string): boolean {
  const match = IMAGE_REFERENCE.exec(text);
  if (match === null) return false;
  const [, name = "", tag, digest] = match;
  // As docker reads a name (distribution/reference normalize.go), a first component without
  // "." or ":" that is not "localhost" is a Docker Hub path component, hence lower case.
  const [first = "", ...rest] = name.split("/");
  const isDomain = rest.length > 0 && (/[.:]/.test(first) || first === "localhost");
  if (!isDomain && !PATH_COMPONENT_ONLY.test(first)) return false;
  return name.length <= MAX_NAME_LENGTH && (tag !== undefined || digest !== undefined);
}

export type CoreImagesParseResult =
  { ok: true; table: ReadonlyMap<string, string> } | { ok: false; message: string };

const EXAMPLE = `{"27.0.0":"stellar/stellar-core:27.0.0-3288.7696c069d.jammy"}`;

/**
 * Parses STELLAR_CORE_IMAGES, a JSON object of release -> image, e.g.
 * `{"27.1.0":"registry.example.org/stellar-core:27.1.0-<build>.<commit>.noble"}`. It is
 * MERGED with the defaults: its releases are added, and a release the defaults also name
 * takes its image from STELLAR_CORE_IMAGES. Defaults cannot be removed (an admission policy
 * is the place to forbid releases; spec.image runs any image anyway). The variable can come
 * from a ConfigMap key (`valueFrom.configMapKeyRef`) to keep the table in the cluster.
 */
export function parseCoreImageOverrides(
  text: string | undefined,
  defaults: ReadonlyMap<string, string> = DEFAULT_CORE_IMAGES,
): CoreImagesParseResult {
  if (text === undefined || text.trim() === "") return { ok: true, table: defaults };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      message: `is not JSON (${detail}): give an object of stellar-core release to image, e.g. ${EXAMPLE}`,
    };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return {
      ok: false,
      message: `must be a JSON object of stellar-core release to image, e.g. ${EXAMPLE}`,
    };
  }
  const overrides = new Map<string, string>();
  const problems: string[] = [];
  for (const [key, image] of Object.entries(parsed)) {
    if (!VERSION.test(key)) {
      problems.push(`${JSON.stringify(key)} is not a release such as "27.0.0"`);
      continue;
    }
    const version = normalizeCoreVersion(key);
    if (typeof image !== "string" || !isPinnedImageReference(image)) {
      problems.push(
        `release ${key}: ${JSON.stringify(image)} is not an image reference with a tag or digest (registry/repository:tag or repository@sha256:...)`,
      );
      continue;
    }
    const earlier = overrides.get(version);
    if (earlier !== undefined && earlier !== image) {
      problems.push(`release ${version} is given twice (with and without "v"), with two images`);
      continue;
    }
    overrides.set(version, image);
  }
  if (problems.length > 0) return { ok: false, message: problems.join("; ") };
  return { ok: true, table: new Map([...defaults, ...overrides]) };
}

export type CoreImageResult = { ok: true; image: string } | { ok: false; message: string };

/**
 * The image of a StellarNode: spec.image if set (it always wins), else the table's image for
 * spec.version (with or without a leading "v"). A release the table does not know is an
 * error naming the releases it knows.
 */
export function resolveCoreImage(
  spec: { version?: string; image?: string },
  table: ReadonlyMap<string, string>,
): CoreImageResult {
  if (spec.image !== undefined && spec.image !== "") return { ok: true, image: spec.image };
  if (spec.version === undefined || spec.version === "") {
    return { ok: false, message: "set spec.version or spec.image" };
  }
  const image = table.get(normalizeCoreVersion(spec.version));
  if (image !== undefined) return { ok: true, image };
  const known = knownCoreVersions(table);
  return {
    ok: false,
    message:
      `spec.version ${spec.version} has no image in stellar-peers' stellar-core image table ` +
      `(known releases: ${known.length > 0 ? known.join(", ") : "none"}): ` +
      `set spec.image, or add the release to ${CORE_IMAGES_ENV} on the stellar-peers Deployment`,
  };
}

/** The table's releases, newest first. */
export function knownCoreVersions(table: ReadonlyMap<string, string>): string[] {
  return [...table.keys()].sort(compareVersionsDescending);
}

function compareVersionsDescending(a: string, b: string): number {
  const left = a.split(/[.-]/);
  const right = b.split(/[.-]/);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === y) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return ny - nx;
    return y < x ? -1 : 1;
  }
  return 0;
}
