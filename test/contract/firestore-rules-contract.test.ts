// firestore.rules against the model, in-process: every limit at its bound and one past it, unknown and missing
// keys, every status, the id alphabet, blank text and the write pacing. Each case has a hand-written expected
// outcome, and both the rules (compiled by our engine) and the model's verdict (model/src/contract.ts) must give
// it; a limit multiplied in the rules, or a rule the model does not know, fails here in milliseconds.
// test/rules/ runs the same boundary through Google's engine in the emulator.
import { describe, expect, it } from "vitest";
import {
  attachmentContentTypes,
  dealStatuses,
  idMaxLength,
  limits,
  messageUpdateVerdict,
  newMessage,
  newMessageVerdict,
  presenceConnectionField,
  presenceDoc,
  presenceEntry,
  presenceVerdict,
  storagePaths,
  textEdit,
  tombstone,
  typingOff,
  typingOn,
  typingVerdict,
  watermarkMove,
  watermarkVerdict,
  initialConversation,
  fieldOwnership,
  userResponseStats,
  type Attachment,
  type Deal,
  type WriteContext,
} from "@dealchat/model";
import { applyUpdate, at, firestoreAllows, type Data, contractSuite, type VerdictCase } from "./rules-engine-harness.ts";
import { notificationVerdictCases } from "./notifications-cases.ts";

const suite = contractSuite("firestore.rules");
const rules = suite.rules;
const check = suite.check;
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const brand = "brand-1";
const influencer = "influencer-1";
const dealId = "deal-1";
const messageId = "msg_1";
const deal = (status: string = "active", ids: Partial<Deal> = {}) => ({
  brandId: brand,
  influencerId: influencer,
  participants: [brand, influencer],
  status,
  createdAt: at(NOW - 86_400_000),
  updatedAt: at(NOW - 86_400_000),
  ...ids,
});

type Case = VerdictCase;

// ---- new messages ----------------------------------------------------------------------------------------

const folder = (uid: string, id = messageId) => `${storagePaths.messageFolder(dealId, uid, id)}/`;
const file = (over: Partial<Attachment> = {}, uid = brand, id = messageId): Attachment => {
  const name = over.name ?? "brief.pdf";
  return { name, size: 1024, contentType: "application/pdf", storagePath: folder(uid, id) + name, ...over };
};
const files = (n: number) => Array.from({ length: n }, (_, i) => file({ name: `f${i}.pdf` }));

interface CreateOptions {
  uid?: string | null;
  data?: Data;
  id?: string;
  dealDoc?: Data | null;
}
function createCase(name: string, expected: boolean, o: CreateOptions): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid === undefined ? brand : o.uid;
      const id = o.id ?? messageId;
      const data = o.data ?? newMessage({ senderId: brand, senderSide: "brand", text: "Hi", attachments: [] }, at(NOW));
      const dealDoc = o.dealDoc === undefined ? deal() : o.dealDoc;
      const ctx: WriteContext = { uid, nowMs: NOW, deal: dealDoc as WriteContext["deal"] };
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: `deals/${dealId}/messages/${id}`,
          method: "create",
          stored: null,
          next: data,
          documents: dealDoc ? { [`deals/${dealId}`]: dealDoc } : {},
        }),
        model: newMessageVerdict(ctx, dealId, id, data),
      };
    },
  };
}
const msg = (over: Data = {}, text: string | null = "Hi", attachments: Attachment[] = []) => ({
  ...newMessage({ senderId: brand, senderSide: "brand", text, attachments }, at(NOW)),
  ...over,
});
const withoutKey = (data: Data, key: string) => Object.fromEntries(Object.entries(data).filter(([k]) => k !== key));
const emoji = "😀"; // two UTF-16 code units

