// The rules' constants block is generated from the model (npm run rules:generate): the committed files must be
// exactly what the model generates today, so a limit changed on one side only fails here.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { firestoreRulesConstants, storageRulesConstants, withGeneratedBlock } from "@dealchat/model";

describe("generated rules blocks", () => {
  it.each([
    ["firestore.rules", firestoreRulesConstants()],
    ["storage.rules", storageRulesConstants()],
  ] as const)("%s is current (run npm run rules:generate)", (file, lines) => {
    const source = readFileSync(file, "utf8");
    expect(withGeneratedBlock(source, lines)).toBe(source);
  });
});
