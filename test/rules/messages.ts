// deals/{dealId}/messages/{messageId}: who reads, who creates what, edits, tombstones and hard deletes.
import {
  collection,
  collectionGroup,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  limit,
  orderBy,
  query,
  serverTimestamp,
  setDoc,
  Timestamp,
  updateDoc,
  where,
  type Firestore,
} from "firebase/firestore";
import { describe, expect, it } from "vitest";
import { newMessageFields } from "../support/messages.ts";
import { attachmentContentTypes, limits, messageHistoryQuery, storagePaths } from "@dealchat/model";
import { uniqueId } from "../support/emulators.ts";
import { expectOutcome, roles, seedDeal, type DealFixture, type Role } from "./harness.ts";
import { toWebQuery } from "@dealchat/client-sdk";

type Data = Record<string, unknown>;

const participantSide = { brand: "brand", influencer: "influencer" } as const;

/** A valid new message as `sender` would send it: client-generated id, server createdAt. */
function newMessage(senderId: string, side: string, overrides: Data = {}): Data {
  return newMessageFields(senderId, side, { text: "Hello from the matrix", ...overrides });
}

/** An attachment as the sender would describe it; an override of `undefined` drops the field. */
function attachment(f: DealFixture, senderId: string, messageId: string, overrides: Data = {}): Data {
  const name = (overrides.name as string | undefined) ?? "brief.pdf";
  return withoutUndefined({
    name,
    size: 1024,
    contentType: "application/pdf",
    storagePath: storagePaths.attachment(f.dealId, senderId, messageId, name),
    ...overrides,
  });
}

function withoutUndefined(data: Data): Data {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
}

/** A message stored by the platform (rules disabled), e.g. one created long ago. */
async function seedMessage(f: DealFixture, overrides: Data = {}, createdAgoMs = 0): Promise<string> {
  const messageId = uniqueId("msg");
  const createdAt = Timestamp.fromMillis(Date.now() - createdAgoMs);
  await f.admin((db) =>
    setDoc(doc(db, "deals", f.dealId, "messages", messageId), {
      ...newMessage(f.brandId, "brand"),
      createdAt,
      searchTokens: ["hello", "from", "the", "matrix"],
      ...overrides,
    }),
  );
  return messageId;
}

const createAs = (f: DealFixture, role: Role, messageId: string, data: Data) => () => setDoc(doc(f.as(role), "deals", f.dealId, "messages", messageId), data);