describe("new messages: firestore.rules and the model agree", () => {
  check([
    createCase("a plain text message", true, {}),
    createCase("text at limits.textMaxLength", true, { data: msg({}, "x".repeat(limits.textMaxLength)) }),
    createCase("text one past limits.textMaxLength", false, { data: msg({}, "x".repeat(limits.textMaxLength + 1)) }),
    createCase("emoji text at the limit in UTF-16 units", true, { data: msg({}, emoji.repeat(limits.textMaxLength / 2)) }),
    createCase("emoji text one emoji past the limit", false, { data: msg({}, emoji.repeat(limits.textMaxLength / 2 + 1)) }),
    createCase("text that is not a string", false, { data: msg({ text: 42 }) }),
    createCase("no text and no attachment", false, { data: msg({}, null) }),
    createCase("empty text", false, { data: msg({}, "") }),
    createCase("spaces only", false, { data: msg({}, "   ") }),
    createCase("tabs and line breaks only", false, { data: msg({}, "\t\r\n\u000b\u000c") }),
    createCase("zero-width spaces only", false, { data: msg({}, "\u200b\u200b") }),
    createCase("non-breaking and ideographic spaces only", false, { data: msg({}, "\u00a0\u202f\u3000") }),
    createCase("joiners, word joiner and byte-order marks only", false, { data: msg({}, "\u200c\u200d\u2060\ufeff") }),
    createCase("a visible character among invisible ones", true, { data: msg({}, "\u200b.\u200b") }),
    createCase("blank text with an attachment", true, { data: msg({}, "\u200b", [file()]) }),
    createCase("an attachment without text", true, { data: msg({}, null, [file()]) }),
    createCase("limits.attachmentsPerMessage attachments", true, { data: msg({}, null, files(limits.attachmentsPerMessage)) }),
    createCase("one attachment past the limit", false, { data: msg({}, null, files(limits.attachmentsPerMessage + 1)) }),
    createCase("hasAttachments disagreeing with the list", false, { data: msg({ hasAttachments: false }, null, [file()]) }),
    createCase("an attachment of limits.attachmentMaxBytes", true, { data: msg({}, null, [file({ size: limits.attachmentMaxBytes })]) }),
    createCase("an attachment one byte past the limit", false, { data: msg({}, null, [file({ size: limits.attachmentMaxBytes + 1 })]) }),
    createCase("a video of limits.videoMaxBytes", true, { data: msg({}, null, [file({ contentType: "video/mp4", size: limits.videoMaxBytes })]) }),
    createCase("a video one byte past limits.videoMaxBytes", false, {
      data: msg({}, null, [file({ contentType: "video/quicktime", size: limits.videoMaxBytes + 1 })]),
    }),
    createCase("a PDF of limits.videoMaxBytes (only videos get the larger bound)", false, { data: msg({}, null, [file({ size: limits.videoMaxBytes })]) }),
    createCase("a client-written verification (platform-owned)", false, {
      data: msg({}, null, [{ ...file(), verification: { status: "verified", checkedAt: at(NOW) } } as Attachment]),
    }),
    createCase("an empty attachment", false, { data: msg({}, null, [file({ size: 0 })]) }),
    createCase("a fractional attachment size", false, { data: msg({}, null, [file({ size: 1.5 })]) }),
    createCase("a file name of limits.fileNameMaxLength characters", true, {
      data: msg({}, null, [file({ name: `${"n".repeat(limits.fileNameMaxLength - 4)}.pdf` })]),
    }),
    createCase("a file name one character too long", false, { data: msg({}, null, [file({ name: `${"n".repeat(limits.fileNameMaxLength - 3)}.pdf` })]) }),
    createCase("a file name with a slash", false, { data: msg({}, null, [file({ name: "a/b.pdf" })]) }),
    createCase("a file name with a backslash", false, { data: msg({}, null, [file({ name: "a\\b.pdf" })]) }),
    createCase("a file name with a NUL", false, { data: msg({}, null, [file({ name: "a\u0000.pdf" })]) }),
    createCase("a file name with a line break", false, { data: msg({}, null, [file({ name: "a\n.pdf" })]) }),
    createCase("a file name with DEL", false, { data: msg({}, null, [file({ name: "a\u007f.pdf" })]) }),
    createCase("a file name with a C1 control", false, { data: msg({}, null, [file({ name: "a\u0085.pdf" })]) }),
    createCase("a file name '..'", false, { data: msg({}, null, [file({ name: ".." })]) }),
    createCase("a file name '.'", false, { data: msg({}, null, [file({ name: "." })]) }),
    createCase("a file name '...'", true, { data: msg({}, null, [file({ name: "..." })]) }),
    createCase("a non-Latin file name", true, { data: msg({}, null, [file({ name: "Angebot – Frühling 春.pdf" })]) }),
    ...attachmentContentTypes.map((type) => createCase(`content type ${type}`, true, { data: msg({}, null, [file({ contentType: type })]) })),
    ...[
      "image/svg+xml",
      "image/jpg",
      "application/pdfx",
      "text/plain",
      "IMAGE/PNG",
      "application/x-msdownload",
      "video/x-msvideo",
      "image/heic",
      "application/vnd.ms-excel.sheet.macroEnabled.12",
    ].map((type) => createCase(`content type ${type}`, false, { data: msg({}, null, [file({ contentType: type as Attachment["contentType"] })]) })),
    // Rules have no loops: every unrolled position must be checked.
    ...Array.from({ length: limits.attachmentsPerMessage }, (_, i) =>
      createCase(`an invalid attachment at position ${i + 1} of ${limits.attachmentsPerMessage}`, false, {
        data: msg(
          {},
          null,
          files(limits.attachmentsPerMessage).map((f, j) => (j === i ? { ...f, size: 0 } : f)),
        ),
      }),
    ),
    createCase("an attachment stored in someone else's folder", false, { data: msg({}, null, [file({ storagePath: `${folder(influencer)}brief.pdf` })]) }),
    createCase("an attachment stored under another message", false, { data: msg({}, null, [file({ storagePath: `${folder(brand, "other")}brief.pdf` })]) }),
    createCase("an attachment with an unknown key", false, { data: msg({}, null, [{ ...file(), url: "https://x" } as Attachment]) }),
    createCase("an attachment without its size", false, { data: msg({}, null, [withoutKey(file(), "size") as Attachment]) }),
    createCase("an unknown key", false, { data: msg({ priority: "high" }) }),
    createCase("the tokenizer's search tokens", true, { data: msg({}, "Summer campaign brief") }),
    createCase("search tokens that do not match the text (only the writer's own message is affected)", true, { data: msg({ searchTokens: ["pwned"] }) }),
    createCase("no search tokens (an empty list)", true, { data: msg({ searchTokens: [] }) }),
    createCase("limits.searchTokensPerMessage search tokens", true, {
      data: msg({ searchTokens: Array.from({ length: limits.searchTokensPerMessage }, (_, i) => `t${i}`) }),
    }),
    createCase("one search token past limits.searchTokensPerMessage", false, {
      data: msg({ searchTokens: Array.from({ length: limits.searchTokensPerMessage + 1 }, (_, i) => `t${i}`) }),
    }),
    createCase("search tokens that are not a list", false, { data: msg({ searchTokens: "hi" }) }),
    createCase("search tokens as a map", false, { data: msg({ searchTokens: { 0: "hi" } }) }),
    createCase("a platform field (responseTimeMs)", false, { data: msg({ responseTimeMs: 1 }) }),
    createCase("a platform field (statusChange: a forged deal closing)", false, { data: msg({ statusChange: { from: "active", to: "completed" } }) }),
    ...Object.keys(msg()).map((key) => createCase(`without ${key}`, false, { data: withoutKey(msg(), key) })),
    createCase("a spoofed sender", false, { data: msg({ senderId: influencer }) }),
    createCase("the other side", false, { data: msg({ senderSide: "influencer" }) }),
    createCase("a system message from a client", false, { data: msg({ senderSide: "system" }) }),
    createCase("a client-clock createdAt", false, { data: msg({ createdAt: at(NOW - 1) }) }),
    createCase("already edited", false, { data: msg({ editedAt: at(NOW) }) }),
    createCase("already tombstoned", false, { data: msg({ deleted: true }) }),
    createCase("the influencer on their side", true, { uid: influencer, data: msg({ senderId: influencer, senderSide: "influencer" }) }),
    createCase("a stranger", false, { uid: "stranger", data: msg({ senderId: "stranger" }) }),
    createCase("unauthenticated", false, { uid: null }),
    createCase("under a deal that does not exist", false, { dealDoc: null }),
    createCase("a uid only in participants (not brandId/influencerId)", false, {
      uid: "intruder",
      data: msg({ senderId: "intruder" }),
      dealDoc: deal("active", { participants: [brand, "intruder"] }),
    }),
    createCase("a brand whose participants entry is stale", true, { dealDoc: deal("active", { participants: ["someone-else", influencer] }) }),
    ...dealStatuses.map((status) => createCase(`a deal that is ${status}`, status === "open" || status === "active", { dealDoc: deal(status) })),
    createCase("a deal with an unknown status", false, { dealDoc: deal("archived") }),
    createCase(`an id of ${idMaxLength} characters`, true, { id: "a".repeat(idMaxLength), data: msg() }),
    createCase(`an id of ${idMaxLength + 1} characters`, false, { id: "a".repeat(idMaxLength + 1), data: msg() }),
    ...["with.dot", "with space", "ümlaut", "with%25", "with~tilde"].map((id) => createCase(`an id ${JSON.stringify(id)}`, false, { id })),
    ...["AZaz09", "with_underscore", "with-dash"].map((id) => createCase(`an id ${JSON.stringify(id)}`, true, { id })),
  ]);
});

