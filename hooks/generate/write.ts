import { writeFileSync } from "node:fs";
import { generatedFiles } from "./generated-files.js";

for (const [path, contents] of Object.entries(generatedFiles())) {
  writeFileSync(path, contents);
  process.stdout.write(`wrote ${path}\n`);
}
