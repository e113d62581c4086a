import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layers of hooks/: each folder may import (values) only from the folders listed for
 * it, so the pure core never reaches up into the HTTP edge, and the sidecar, which runs
 * from the same image, shares only what it needs. Type-only imports of the domain types
 * are allowed where a folder lists them under `types`.
 */
const FOLDERS = [
  "kube",
  "stellar",
  "spec",
  "metacontroller",
  "discovery",
  "render",
  "rollout",
  "sync",
  "namespace",
  "http",
  "sidecar",
  "generate",
];
const LAYERS = {
  kube: { imports: [] },
  stellar: { imports: ["kube"], types: ["spec"] },
  spec: { imports: ["kube", "stellar"] },
  metacontroller: { imports: ["kube"], types: ["spec", "discovery"] },
  discovery: { imports: ["kube", "stellar", "spec", "metacontroller"] },
  render: { imports: ["kube", "stellar", "spec", "discovery"] },
  rollout: { imports: ["kube"], types: ["discovery", "spec"] },
  sync: {
    imports: ["kube", "stellar", "spec", "metacontroller", "discovery", "render", "rollout"],
  },
  namespace: { imports: ["kube", "stellar", "spec", "metacontroller", "discovery", "render"] },
  http: {
    imports: ["kube", "spec", "metacontroller", "discovery", "sync", "namespace"],
  },
  sidecar: { imports: ["kube", "stellar"] },
  generate: { imports: ["spec", "kube"] },
};

function layerRules(folder) {
  const { imports, types = [] } = LAYERS[folder];
  const forbidden = FOLDERS.filter((other) => other !== folder && !imports.includes(other));
  const paths = (names) => names.flatMap((name) => [`../${name}/**`, `../../${name}/**`]);
  const valueOnly = forbidden.filter((name) => types.includes(name));
  const never = forbidden.filter((name) => !types.includes(name));
  return {
    files: [`hooks/${folder}/**/*.ts`],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            ...(never.length === 0
              ? []
              : [
                  {
                    group: paths(never),
                    message: `hooks/${folder} may import only from ${imports.join(", ") || "itself"} (eslint.config.js LAYERS)`,
                  },
                ]),
            ...(valueOnly.length === 0
              ? []
              : [
                  {
                    group: paths(valueOnly),
                    allowTypeImports: true,
                    message: `hooks/${folder} may import only types from ${valueOnly.join(", ")} (eslint.config.js LAYERS)`,
                  },
                ]),
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".cluster/", "test/e2e/tools/", "bench-results/"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      // `_`-prefixed names mark values deliberately dropped by destructuring.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ["hooks/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
    },
  },
  ...FOLDERS.map(layerRules),
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
);