// ---- edits and tombstones ----------------------------------------------------------------------------------

function updateCase(name: string, expected: boolean, o: { stored?: Data; change: Data; uid?: string; dealDoc?: Data }): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? brand;
      const stored = o.stored ?? { ...msg({ createdAt: at(NOW - 60_000) }), searchTokens: ["hi"] };
      const next = applyUpdate(stored, o.change);
      const dealDoc = o.dealDoc ?? deal();
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: `deals/${dealId}/messages/${messageId}`,
          method: "update",
          stored,
          next,
          documents: { [`deals/${dealId}`]: dealDoc },
        }),
        model: messageUpdateVerdict({ uid, nowMs: NOW, deal: dealDoc as WriteContext["deal"] }, stored, next),
      };
    },
  };
}
const created = (agoMs: number, over: Data = {}) => ({ ...msg({ createdAt: at(NOW - agoMs) }), ...over });

describe("edits and tombstones: firestore.rules and the model agree", () => {
  check([
    updateCase("an edit", true, { change: textEdit("Hello", at(NOW)) }),
    updateCase("an edit at the text limit", true, { change: textEdit("x".repeat(limits.textMaxLength), at(NOW)) }),
    updateCase("an edit one past the text limit", false, { change: textEdit("x".repeat(limits.textMaxLength + 1), at(NOW)) }),
    updateCase("an edit to blank text", false, { change: textEdit("\u00a0\u200b", at(NOW)) }),
    updateCase("an edit with a client-clock editedAt", false, { change: textEdit("Hello", at(NOW - 5)) }),
    updateCase("an edit just inside the window", true, { stored: created(limits.editWindowMs - 1), change: textEdit("Hello", at(NOW)) }),
    updateCase("an edit when the window has closed", false, { stored: created(limits.editWindowMs), change: textEdit("Hello", at(NOW)) }),
    updateCase("a second edit after limits.editMinIntervalMs", true, {
      stored: created(60_000, { editedAt: at(NOW - limits.editMinIntervalMs) }),
      change: textEdit("Again", at(NOW)),
    }),
    updateCase("a second edit sooner than limits.editMinIntervalMs", false, {
      stored: created(60_000, { editedAt: at(NOW - limits.editMinIntervalMs + 1) }),
      change: textEdit("Again", at(NOW)),
    }),
    updateCase("an edit that also changes the sender", false, { change: { ...textEdit("Hello", at(NOW)), senderId: influencer } }),
    updateCase("an edit with the new text's search tokens", true, { change: textEdit("Hello campaign", at(NOW)) }),
    updateCase("an edit that keeps the old search tokens (repaired by the trigger)", true, { change: { text: "Hello", editedAt: at(NOW) } }),
    updateCase("an edit with one search token past the limit", false, {
      change: { ...textEdit("Hello", at(NOW)), searchTokens: Array.from({ length: limits.searchTokensPerMessage + 1 }, (_, i) => `t${i}`) },
    }),
    updateCase("an edit with search tokens that are not a list", false, { change: { ...textEdit("Hello", at(NOW)), searchTokens: "hello" } }),
    updateCase("only the search tokens, without an edit", false, { change: { searchTokens: ["pwned"] } }),
    updateCase("a tombstone that keeps search tokens", false, { change: { ...tombstone(at(NOW)), searchTokens: ["hi"] } }),
    updateCase("a tombstone without the search-token list", false, { change: withoutKey(tombstone(at(NOW)), "searchTokens") }),
    updateCase("an edit by the other participant", false, { uid: influencer, change: textEdit("Hello", at(NOW)) }),
    updateCase("an edit on a completed deal", false, { dealDoc: deal("completed"), change: textEdit("Hello", at(NOW)) }),
    updateCase("an edit by an author no longer on that side", false, { dealDoc: deal("active", { brandId: "new-brand" }), change: textEdit("Hello", at(NOW)) }),
    updateCase("a tombstone", true, { change: tombstone(at(NOW)) }),
    updateCase("a tombstone right after an edit", true, { stored: created(60_000, { editedAt: at(NOW - 1) }), change: tombstone(at(NOW)) }),
    updateCase("a tombstone that keeps the text", false, { change: { ...tombstone(at(NOW)), text: "Hi" } }),
    updateCase("a tombstone with a client-clock time", false, { change: tombstone(at(NOW - 1)) }),
    updateCase("reviving a tombstone", false, {
      stored: created(60_000, tombstone(at(NOW - 1_000))),
      change: { deleted: false, deletedAt: null, text: "back" },
    }),
  ]);
});