export function describeMessageRules(): void {
  describe("messages: read", () => {
    it.each(roles.map((role) => [role, role === "brand" || role === "influencer"] as const))(
      "%s reading one message and listing the deal's messages → allowed %s",
      async (role, allowed) => {
        const f = await seedDeal();
        const messageId = await seedMessage(f);
        const db = f.as(role);
        await expectOutcome(allowed, `${role} get`, () => getDoc(doc(db, "deals", f.dealId, "messages", messageId)));
        await expectOutcome(allowed, `${role} history query`, () => getDocs(toWebQuery(db, messageHistoryQuery({ dealId: f.dealId }))));
        await expectOutcome(allowed, `${role} plain list`, () => getDocs(collection(db, "deals", f.dealId, "messages")));
      },
    );

    it("participants run every message-history filter combination", async () => {
      const f = await seedDeal();
      await seedMessage(f);
      const from = Timestamp.fromMillis(Date.now() - 3_600_000);
      const to = Timestamp.fromMillis(Date.now() + 3_600_000);
      for (const searchToken of [undefined, "hello"])
        for (const senderSide of [undefined, "brand", "system"] as const)
          for (const attachmentsOnly of [undefined, true])
            for (const range of [{}, { from }, { to }, { from, to }]) {
              const spec = messageHistoryQuery({
                dealId: f.dealId,
                ...range,
                ...(searchToken ? { searchToken } : {}),
                ...(senderSide ? { senderSide } : {}),
                ...(attachmentsOnly ? { attachmentsOnly } : {}),
              });
              await expectOutcome(true, `influencer history ${JSON.stringify(spec.filters.map((x) => x.field + x.op))}`, () =>
                getDocs(toWebQuery(f.as("influencer"), spec)),
              );
            }
    });

    it("collection-group queries on messages are denied to every client, whatever they filter on", async () => {
      const f = await seedDeal();
      await seedMessage(f);
      for (const role of roles) {
        const db = f.as(role);
        await expectOutcome(false, `${role} collection group`, () => getDocs(query(collectionGroup(db, "messages"), limit(10))));
        const uid = f.uidOf(role);
        if (uid) {
          await expectOutcome(false, `${role} collection group on own senderId`, () =>
            getDocs(query(collectionGroup(db, "messages"), where("senderId", "==", uid), orderBy("createdAt", "desc"), limit(10))),
          );
        }
      }
      // The platform can (admin SDK bypasses rules), which proves the data is there to leak.
      const all = await f.admin((db) => getDocs(query(collectionGroup(db, "messages"), where("senderId", "==", f.brandId))));
      expect(all.size).toBeGreaterThan(0);
    });

    it("a participant of another deal cannot list this deal's messages, even naming the deal in a filter", async () => {
      const f = await seedDeal();
      await seedMessage(f);
      const db = f.as("otherDealParticipant");
      await expectOutcome(false, "other deal participant list with senderId filter", () =>
        getDocs(query(collection(db, "deals", f.dealId, "messages"), where("senderId", "==", f.otherDealBrandId))),
      );
    });
  });

  describe("messages: create", () => {
    it.each(roles.map((role) => [role, role === "brand" || role === "influencer"] as const))(
      "%s sending a well-formed message as themself → allowed %s",
      async (role, allowed) => {
        const f = await seedDeal();
        const uid = f.uidOf(role) ?? "nobody";
        const side = role === "influencer" ? "influencer" : "brand";
        const messageId = uniqueId("msg");
        await expectOutcome(allowed, `${role} create`, createAs(f, role, messageId, newMessage(uid, side)));
      },
    );

    it("the stored message carries the server's createdAt", async () => {
      const f = await seedDeal();
      const messageId = uniqueId("msg");
      const before = Date.now();
      await createAs(f, "brand", messageId, newMessage(f.brandId, "brand"))();
      const stored = await f.admin((db) => getDoc(doc(db, "deals", f.dealId, "messages", messageId)));
      expect((stored.get("createdAt") as Timestamp).toMillis()).toBeGreaterThanOrEqual(before - 5_000);
    });

    // [case, sender role, allowed, overrides (a function of the fixture, message id and sender uid)]
    type CreateCase = [string, "brand" | "influencer", boolean, (f: DealFixture, id: string, uid: string) => Data];
    const longText = (n: number) => "x".repeat(n);
    const createCases: CreateCase[] = [
      ["spoofed senderId (the other participant)", "brand", false, (f) => ({ senderId: f.influencerId })],
      ["spoofed senderSide (the other side)", "brand", false, () => ({ senderSide: "influencer" })],
      ["influencer claiming the brand side", "influencer", false, () => ({ senderSide: "brand" })],
      ["system side from a client", "brand", false, () => ({ senderSide: "system" })],
      ["forged createdAt (client clock)", "brand", false, () => ({ createdAt: Timestamp.now() })],
      ["forged createdAt (backdated)", "brand", false, () => ({ createdAt: Timestamp.fromMillis(Date.now() - 86_400_000) })],
      // Client-written search tokens: a bounded list (rules cannot check each token; a wrong one only affects
      // which searches find the writer's own message, and the trigger repairs it).
      ["search tokens that do not match the text", "brand", true, () => ({ searchTokens: ["pwned"] })],
      ["an empty search-token list", "influencer", true, () => ({ searchTokens: [] })],
      [
        "limits.searchTokensPerMessage search tokens",
        "brand",
        true,
        () => ({ searchTokens: Array.from({ length: limits.searchTokensPerMessage }, (_, i) => `t${i}`) }),
      ],
      [
        "one search token past the limit",
        "brand",
        false,
        () => ({ searchTokens: Array.from({ length: limits.searchTokensPerMessage + 1 }, (_, i) => `t${i}`) }),
      ],
      ["search tokens that are not a list", "brand", false, () => ({ searchTokens: "hello" })],
      ["missing searchTokens", "brand", false, () => ({ searchTokens: undefined })],
      ["injected responseTimeMs", "influencer", false, () => ({ responseTimeMs: 1 })],
      ["injected statusChange (a forged closing would pause the clock)", "influencer", false, () => ({ statusChange: { from: "active", to: "completed" } })],
      ["unknown field", "brand", false, () => ({ priority: "high" })],
      ["pre-set editedAt", "brand", false, () => ({ editedAt: serverTimestamp() })],
      ["born deleted", "brand", false, () => ({ deleted: true })],
      ["pre-set deletedAt", "brand", false, () => ({ deletedAt: serverTimestamp() })],
      ["missing hasAttachments", "brand", false, () => ({ hasAttachments: undefined })],
      ["text at the limit", "brand", true, () => ({ text: longText(limits.textMaxLength) })],
      ["text one over the limit", "brand", false, () => ({ text: longText(limits.textMaxLength + 1) })],
      ["empty text and no attachments", "brand", false, () => ({ text: "" })],
      ["blank text and no attachments", "brand", false, () => ({ text: "  \n " })],
      ["zero-width spaces only", "brand", false, () => ({ text: "\u200b\u200b\u200b" })],
      ["non-breaking and ideographic spaces only", "brand", false, () => ({ text: "\u00a0\u202f\u3000" })],
      ["joiners and byte-order marks only", "brand", false, () => ({ text: "\u200c\u200d\u2060\ufeff" })],
      ["a visible character among invisible ones", "brand", true, () => ({ text: "\u200b.\u200b" })],
      // size() counts UTF-16 code units, as zod's maxLength does: 2000 emoji fill the limit, one more is refused.
      ["emoji filling the limit in UTF-16 units", "brand", true, () => ({ text: "😀".repeat(limits.textMaxLength / 2) })],
      ["emoji one past the limit", "brand", false, () => ({ text: "😀".repeat(limits.textMaxLength / 2 + 1) })],
      ["null text and no attachments", "brand", false, () => ({ text: null })],
      ["text of the wrong type", "brand", false, () => ({ text: 42 })],
      ["hasAttachments true without attachments", "brand", false, () => ({ hasAttachments: true })],
      ["attachments not a list", "brand", false, () => ({ attachments: { 0: "x" }, hasAttachments: true })],
      ["attachment-only message (text null)", "brand", true, (f, id, uid) => ({ text: null, attachments: [attachment(f, uid, id)], hasAttachments: true })],
      ["attachments with hasAttachments false", "influencer", false, (f, id, uid) => ({ attachments: [attachment(f, uid, id)], hasAttachments: false })],
      [
        "attachments at the count limit",
        "brand",
        true,
        (f, id, uid) => ({
          attachments: Array.from({ length: limits.attachmentsPerMessage }, (_, i) => attachment(f, uid, id, { name: `f${i}.pdf` })),
          hasAttachments: true,
        }),
      ],
      [
        "attachments one over the count limit",
        "brand",
        false,
        (f, id, uid) => ({
          attachments: Array.from({ length: limits.attachmentsPerMessage + 1 }, (_, i) => attachment(f, uid, id, { name: `f${i}.pdf` })),
          hasAttachments: true,
        }),
      ],
      [
        "attachment at the size limit",
        "brand",
        true,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { size: limits.attachmentMaxBytes })], hasAttachments: true }),
      ],
      [
        "attachment one byte over the size limit",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { size: limits.attachmentMaxBytes + 1 })], hasAttachments: true }),
      ],
      [
        "video at limits.videoMaxBytes",
        "brand",
        true,
        (f, id, uid) => ({
          attachments: [attachment(f, uid, id, { name: "draft.mp4", contentType: "video/mp4", size: limits.videoMaxBytes })],
          hasAttachments: true,
        }),
      ],
      [
        "video one byte over limits.videoMaxBytes",
        "brand",
        false,
        (f, id, uid) => ({
          attachments: [attachment(f, uid, id, { name: "draft.mov", contentType: "video/quicktime", size: limits.videoMaxBytes + 1 })],
          hasAttachments: true,
        }),
      ],
      [
        "attachment with a client-written verification (platform-owned)",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [{ ...attachment(f, uid, id), verification: { status: "verified" } }], hasAttachments: true }),
      ],
      ["empty attachment", "brand", false, (f, id, uid) => ({ attachments: [attachment(f, uid, id, { size: 0 })], hasAttachments: true })],
      ["fractional attachment size", "brand", false, (f, id, uid) => ({ attachments: [attachment(f, uid, id, { size: 10.5 })], hasAttachments: true })],
      [
        "content type outside the allow-list (html)",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { contentType: "text/html" })], hasAttachments: true }),
      ],
      [
        "content type outside the allow-list (exe)",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { contentType: "application/x-msdownload" })], hasAttachments: true }),
      ],
      [
        "file name at the length limit",
        "brand",
        true,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { name: longText(limits.fileNameMaxLength) })], hasAttachments: true }),
      ],
      [
        "file name over the length limit",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { name: longText(limits.fileNameMaxLength + 1) })], hasAttachments: true }),
      ],
      ["file name with a slash", "brand", false, (f, id, uid) => ({ attachments: [attachment(f, uid, id, { name: "a/b.pdf" })], hasAttachments: true })],
      ["file name with a backslash", "brand", false, (f, id, uid) => ({ attachments: [attachment(f, uid, id, { name: "a\\b.pdf" })], hasAttachments: true })],
      [
        "file name with a control character",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { name: "a\u0007.pdf" })], hasAttachments: true }),
      ],
      ["file name '..'", "brand", false, (f, id, uid) => ({ attachments: [attachment(f, uid, id, { name: ".." })], hasAttachments: true })],
      ["empty file name", "brand", false, (f, id, uid) => ({ attachments: [attachment(f, uid, id, { name: "" })], hasAttachments: true })],
      [
        "storage path in another deal",
        "brand",
        false,
        (f, id, uid) => ({
          attachments: [attachment(f, uid, id, { storagePath: storagePaths.attachment(f.otherDealId, uid, id, "brief.pdf") })],
          hasAttachments: true,
        }),
      ],
      ["storage path under the other participant", "brand", false, (f, id) => ({ attachments: [attachment(f, f.influencerId, id)], hasAttachments: true })],
      ["storage path of another message", "brand", false, (f, _id, uid) => ({ attachments: [attachment(f, uid, "another-message")], hasAttachments: true })],
      [
        "storage path naming another file",
        "brand",
        false,
        (f, id, uid) => ({
          attachments: [attachment(f, uid, id, { storagePath: storagePaths.attachment(f.dealId, uid, id, "other.pdf") })],
          hasAttachments: true,
        }),
      ],
      [
        "storage path escaping the folder",
        "brand",
        false,
        (f, id, uid) => ({
          attachments: [attachment(f, uid, id, { storagePath: `${storagePaths.messageFolder(f.dealId, uid, id)}/../../../x/brief.pdf` })],
          hasAttachments: true,
        }),
      ],
      [
        "attachment with an unknown field",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { downloadUrl: "https://example.test/x" })], hasAttachments: true }),
      ],
      [
        "attachment missing its content type",
        "brand",
        false,
        (f, id, uid) => ({ attachments: [attachment(f, uid, id, { contentType: undefined })], hasAttachments: true }),
      ],
      ["attachment that is not a map", "brand", false, () => ({ attachments: ["brief.pdf"], hasAttachments: true })],
      [
        "a bad tenth attachment",
        "brand",
        false,
        (f, id, uid) => ({
          attachments: Array.from({ length: 10 }, (_, i) => attachment(f, uid, id, { name: `f${i}.pdf`, ...(i === 9 ? { contentType: "text/html" } : {}) })),
          hasAttachments: true,
        }),
      ],
    ];

    it.each(createCases)("%s (as %s) → allowed %s", async (_name, senderRole, allowed, overrides) => {
      const f = await seedDeal();
      const uid = f.uidOf(senderRole)!;
      const messageId = uniqueId("msg");
      const data = withoutUndefined({ ...newMessage(uid, participantSide[senderRole]), ...overrides(f, messageId, uid) });
      await expectOutcome(allowed, _name, createAs(f, senderRole, messageId, data));
    });

    it("every allow-listed content type is accepted", async () => {
      const f = await seedDeal();
      for (const contentType of attachmentContentTypes) {
        const messageId = uniqueId("msg");
        const data = newMessage(f.influencerId, "influencer", {
          attachments: [attachment(f, f.influencerId, messageId, { contentType })],
          hasAttachments: true,
        });
        await expectOutcome(true, contentType, createAs(f, "influencer", messageId, data));
      }
    });

    it.each(["image/svg+xml", "application/pdf; x=1", "IMAGE/PNG", "application/vnd.ms-excelx", "text/plain", "image/"])(
      "content type %s, a near miss of the allow-list, is refused",
      async (contentType) => {
        const f = await seedDeal();
        const messageId = uniqueId("msg");
        const data = newMessage(f.brandId, "brand", { attachments: [attachment(f, f.brandId, messageId, { contentType })], hasAttachments: true });
        await expectOutcome(false, contentType, createAs(f, "brand", messageId, data));
      },
    );

    it("a message id outside the id alphabet is refused", async () => {
      const f = await seedDeal();
      const messageId = "bad.id";
      await expectOutcome(false, "dotted id", createAs(f, "brand", messageId, newMessage(f.brandId, "brand")));
    });

    it("a retried send of the same id fails instead of duplicating or overwriting", async () => {
      const f = await seedDeal();
      const messageId = uniqueId("msg");
      await expectOutcome(true, "first send", createAs(f, "brand", messageId, newMessage(f.brandId, "brand")));
      await expectOutcome(false, "retried send", createAs(f, "brand", messageId, newMessage(f.brandId, "brand", { text: "second" })));
      const stored = await f.admin((db) => getDoc(doc(db, "deals", f.dealId, "messages", messageId)));
      expect(stored.get("text")).toBe("Hello from the matrix");
    });

    it.each([
      ["open", true],
      ["active", true],
      ["completed", false],
      ["cancelled", false],
    ] as const)("sending into a %s deal → allowed %s", async (status, allowed) => {
      const f = await seedDeal(status);
      for (const role of ["brand", "influencer"] as const) {
        const messageId = uniqueId("msg");
        await expectOutcome(allowed, `${role} in ${status}`, createAs(f, role, messageId, newMessage(f.uidOf(role)!, role)));
      }
    });

    it("sending into a deal that does not exist is refused", async () => {
      const f = await seedDeal();
      const messageId = uniqueId("msg");
      await expectOutcome(false, "missing deal", () =>
        setDoc(doc(f.as("brand"), "deals", uniqueId("no-such-deal"), "messages", messageId), newMessage(f.brandId, "brand")),
      );
    });

    it("the platform (rules disabled) writes system messages; clients cannot", async () => {
      const f = await seedDeal();
      const messageId = uniqueId("sys");
      const system = newMessage("system", "system", { text: "Deal accepted", createdAt: Timestamp.now() });
      await expectOutcome(true, "admin system message", () => f.admin((db) => setDoc(doc(db, "deals", f.dealId, "messages", messageId), system)));
      const edit = { text: "Deal rejected", editedAt: serverTimestamp() };
      await expectOutcome(false, "brand editing a system message", () => updateDoc(doc(f.as("brand"), "deals", f.dealId, "messages", messageId), edit));
    });
  });

  describe("messages: edit, tombstone, delete", () => {
    const messageRef = (db: Firestore, f: DealFixture, id: string) => doc(db, "deals", f.dealId, "messages", id);
    const edit = (text: unknown = "Edited text"): Data => ({ text, editedAt: serverTimestamp() });
    const tombstone = (): Data => ({ deleted: true, deletedAt: serverTimestamp(), text: null, attachments: [], hasAttachments: false, searchTokens: [] });

    it.each(roles.map((role) => [role, role === "brand"] as const))("%s editing the brand's fresh message → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      const id = await seedMessage(f);
      await expectOutcome(allowed, `${role} edit`, () => updateDoc(messageRef(f.as(role), f, id), edit()));
    });

    it.each(roles.map((role) => [role, role === "brand"] as const))("%s tombstoning the brand's fresh message → allowed %s", async (role, allowed) => {
      const f = await seedDeal();
      const id = await seedMessage(f);
      await expectOutcome(allowed, `${role} tombstone`, () => updateDoc(messageRef(f.as(role), f, id), tombstone()));
    });

    it.each(roles.map((role) => [role] as const))("%s hard-deleting a message → denied (only the platform deletes)", async (role) => {
      const f = await seedDeal();
      const id = await seedMessage(f);
      await expectOutcome(false, `${role} delete`, () => deleteDoc(messageRef(f.as(role), f, id)));
      await expectOutcome(true, "admin delete", () => f.admin((db) => deleteDoc(messageRef(db, f, id))));
    });

    it("an edit stores the new text and the server's editedAt", async () => {
      const f = await seedDeal();
      const id = await seedMessage(f);
      await updateDoc(messageRef(f.as("brand"), f, id), edit("Fixed typo"));
      const stored = await f.admin((db) => getDoc(messageRef(db, f, id)));
      expect(stored.get("text")).toBe("Fixed typo");
      expect(stored.get("editedAt")).toBeInstanceOf(Timestamp);
    });

    // Seeded fields and changes that depend on the time are functions: they must be built when the case runs.
    type UpdateCase = [string, boolean, Data | (() => Data), number, Data | (() => Data)];
    const min = 60_000;
    const withAttachment = (f: DealFixture, id: string) => ({ attachments: [attachment(f, f.brandId, id)], hasAttachments: true });
    const updateCases: UpdateCase[] = [
      ["edit 4 minutes after sending", true, {}, 4 * min, edit()],
      ["edit 6 minutes after sending", false, {}, 6 * min, edit()],
      ["tombstone 4 minutes after sending", true, {}, 4 * min, tombstone],
      ["tombstone 6 minutes after sending", false, {}, 6 * min, tombstone],
      ["edit with a client editedAt", false, {}, 0, { text: "x", editedAt: Timestamp.now() }],
      ["edit without editedAt", false, {}, 0, { text: "x" }],
      ["edit text over the limit", false, {}, 0, edit("x".repeat(limits.textMaxLength + 1))],
      ["edit text at the limit", true, {}, 0, edit("x".repeat(limits.textMaxLength))],
      ["edit to blank text", false, {}, 0, edit("   ")],
      ["edit to zero-width spaces", false, {}, 0, edit("\u200b\u2060")],
      // Paced: one edit per limits.editMinIntervalMs, measured from the stored editedAt.
      ["a second edit at once", false, () => ({ editedAt: Timestamp.now() }), min, edit()],
      ["a second edit after the interval", true, () => ({ editedAt: Timestamp.fromMillis(Date.now() - limits.editMinIntervalMs - 500) }), min, edit()],
      ["a tombstone right after an edit", true, () => ({ editedAt: Timestamp.now() }), min, tombstone],
      ["edit to a non-string", false, {}, 0, edit(7)],
      ["edit that also moves createdAt", false, {}, 0, { ...edit(), createdAt: serverTimestamp() }],
      ["edit that changes the sender", false, {}, 0, () => ({ ...edit(), senderId: "someone-else" })],
      ["edit that changes the side", false, {}, 0, { ...edit(), senderSide: "influencer" }],
      ["edit with its new search tokens", true, {}, 0, { ...edit("Edited campaign"), searchTokens: ["edited", "campaign", "edi", "cam"] }],
      [
        "edit with one search token past the limit",
        false,
        {},
        0,
        { ...edit(), searchTokens: Array.from({ length: limits.searchTokensPerMessage + 1 }, (_, i) => `t${i}`) },
      ],
      ["search tokens alone, without an edit", false, {}, 0, { searchTokens: ["pwned"] }],
      ["tombstone keeping search tokens", false, {}, 0, { ...tombstone(), searchTokens: ["hello"] }],
      ["tombstone without clearing search tokens", false, {}, 0, () => Object.fromEntries(Object.entries(tombstone()).filter(([k]) => k !== "searchTokens"))],
      ["edit that injects responseTimeMs", false, {}, 0, { ...edit(), responseTimeMs: 0 }],
      ["edit that injects statusChange", false, {}, 0, { ...edit(), statusChange: { from: "completed", to: "active" } }],
      ["edit that adds attachments", false, {}, 0, { ...edit(), hasAttachments: true }],
      ["edit that adds an unknown field", false, {}, 0, { ...edit(), pinned: true }],
      ["partial tombstone keeping the text", false, {}, 0, { deleted: true, deletedAt: serverTimestamp(), attachments: [], hasAttachments: false }],
      ["tombstone with a client deletedAt", false, {}, 0, { ...tombstone(), deletedAt: Timestamp.now() }],
      ["tombstone keeping hasAttachments", false, {}, 0, { ...tombstone(), hasAttachments: true }],
      ["tombstone that also edits", false, {}, 0, { ...tombstone(), editedAt: serverTimestamp() }],
      ["marking deleted without deletedAt", false, {}, 0, { deleted: true, text: null, attachments: [], hasAttachments: false }],
      ["reviving a tombstone", false, { deleted: true, deletedAt: Timestamp.now(), text: null }, 0, { deleted: false, deletedAt: null, text: "back" }],
      ["editing a tombstone", false, { deleted: true, deletedAt: Timestamp.now(), text: null }, 0, edit()],
      ["re-tombstoning a tombstone", false, { deleted: true, deletedAt: Timestamp.now(), text: null }, 0, tombstone],
    ];

    it.each(updateCases)("brand: %s → allowed %s", async (name, allowed, seedOverrides, agoMs, change) => {
      const f = await seedDeal();
      const id = await seedMessage(f, typeof seedOverrides === "function" ? seedOverrides() : seedOverrides, agoMs);
      const data = typeof change === "function" ? change() : change;
      await expectOutcome(allowed, name, () => updateDoc(messageRef(f.as("brand"), f, id), data));
    });

    it("edit of an attachment message: text may go to null, attachments stay", async () => {
      const f = await seedDeal();
      const id = uniqueId("msg");
      await f.admin((db) => setDoc(messageRef(db, f, id), { ...newMessage(f.brandId, "brand"), ...withAttachment(f, id), createdAt: Timestamp.now() }));
      await expectOutcome(true, "caption removed", () => updateDoc(messageRef(f.as("brand"), f, id), edit(null)));
      await expectOutcome(false, "attachments removed by an edit", () =>
        updateDoc(messageRef(f.as("brand"), f, id), { ...edit("x"), attachments: [], hasAttachments: false }),
      );
      await expectOutcome(true, "tombstone clears the attachments", () => updateDoc(messageRef(f.as("brand"), f, id), tombstone()));
    });

    it("the influencer edits their own message, not the brand's", async () => {
      const f = await seedDeal();
      const own = await seedMessage(f, { senderId: f.influencerId, senderSide: "influencer" });
      const brands = await seedMessage(f);
      await expectOutcome(true, "own", () => updateDoc(messageRef(f.as("influencer"), f, own), edit()));
      await expectOutcome(false, "brand's", () => updateDoc(messageRef(f.as("influencer"), f, brands), edit()));
    });

    it.each(["completed", "cancelled"] as const)("a %s deal is read-only: no edit, no tombstone", async (status) => {
      const f = await seedDeal(status);
      const id = await seedMessage(f);
      await expectOutcome(false, "edit", () => updateDoc(messageRef(f.as("brand"), f, id), edit()));
      await expectOutcome(false, "tombstone", () => updateDoc(messageRef(f.as("brand"), f, id), tombstone()));
      await expectOutcome(true, "still readable", () => getDoc(messageRef(f.as("brand"), f, id)));
    });
  });
}
