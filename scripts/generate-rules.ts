// Writes the model's constants into firestore.rules and storage.rules (between their generated-block
// markers). `--check` only reports whether the committed files are current (exit 1 when not).
import { readFileSync, writeFileSync } from "node:fs";
import { firestoreRulesConstants, storageRulesConstants, withGeneratedBlock } from "@dealchat/model";

const files: Array<[string, string[]]> = [
  ["firestore.rules", firestoreRulesConstants()],
  ["storage.rules", storageRulesConstants()],
];
const check = process.argv.includes("--check");
let stale = 0;
for (const [file, lines] of files) {
  const source = readFileSync(file, "utf8");
  const next = withGeneratedBlock(source, lines);
  if (next === source) continue;
  stale += 1;
  if (check) console.error(`${file}: the generated block is stale; run npm run rules:generate`);
  else {
    writeFileSync(file, next);
    console.log(`${file}: generated block updated`);
  }
}
process.exit(check && stale > 0 ? 1 : 0);