// ---- read watermarks ----------------------------------------------------------------------------------------

function watermarkCase(name: string, expected: boolean, o: { uid?: string; change?: Data; stored?: Data; dealDoc?: Data | null }): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? brand;
      const stored = o.stored ?? initialConversation(dealId, deal() as Deal, at(NOW - 86_400_000));
      const next = applyUpdate(stored, o.change ?? watermarkMove("brand", at(NOW)));
      const dealDoc = o.dealDoc === undefined ? deal() : o.dealDoc;
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: `conversations/${dealId}`,
          method: "update",
          stored,
          next,
          documents: dealDoc ? { [`deals/${dealId}`]: dealDoc } : {},
        }),
        model: watermarkVerdict({ uid, nowMs: NOW, deal: dealDoc as WriteContext["deal"] }, stored, next),
      };
    },
  };
}
const conversationWith = (watermarks: Data, over: Data = {}) => ({
  ...initialConversation(dealId, deal() as Deal, at(NOW - 86_400_000)),
  readWatermark: watermarks,
  ...over,
});

describe("read watermarks: firestore.rules and the model agree", () => {
  check([
    watermarkCase("the brand marks read", true, {}),
    watermarkCase("the influencer marks read", true, { uid: influencer, change: watermarkMove("influencer", at(NOW)) }),
    watermarkCase("moving the other side's watermark", false, { change: watermarkMove("influencer", at(NOW)) }),
    watermarkCase("a watermark in the past", false, { change: watermarkMove("brand", at(NOW - 10)) }),
    watermarkCase("a watermark in the future", false, { change: watermarkMove("brand", at(NOW + 10)) }),
    watermarkCase("a watermark that is not a timestamp", false, { change: { "readWatermark.brand": "now" } }),
    watermarkCase("a move limits.watermarkMinIntervalMs after the last", true, {
      stored: conversationWith({ brand: at(NOW - limits.watermarkMinIntervalMs), influencer: null }),
    }),
    watermarkCase("a move sooner than limits.watermarkMinIntervalMs", false, {
      stored: conversationWith({ brand: at(NOW - limits.watermarkMinIntervalMs + 1), influencer: null }),
    }),
    watermarkCase("clearing the unread counter too", false, {
      stored: conversationWith({ brand: null, influencer: null }, { unread: { brand: 3, influencer: 0 } }),
      change: { ...watermarkMove("brand", at(NOW)), "unread.brand": 0 },
    }),
    watermarkCase("on a completed deal", true, { dealDoc: deal("completed") }),
    watermarkCase("on a cancelled deal", true, { dealDoc: deal("cancelled") }),
    watermarkCase("a stranger", false, { uid: "stranger" }),
    watermarkCase("a brand removed from the deal, entry not yet updated", false, {
      dealDoc: deal("active", { brandId: "new-brand", participants: ["new-brand", influencer] }),
    }),
    watermarkCase("the new brand before the entry is updated", true, {
      uid: "new-brand",
      dealDoc: deal("active", { brandId: "new-brand", participants: ["new-brand", influencer] }),
    }),
    watermarkCase("a removed brand still listed in participants", false, { dealDoc: deal("active", { brandId: "new-brand" }) }),
    watermarkCase("when the deal is gone", false, { dealDoc: null }),
  ]);
});

