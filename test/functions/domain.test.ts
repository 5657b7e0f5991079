// The pure pieces: the search tokenizer shared with the SDK and the functions' domain rules. No emulator needed.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { limits, matchesSearch, MAX_TOKEN_LENGTH, normalizeSearchText, searchQueryToken, searchTokens, type Message } from "@dealchat/model";
import { nextLastMessage, summarize } from "../../functions/src/domain/conversation.ts";
import { attachmentPathsToDelete, onlyFunctionFieldsChanged } from "../../functions/src/domain/messages.ts";
import { processedEventId } from "../../functions/src/domain/events.ts";

describe("search tokens", () => {
  it("lower-cases, folds diacritics and strips punctuation", () => {
    expect(normalizeSearchText("  Crème BRÛLÉE!!! — naïve… Ｃａｆé ")).toBe("creme brulee naive cafe");
  });

  it("stores whole words and their prefixes from 3 characters, without stop words", () => {
    const tokens = searchTokens("The campaign, and THE brief.");
    expect(tokens).toEqual(["campaign", "brief", "cam", "bri", "camp", "brie", "campa", "campai", "campaig"]);
    expect(tokens).not.toContain("the");
    expect(tokens).not.toContain("ca");
    expect(searchTokens("TV ad")).toEqual(["tv", "ad"]);
    expect(searchTokens(null)).toEqual([]);
    expect(searchTokens("  ?! ")).toEqual([]);
  });

  it("bounds the count per message, whole words first", () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${String(i).padStart(3, "0")}x`);
    const tokens = searchTokens(words.join(" "));
    expect(tokens).toHaveLength(limits.searchTokensPerMessage);
    expect(tokens).toEqual(words.slice(0, limits.searchTokensPerMessage));
    expect(searchTokens("alpha beta gamma", 4)).toEqual(["alpha", "beta", "gamma", "alp"]);
  });

  it("turns search input into the one token a query uses, matching what was stored", () => {
    expect(searchQueryToken("Summer CAMPAIGN brief")).toBe("campaign");
    expect(searchQueryToken("Ünïcödé")).toBe("unicode");
    expect(searchQueryToken("camp")).toBe("camp");
    expect(searchQueryToken("the of and")).toBeNull();
    expect(searchQueryToken("   ")).toBeNull();
    const long = "x".repeat(MAX_TOKEN_LENGTH + 20);
    expect(searchTokens(`see ${long}`)).toContain(searchQueryToken(long));
    expect(searchTokens("Café shoot")).toContain(searchQueryToken("CAFÉ"));
    expect(searchTokens("Café shoot")).toContain(searchQueryToken("sho"));
  });

  it("checks the other words of a multi-word search on the page", () => {
    expect(matchesSearch("The summer campaign brief", "camp brief")).toBe(true);
    expect(matchesSearch("The summer campaign brief", "camp winter")).toBe(false);
    expect(matchesSearch(null, "anything")).toBe(false);
    expect(matchesSearch("whatever", "the")).toBe(true);
  });
});

describe("functions domain", () => {
  const t = (s: number) => Timestamp.fromMillis(Date.UTC(2026, 0, 1) + s * 1000);
  const message = (over: Partial<Message> = {}): Message => ({
    senderId: "u1",
    senderSide: "brand",
    text: "hello",
    attachments: [],
    hasAttachments: false,
    createdAt: t(0),
    editedAt: null,
    deleted: false,
    deletedAt: null,
    ...over,
  });

  it("summarizes text, attachments, tombstones and system messages", () => {
    expect(summarize("m", message({ text: "  many\n words  " }))).toMatchObject({ snippet: "many words", kind: "text" });
    const file = { name: "a.pdf", size: 1, contentType: "application/pdf" as const, storagePath: "p" };
    expect(summarize("m", message({ text: null, attachments: [file, file], hasAttachments: true }))).toMatchObject({
      snippet: "📎 2 attachments",
      kind: "attachment",
    });
    expect(summarize("m", message({ deleted: true, text: null }))).toMatchObject({ snippet: "Message deleted", kind: "deleted" });
    expect(summarize("m", message({ senderSide: "system", senderId: "system", text: "Deal completed" }))).toMatchObject({ kind: "system" });
    expect(Array.from(summarize("m", message({ text: "é".repeat(500) })).snippet)).toHaveLength(limits.snippetLength);
  });

  it("moves lastMessage forward only, by createdAt then id", () => {
    const newer = summarize("b", message({ createdAt: t(5), text: "newer" }));
    expect(nextLastMessage(newer, "a", message({ createdAt: t(1), text: "older" }))).toBe(newer);
    expect(nextLastMessage(newer, "c", message({ createdAt: t(5), text: "same time, later id" }))?.messageId).toBe("c");
    expect(nextLastMessage(newer, "b", message({ createdAt: t(5), deleted: true, text: null }))?.kind).toBe("deleted");
  });

  it("deletes only files inside the tombstoned message's own folder", () => {
    const folder = "deals/d1/attachments/u1/m1";
    expect(
      attachmentPathsToDelete("d1", "m1", "u1", [
        { storagePath: `${folder}/a.pdf` },
        { storagePath: `${folder}/a.pdf` },
        { storagePath: "deals/d1/attachments/u2/m9/theirs.pdf" },
        { storagePath: `${folder}/../../u2/m9/x.pdf` },
        { storagePath: `${folder}/` },
        { storagePath: 42 },
        null,
      ]),
    ).toEqual([`${folder}/a.pdf`]);
  });

  it("recognizes the functions' own echo updates", () => {
    const base = { text: "a", createdAt: t(1), attachments: [] };
    expect(onlyFunctionFieldsChanged(base, { ...base, createdAt: t(1), searchTokens: ["a"], responseTimeMs: 3 })).toBe(true);
    expect(onlyFunctionFieldsChanged(base, { ...base, text: "b", searchTokens: ["b"] })).toBe(false);
    expect(onlyFunctionFieldsChanged(base, { ...base, createdAt: t(2) })).toBe(false);
    // The upload trigger's verdict on an attachment entry is its own echo too; any other change of the entry is not.
    const file = { name: "a.pdf", size: 1, contentType: "application/pdf", storagePath: "deals/d/attachments/u/m/a.pdf" };
    const withFile = { ...base, attachments: [file] };
    expect(onlyFunctionFieldsChanged(withFile, { ...withFile, attachments: [{ ...file, verification: { status: "verified", checkedAt: t(3) } }] })).toBe(true);
    expect(onlyFunctionFieldsChanged(withFile, { ...withFile, attachments: [{ ...file, size: 2, verification: { status: "verified" } }] })).toBe(false);
    expect(onlyFunctionFieldsChanged(withFile, { ...withFile, attachments: [] })).toBe(false);
  });

  it("keys event records by handler and event id, escaping slashes", () => {
    expect(processedEventId("messageCreated", "a/b%c")).toBe("messageCreated:a%2Fb%25c");
    expect(() => processedEventId("messageCreated", "")).toThrow();
  });
});
