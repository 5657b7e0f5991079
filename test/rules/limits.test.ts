// firestore.rules spell out model's limits as literals (rules cannot import them). This pure test reads the
// rules text and fails when a limit in model/src/schemas.ts and its copy in the rules drift apart; the
// emulator matrix then checks the behaviour on both sides of each bound.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { attachmentContentTypes, FileName, limits, Presence } from "@dealchat/model";

const rules = readFileSync("firestore.rules", "utf8");

function functionBody(name: string): string {
  const start = rules.indexOf(`function ${name}(`);
  expect(start, `function ${name} in firestore.rules`).toBeGreaterThanOrEqual(0);
  return rules.slice(start, rules.indexOf("\n    }\n", start));
}

describe("firestore.rules carry model's limits", () => {
  it("text, attachment count, size and file name length", () => {
    expect(functionBody("validText")).toContain(`text.size() <= ${limits.textMaxLength}`);
    expect(functionBody("validNewMessage")).toContain(`m.attachments.size() <= ${limits.attachmentsPerMessage}`);
    expect(functionBody("validAttachment")).toContain(`a.size <= ${limits.attachmentMaxBytes}`);
    expect(functionBody("validAttachment")).toContain(`{1,${limits.fileNameMaxLength}}`);
  });

  it("checks as many attachments and presence connections as model allows (rules have no loops)", () => {
    const unrolled = (body: string, variable: string) => body.match(new RegExp(`${variable}\\.size\\(\\) < \\d+ \\|\\|`, "g"))?.length ?? 0;
    expect(unrolled(functionBody("validAttachments"), "list")).toBe(limits.attachmentsPerMessage);
    expect(unrolled(functionBody("validConnections"), "ids")).toBe(limits.presenceMaxConnections);
    expect(functionBody("validPresence")).toContain(`p.connections.size() <= ${limits.presenceMaxConnections}`);
  });

  it("edit window and expiry bounds", () => {
    expect(functionBody("authorMayChange")).toContain(`duration.value(${limits.editWindowMs / 60_000}, 'm')`);
    expect(functionBody("validTyping")).toContain(`duration.value(${limits.typingMaxTtlMs / 1000}, 's')`);
    expect(functionBody("validConnection")).toContain(`duration.value(${limits.presenceMaxTtlMs / 60_000}, 'm')`);
  });

  it("the content-type pattern accepts exactly model's allow-list", () => {
    const pattern = /a\.contentType\.matches\('([^']+)'\)/.exec(functionBody("validAttachment"))?.[1];
    expect(pattern).toBeDefined();
    const anchored = new RegExp(`^(?:${pattern})$`); // rules' matches() is a whole-string match
    for (const type of attachmentContentTypes) expect(anchored.test(type), type).toBe(true);
    for (const near of ["image/svg+xml", "image/jpg", "application/pdfx", "application/vnd.ms-excel.sheet.macroEnabled.12", "text/plain", "image/", "IMAGE/PNG"]) {
      expect(anchored.test(near), near).toBe(false);
    }
  });
});

describe("model schemas agree with the rules' extra checks", () => {
  it("file names '.' and '..' are refused by both", () => {
    expect(FileName.safeParse("..").success).toBe(false);
    expect(FileName.safeParse(".").success).toBe(false);
    expect(FileName.safeParse("..brief.pdf").success).toBe(true);
  });

  it("presence holds at most presenceMaxConnections connections", () => {
    const at = { seconds: 1, nanoseconds: 0, toMillis: () => 1000 };
    const doc = (n: number) => ({ lastSeen: at, connections: Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { lastSeen: at, expiresAt: at }])) });
    expect(Presence.safeParse(doc(limits.presenceMaxConnections)).success).toBe(true);
    expect(Presence.safeParse(doc(limits.presenceMaxConnections + 1)).success).toBe(false);
  });
});
