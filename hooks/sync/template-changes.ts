import { isRecord } from "../kube/objects.js";
import { stableStringify } from "../kube/stable-json.js";
import { ANNOTATION_CONFIG_HASH, ANNOTATION_PEERS_HASH } from "../render/labels.js";

/** What made a pod template change, in the order a person cares most about. */
export type TemplateChange = "Image" | "Config" | "Peers" | "Template";

/**
 * What differs between the applied and the desired pod template: a new image of any
 * container, a new stellar-core.cfg (config-hash), a new peer list (peers-hash), and
 * anything else (a probe, a label, the init script, resources, a transform's field).
 * Empty when they are equal.
 */
export function templateChanges(applied: unknown, desired: unknown): TemplateChange[] {
  const before = split(applied);
  const after = split(desired);
  const changes: TemplateChange[] = [];
  if (stableStringify(before.images) !== stableStringify(after.images)) changes.push("Image");
  if (before.config !== after.config) changes.push("Config");
  if (before.peers !== after.peers) changes.push("Peers");
  if (stableStringify(before.rest) !== stableStringify(after.rest)) changes.push("Template");
  return changes;
}

interface TemplateParts {
  images: string[];
  config: unknown;
  peers: unknown;
  /** The template without the images and the two hashes. */
  rest: unknown;
}

function split(template: unknown): TemplateParts {
  const record = isRecord(template) ? template : {};
  const metadata = isRecord(record["metadata"]) ? record["metadata"] : {};
  const annotations = isRecord(metadata["annotations"]) ? metadata["annotations"] : {};
  const {
    [ANNOTATION_CONFIG_HASH]: config,
    [ANNOTATION_PEERS_HASH]: peers,
    ...otherAnnotations
  } = annotations;
  const spec = isRecord(record["spec"]) ? record["spec"] : {};
  const images: string[] = [];
  const withoutImages = (list: unknown): unknown =>
    Array.isArray(list)
      ? list.map((container) => {
          if (!isRecord(container)) return container;
          const { image, ...others } = container;
          images.push(`${String(others["name"])}=${String(image)}`);
          return others;
        })
      : list;
  // The init container repeats the hashes in its environment: those are the config and
  // peers changes already counted, not another one.
  const initContainers = withoutImages(spec["initContainers"]);
  const containers = withoutImages(spec["containers"]);
  return {
    images,
    config,
    peers,
    rest: {
      ...record,
      metadata: { ...metadata, annotations: otherAnnotations },
      spec: {
        ...spec,
        initContainers: withoutHashEnv(initContainers, config, peers),
        containers,
      },
    },
  };
}

/** Container env values equal to one of the two hashes, blanked. */
function withoutHashEnv(list: unknown, config: unknown, peers: unknown): unknown {
  if (!Array.isArray(list)) return list;
  return list.map((container) => {
    if (!isRecord(container) || !Array.isArray(container["env"])) return container;
    return {
      ...container,
      env: container["env"].map((variable) =>
        isRecord(variable) &&
        typeof variable["value"] === "string" &&
        (variable["value"] === config || variable["value"] === peers)
          ? { ...variable, value: "" }
          : variable,
      ),
    };
  });
}