// ---- typing --------------------------------------------------------------------------------------------------

function typingCase(name: string, expected: boolean, o: { uid?: string; typist?: string; stored?: Data | null; data?: Data; dealDoc?: Data }): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? brand;
      const typist = o.typist ?? uid;
      const stored = o.stored === undefined ? null : o.stored;
      const data = o.data ?? typingOn("brand", at(NOW), at(NOW + limits.typingTtlMs));
      const dealDoc = o.dealDoc ?? deal();
      return {
        rules: firestoreAllows(rules, {
          uid,
          nowMs: NOW,
          path: `deals/${dealId}/typing/${typist}`,
          method: stored ? "update" : "create",
          stored,
          next: data,
          documents: { [`deals/${dealId}`]: dealDoc },
        }),
        model: typingVerdict({ uid, nowMs: NOW, deal: dealDoc as WriteContext["deal"] }, typist, stored, data),
      };
    },
  };
}
const typingWritten = (agoMs: number, on: boolean) =>
  on ? typingOn("brand", at(NOW - agoMs), at(NOW - agoMs + limits.typingTtlMs)) : typingOff("brand", at(NOW - agoMs));

describe("typing: firestore.rules and the model agree", () => {
  check([
    typingCase("switching on", true, {}),
    typingCase("an expiry at limits.typingMaxTtlMs", true, { data: typingOn("brand", at(NOW), at(NOW + limits.typingMaxTtlMs)) }),
    typingCase("an expiry one ms past limits.typingMaxTtlMs", false, { data: typingOn("brand", at(NOW), at(NOW + limits.typingMaxTtlMs + 1)) }),
    typingCase("an expiry in the past", false, { data: typingOn("brand", at(NOW), at(NOW - 1)) }),
    typingCase("switching off (expires now)", true, { data: typingOff("brand", at(NOW)) }),
    typingCase("another user's document", false, { typist: influencer }),
    typingCase("the other side", false, { data: typingOn("influencer", at(NOW), at(NOW + 1_000)) }),
    typingCase("an unknown field", false, { data: { ...typingOn("brand", at(NOW), at(NOW + 1_000)), draft: "..." } }),
    typingCase("on a completed deal", false, { dealDoc: deal("completed") }),
    typingCase("a refresh limits.typingMinIntervalMs after the last write", true, { stored: typingWritten(limits.typingMinIntervalMs, true) }),
    typingCase("a refresh sooner than limits.typingMinIntervalMs", false, { stored: typingWritten(limits.typingMinIntervalMs - 1, true) }),
    typingCase("switching an indicator that is on off at once", true, { stored: typingWritten(1, true), data: typingOff("brand", at(NOW)) }),
    typingCase("switching off again right after switching off", false, { stored: typingWritten(1, false), data: typingOff("brand", at(NOW)) }),
    typingCase("switching on right after switching off", false, { stored: typingWritten(1, false) }),
    typingCase("switching on limits.typingMinIntervalMs after switching off", true, { stored: typingWritten(limits.typingMinIntervalMs, false) }),
  ]);
});

