// docs/data-model.md lists every limit with its value; the model is the source, so the table must follow it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { limits } from "@dealchat/model";

const doc = readFileSync("docs/data-model.md", "utf8");

describe("docs/data-model.md states every limit", () => {
  it.each(Object.entries(limits))("%s = %s", (key, value) => {
    const row = doc.split("\n").find((line) => line.startsWith(`| \`${key}\` |`));
    expect(row, `a row for limits.${key}`).toBeDefined();
    expect(row!.split("|")[2]!.trim().split(" ")[0]).toBe(String(value));
  });
});
