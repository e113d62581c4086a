import { loadConfig } from "../../../hooks/config.js";
import { buildServer } from "../../../hooks/http/server.js";
import type { DesiredStateTransform } from "../../../hooks/metacontroller/transforms.js";

/**
 * A second build of the hook server, standing for a new release of stellar-peers that
 * renders every pod template differently: the product's own server, with one platform
 * transform registered (the extension point of the README), which adds an annotation to
 * the pod template. Nothing in the product knows about it. Run by
 * test/e2e/support/hook-server.ts in place of `node dist/hooks/main.js`.
 */
export const RELEASE_ANNOTATION = "example.org/release";

const nextRelease: DesiredStateTransform = (desired) => ({
  ...desired,
  children: desired.children.map((child) => {
    if (child.kind !== "StatefulSet") return child;
    const spec = child["spec"] as { template: { metadata: { annotations?: object } } };
    return {
      ...child,
      spec: {
        ...spec,
        template: {
          ...spec.template,
          metadata: {
            ...spec.template.metadata,
            annotations: { ...spec.template.metadata.annotations, [RELEASE_ANNOTATION]: "next" },
          },
        },
      },
    };
  }),
});

if (process.argv[1]?.endsWith("release-server.ts") === true) {
  const config = loadConfig(process.env);
  const { app } = await buildServer({ config, transforms: [nextRelease] });
  const stop = async (): Promise<void> => {
    await app.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  await app.listen({ port: config.PORT, host: config.HOST });
}