// ---- presence -----------------------------------------------------------------------------------------------

function presenceCase(name: string, expected: boolean, o: { uid?: string; owner?: string; stored?: Data | null; data?: Data }): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? brand;
      const owner = o.owner ?? uid;
      const stored = o.stored === undefined ? null : o.stored;
      const data = o.data ?? presenceDoc(at(NOW), { tab: presenceEntry(at(NOW), at(NOW + limits.presenceTtlMs)) });
      return {
        rules: firestoreAllows(rules, { uid, nowMs: NOW, path: `presence/${owner}`, method: stored ? "update" : "create", stored, next: data }),
        model: presenceVerdict({ uid, nowMs: NOW, deal: null }, owner, stored, data),
      };
    },
  };
}
const tabs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`tab${i}`, presenceEntry(at(NOW), at(NOW + limits.presenceTtlMs))]));

describe("presence: firestore.rules and the model agree", () => {
  check([
    presenceCase("going online", true, {}),
    presenceCase("someone else's document", false, { owner: influencer }),
    presenceCase("limits.presenceMaxConnections connections", true, { data: presenceDoc(at(NOW), tabs(limits.presenceMaxConnections)) }),
    presenceCase("one connection too many", false, { data: presenceDoc(at(NOW), tabs(limits.presenceMaxConnections + 1)) }),
    presenceCase("an expiry at limits.presenceMaxTtlMs", true, {
      data: presenceDoc(at(NOW), { tab: presenceEntry(at(NOW), at(NOW + limits.presenceMaxTtlMs)) }),
    }),
    presenceCase("an expiry past limits.presenceMaxTtlMs", false, {
      data: presenceDoc(at(NOW), { tab: presenceEntry(at(NOW), at(NOW + limits.presenceMaxTtlMs + 1)) }),
    }),
    ...Array.from({ length: limits.presenceMaxConnections }, (_, i) =>
      presenceCase(`an expired connection at position ${i + 1} of ${limits.presenceMaxConnections}`, false, {
        data: presenceDoc(
          at(NOW),
          Object.fromEntries(Object.entries(tabs(limits.presenceMaxConnections)).map(([id, c], j) => [id, j === i ? presenceEntry(at(NOW), at(NOW - 1)) : c])),
        ),
      }),
    ),
    presenceCase("a connection id outside the id alphabet", false, { data: presenceDoc(at(NOW), { "tab.1": presenceEntry(at(NOW), at(NOW + 1_000)) }) }),
    presenceCase("a connection with an extra field", false, {
      data: presenceDoc(at(NOW), { tab: { ...presenceEntry(at(NOW), at(NOW + 1_000)), device: "x" } }),
    }),
    presenceCase("a client-clock lastSeen", false, { data: presenceDoc(at(NOW - 1), {}) }),
    presenceCase("a heartbeat limits.presenceMinIntervalMs after the last write", true, {
      stored: presenceDoc(at(NOW - limits.presenceMinIntervalMs), tabs(1)),
    }),
    presenceCase("a heartbeat sooner than limits.presenceMinIntervalMs", false, { stored: presenceDoc(at(NOW - limits.presenceMinIntervalMs + 1), tabs(1)) }),
  ]);

  it("reading a known user is allowed, listing every user and deleting are not", () => {
    const stored = presenceDoc(at(NOW), tabs(1));
    expect(firestoreAllows(rules, { uid: "stranger", nowMs: NOW, path: `presence/${brand}`, method: "get", stored, next: undefined })).toBe(true);
    expect(firestoreAllows(rules, { uid: null, nowMs: NOW, path: `presence/${brand}`, method: "get", stored })).toBe(false);
    expect(firestoreAllows(rules, { uid: brand, nowMs: NOW, path: `presence/${brand}`, method: "list", stored })).toBe(false);
    expect(firestoreAllows(rules, { uid: brand, nowMs: NOW, path: `presence/${brand}`, method: "delete", stored })).toBe(false);
    // A connection leaving is an update that removes its entry, paced like any other.
    const left = applyUpdate(stored, { [presenceConnectionField("tab0")]: undefined, lastSeen: at(NOW + limits.presenceMinIntervalMs) });
    expect(
      firestoreAllows(rules, { uid: brand, nowMs: NOW + limits.presenceMinIntervalMs, path: `presence/${brand}`, method: "update", stored, next: left }),
    ).toBe(true);
  });
});

// ---- responseStats/{uid} -----------------------------------------------------------------------------------

describe("responseStats: the owner reads, nobody writes", () => {
  const stored = userResponseStats(influencer, {}, at(NOW));
  const as = (uid: string | null, method: "get" | "list" | "create" | "update" | "delete", next?: Data) =>
    firestoreAllows(rules, { uid, nowMs: NOW, path: `responseStats/${influencer}`, method, stored: method === "create" ? null : stored, next });
  it("get by the owner only", () => {
    expect(as(influencer, "get")).toBe(true);
    expect(as(brand, "get")).toBe(false);
    expect(as(null, "get")).toBe(false);
    expect(as(influencer, "list")).toBe(false);
  });
  it("no client write, not even the owner's, and none of its fields is a client field", () => {
    expect(fieldOwnership.responseStats.client).toEqual([]);
    expect(as(influencer, "create", stored)).toBe(false);
    expect(as(influencer, "update", { ...stored, windows: {} })).toBe(false);
    expect(as(influencer, "delete")).toBe(false);
  });
});

// ---- reads -------------------------------------------------------------------------------------------------

describe("reads decide membership from brandId and influencerId only", () => {
  const dealDoc = deal("active", { participants: [brand, "intruder"] });
  const read = (uid: string, path: string, stored: Data | null) =>
    firestoreAllows(rules, { uid, nowMs: NOW, path, method: "get", stored, documents: { [`deals/${dealId}`]: dealDoc } });
  it("the deal", () => {
    expect(read(brand, `deals/${dealId}`, dealDoc)).toBe(true);
    expect(read(influencer, `deals/${dealId}`, dealDoc)).toBe(true);
    expect(read("intruder", `deals/${dealId}`, dealDoc)).toBe(false);
  });
  it("a deal that does not exist reads as missing for a signed-in user (the SDK's not-found), never without sign-in", () => {
    expect(read("intruder", "deals/no-such-deal", null)).toBe(true);
    expect(firestoreAllows(rules, { uid: null, nowMs: NOW, path: "deals/no-such-deal", method: "get", stored: null })).toBe(false);
    expect(read("intruder", "deals/no-such-deal/messages/m1", null)).toBe(false);
  });
  it("messages and typing", () => {
    expect(read(brand, `deals/${dealId}/messages/${messageId}`, msg())).toBe(true);
    expect(read("intruder", `deals/${dealId}/messages/${messageId}`, msg())).toBe(false);
    expect(read("intruder", `deals/${dealId}/typing/${brand}`, typingWritten(0, true))).toBe(false);
  });
});

// ---- notifications (cases in notifications-cases.ts) ----------------------------------------------------------

describe("notification documents: firestore.rules and the model agree", () => {
  check(notificationVerdictCases());
});

// ---- the cases can fail ----------------------------------------------------------------------------------------

suite.catchesDriftedLimits();
