// Attachments end to end: checked before upload with the model's limits (the same as storage.rules),
// uploaded with progress and cancel through the Storage emulator, message written only once the files are stored.
import { resolveObjectURL } from "node:buffer";
import { limits, storagePaths, type Attachment } from "@dealchat/model";
import sharp from "sharp";
import { Timestamp } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import type { ConversationHandleState, UploadProgress } from "../src/index.ts";
import { Recorder, adminFirestore, brandAndInfluencer, closeAll, record, seedDeal, type Party, useBrandAndInfluencer } from "./support.ts";
import { pollUntil } from "../../test/support/wait.ts";
import { elfExecutable, pdfOfPages, smallPng } from "../../test/storage/fixtures/generate.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));
beforeAll(async () => {
  [realPdf, realPng] = await Promise.all([pdfOfPages(2), smallPng(400, 300, 3)]);
});

const bytes = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * seed) % 251);
/** The functions verify every upload by its bytes and delete what is not real (docs/attachments.md): real files here. */
let realPdf: Uint8Array;
let realPng: Uint8Array;
const VERIFY_DEADLINE_MS = 120_000;

/** The message's attachment as stored once the functions have given their verdict (what the other side's view shows). */
async function decided(dealId: string, messageId: string, name: string): Promise<Attachment> {
  const snap = await pollUntil(
    () => adminFirestore().doc(`deals/${dealId}/messages/${messageId}`).get(),
    (s) => ((s.get("attachments") as Attachment[] | undefined) ?? []).some((a) => a.name === name && a.verification !== undefined),
    { timeoutMs: VERIFY_DEADLINE_MS, intervalMs: 200, what: `the verdict on ${name}` },
  );
  return (snap.get("attachments") as Attachment[]).find((a) => a.name === name)!;
}

describe("attachment checks before upload", () => {
  it("refuses files the rules would refuse, with invalid-argument and a reason, before any write", () => {
    const dealId = "any-deal";
    const writes = brand.chat.stats().documentWrites;
    const attempt = (files: Array<{ name: string; contentType: string; data: Uint8Array }>) => () => brand.chat.send({ dealId, files });
    expect(attempt([{ name: "huge.pdf", contentType: "application/pdf", data: new Uint8Array(limits.attachmentMaxBytes + 1) }])).toThrow(
      expect.objectContaining({ code: "invalid-argument", reason: "file-too-large" }),
    );
    expect(attempt([{ name: "script.sh", contentType: "application/x-sh", data: bytes(10) }])).toThrow(
      expect.objectContaining({ code: "invalid-argument", reason: "file-type-not-allowed" }),
    );
    expect(attempt([{ name: "../escape.png", contentType: "image/png", data: bytes(10) }])).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    expect(attempt([{ name: "empty.png", contentType: "image/png", data: new Uint8Array(0) }])).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    expect(
      attempt([
        { name: "same.png", contentType: "image/png", data: bytes(10) },
        { name: "same.png", contentType: "image/png", data: bytes(10) },
      ]),
    ).toThrow(expect.objectContaining({ code: "invalid-argument" }));
    expect(
      attempt(Array.from({ length: limits.attachmentsPerMessage + 1 }, (_, i) => ({ name: `f${i}.png`, contentType: "image/png", data: bytes(10) }))),
    ).toThrow(expect.objectContaining({ code: "invalid-argument", reason: "too-many-attachments" }));
    expect(brand.chat.validateAttachment({ name: "ok.pdf", contentType: "application/pdf", data: bytes(10) })).toEqual({
      name: "ok.pdf",
      contentType: "application/pdf",
      size: 10,
    });
    expect(brand.chat.stats().documentWrites).toBe(writes);
  });
});

describe("upload, send and download", () => {
  it("uploads with progress, then sends the message; the other side sees them pending, then verified with a preview, and downloads them", {
    timeout: 2 * VERIFY_DEADLINE_MS,
  }, async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const view = influencer.chat.conversation(dealId, { watchTyping: false });
    const mine = brand.chat.conversation(dealId, { watchTyping: false });
    const { states: theirs } = record(view);
    await theirs.until((s) => !s.loading && !s.fromCache, "the conversation");

    const photo = realPng;
    const brief = realPdf;
    const progress: UploadProgress[] = [];
    const handle = mine.send(
      {
        text: "Mood board and brief",
        files: [
          { name: "mood.png", contentType: "image/png", data: photo },
          { name: "brief.pdf", contentType: "application/pdf", data: brief },
        ],
      },
      { onProgress: (p) => progress.push(p) },
    );
    await expect(handle.done).resolves.toBe("sent");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toMatchObject({
      bytesTransferred: photo.length + brief.length,
      totalBytes: photo.length + brief.length,
      fraction: 1,
    });
    expect(progress.map((p) => p.bytesTransferred)).toEqual([...progress.map((p) => p.bytesTransferred)].sort((a, b) => a - b));

    const seen = await theirs.until((s) => s.messages.some((m) => m.id === handle.messageId), "the message with attachments");
    const message = seen.messages.find((m) => m.id === handle.messageId)!;
    expect(message.hasAttachments).toBe(true);
    expect(message.attachments.map((a) => a.name)).toEqual(["mood.png", "brief.pdf"]);
    expect(message.attachments[0]!.storagePath).toBe(`deals/${dealId}/attachments/${brand.uid}/${handle.messageId}/mood.png`);

    // Until the functions have checked them, the other side is offered no download (the uploader may read its own).
    const pending = { ...message.attachments[1]!, verification: undefined };
    expect(influencer.chat.attachmentState(pending)).toEqual({ status: "pending", canDownload: false, hasPreview: false });
    await expect(influencer.chat.attachmentBytes(pending)).rejects.toMatchObject({ code: "failed-precondition", reason: "attachment-pending" });
    expect(brand.chat.attachmentState(pending)).toMatchObject({ status: "pending", canDownload: true });

    const verified = await theirs.until(
      (s) => s.messages.find((m) => m.id === handle.messageId)?.attachments.every((a) => a.verification?.status === "verified") === true,
      "the verdicts in the conversation view",
      { timeoutMs: VERIFY_DEADLINE_MS },
    );
    const [shownPhoto, shownBrief] = verified.messages.find((m) => m.id === handle.messageId)!.attachments;
    expect(influencer.chat.attachmentState(shownPhoto!)).toMatchObject({
      status: "verified",
      canDownload: true,
      hasPreview: true,
      details: { width: 400, height: 300, detectedType: "image/png" },
    });
    expect(influencer.chat.attachmentState(shownBrief!)).toMatchObject({ status: "verified", hasPreview: false, details: { pageCount: 2 } });
    // The photo is the functions' re-encoded copy (no camera metadata): same picture, its own size.
    const downloaded = new Uint8Array(await influencer.chat.attachmentBytes(shownPhoto!));
    expect(downloaded.byteLength).toBe(shownPhoto!.verification!.size);
    expect(await sharp(downloaded).metadata()).toMatchObject({ width: 400, height: 300 });
    const preview = await influencer.chat.attachmentPreviewBlob(shownPhoto!);
    expect(preview.type).toBe("image/webp");
    expect(await sharp(new Uint8Array(await preview.arrayBuffer())).metadata()).toMatchObject({ format: "webp", width: limits.previewWidthPx });
    await expect(influencer.chat.attachmentPreviewBlob(shownBrief!)).rejects.toMatchObject({ code: "not-found" });
    const blob = await influencer.chat.attachmentBlob(shownBrief!);
    expect(blob.type).toBe("application/pdf");
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(brief);
    view.dispose();
    mine.dispose();
  });

  it("a disguised file is rejected with its reason: neither side gets a download", { timeout: 2 * VERIFY_DEADLINE_MS }, async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const handle = brand.chat.send({ dealId, files: [{ name: "invoice.pdf", contentType: "application/pdf", data: elfExecutable() }] });
    await handle.done;
    const attachment = await decided(dealId, handle.messageId, "invoice.pdf");
    for (const side of [influencer, brand]) {
      const state = side.chat.attachmentState(attachment);
      expect(state).toMatchObject({ status: "rejected", canDownload: false, hasPreview: false });
      expect(state.reason).toMatch(/^the file is not a PDF: it is a program/);
      await expect(side.chat.attachmentBytes(attachment)).rejects.toMatchObject({ code: "failed-precondition", reason: "attachment-rejected" });
    }
  });

  it("downloads for display through a local object URL that the app revokes, never a download link", { timeout: 2 * VERIFY_DEADLINE_MS }, async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const handle = brand.chat.send({ dealId, files: [{ name: "shown.pdf", contentType: "application/pdf", data: realPdf }] });
    await handle.done;
    const attachment = await decided(dealId, handle.messageId, "shown.pdf");
    const subscriptions = influencer.chat.stats().activeSubscriptions;
    const shown = await influencer.chat.attachmentObjectUrl(attachment);
    expect(shown.url).toMatch(/^blob:/);
    const blob = resolveObjectURL(shown.url);
    expect(blob?.type).toBe("application/pdf");
    expect(new Uint8Array(await blob!.arrayBuffer())).toEqual(realPdf);
    expect(influencer.chat.stats().activeSubscriptions).toBe(subscriptions + 1);
    shown.revoke();
    shown.revoke();
    expect(resolveObjectURL(shown.url)).toBeUndefined();
    expect(influencer.chat.stats().activeSubscriptions).toBe(subscriptions);
    expect("attachmentUrl" in influencer.chat).toBe(false);
  });

  it("after removal from the deal, a previous participant can no longer download (membership is brandId/influencerId)", {
    timeout: 2 * VERIFY_DEADLINE_MS,
  }, async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const handle = brand.chat.send({ dealId, files: [{ name: "terms.pdf", contentType: "application/pdf", data: realPdf }] });
    await handle.done;
    const attachment = await decided(dealId, handle.messageId, "terms.pdf");
    expect(new Uint8Array(await influencer.chat.attachmentBytes(attachment))).toEqual(realPdf);
    const replacement = await brandAndInfluencer();
    try {
      // The platform replaces the influencer; `participants` still lists the old one.
      await adminFirestore().doc(`deals/${dealId}`).update({ influencerId: replacement.influencer.uid });
      await expect(influencer.chat.attachmentBytes(attachment)).rejects.toMatchObject({ name: "DealChatError", code: "permission-denied" });
      await expect(influencer.chat.attachmentObjectUrl(attachment)).rejects.toMatchObject({ code: "permission-denied" });
      expect(new Uint8Array(await replacement.influencer.chat.attachmentBytes(attachment))).toEqual(realPdf);
    } finally {
      await closeAll(replacement.brand, replacement.influencer);
    }
  });

  it("cancels an upload: no message is written", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    let cancelled = false;
    const handle = brand.chat.send(
      { dealId, text: "big video still", files: [{ name: "still.png", contentType: "image/png", data: bytes(4 * 1024 * 1024) }] },
      {
        onProgress: () => {
          if (!cancelled) {
            cancelled = true;
            handle.cancel();
          }
        },
      },
    );
    await expect(handle.done).rejects.toMatchObject({ name: "DealChatError", code: "cancelled", reason: "upload-cancelled" });
    expect((await adminFirestore().doc(`deals/${dealId}/messages/${handle.messageId}`).get()).exists).toBe(false);
  });

  it("does not let a non-participant read a deal's files", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const handle = brand.chat.send({ dealId, files: [{ name: "private.pdf", contentType: "application/pdf", data: bytes(100) }] });
    await handle.done;
    const outsider = await brandAndInfluencer();
    try {
      const path = `deals/${dealId}/attachments/${brand.uid}/${handle.messageId}/private.pdf`;
      // Even claiming a verified file (the outsider cannot read the message that would say so), the rules refuse.
      const claimed = { storagePath: path, size: 100, verification: { status: "verified" as const, checkedAt: Timestamp.now() } };
      await expect(outsider.brand.chat.attachmentBytes(claimed)).rejects.toMatchObject({ code: "permission-denied" });
    } finally {
      await closeAll(outsider.brand, outsider.influencer);
    }
  });
});

describe("message-id squatting", () => {
  it("a message id taken by the other participant first does not break the send: it goes on under a fresh id, files and all", {
    timeout: 2 * VERIFY_DEADLINE_MS,
  }, async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const squatted = brand.chat.newMessageId(dealId);
    // The other side learned the id (say from an old client that could list folders) and created it first.
    await expect(influencer.chat.send({ dealId, text: "squatted", messageId: squatted }).done).resolves.toBe("sent");

    const photo = realPdf;
    const handle = brand.chat.send({
      dealId,
      text: "the real one",
      messageId: squatted,
      files: [{ name: "real.pdf", contentType: "application/pdf", data: photo }],
    });
    await expect(handle.done).resolves.toBe("sent");
    expect(handle.messageId).not.toBe(squatted);
    expect(handle.ref.id).toBe(handle.messageId);

    const stored = (await adminFirestore().doc(`deals/${dealId}/messages/${handle.messageId}`).get()).data()!;
    expect(stored).toMatchObject({ senderId: brand.uid, text: "the real one", hasAttachments: true });
    const path = storagePaths.attachment(dealId, brand.uid, handle.messageId, "real.pdf");
    expect(stored.attachments).toMatchObject([{ name: "real.pdf", size: photo.length, contentType: "application/pdf", storagePath: path }]);
    expect(new Uint8Array(await influencer.chat.attachmentBytes(await decided(dealId, handle.messageId, "real.pdf")))).toEqual(photo);
    // The squatter's message is untouched.
    expect((await adminFirestore().doc(`deals/${dealId}/messages/${squatted}`).get()).data()).toMatchObject({ senderId: influencer.uid, text: "squatted" });
  });

  it("a text-only send onto a taken id also succeeds under a fresh id, and a retry of one's own id stays already-sent", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const squatted = influencer.chat.newMessageId(dealId);
    await influencer.chat.send({ dealId, text: "first", messageId: squatted }).done;
    const handle = brand.chat.send({ dealId, text: "mine", messageId: squatted });
    await expect(handle.done).resolves.toBe("sent");
    expect(handle.messageId).not.toBe(squatted);
    expect((await adminFirestore().doc(`deals/${dealId}/messages/${handle.messageId}`).get()).get("text")).toBe("mine");
    // Retrying the final id is recognised as the same message, not a squat.
    await expect(brand.chat.send({ dealId, text: "mine", messageId: handle.messageId }).done).resolves.toBe("already-sent");
  });
});

describe("attachments through a conversation handle", () => {
  it("a send with files is in the state at once with per-file progress, before the uploads finish", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const handle = brand.chat.conversation(dealId);
    try {
      const states = new Recorder<ConversationHandleState>();
      handle.subscribe(states.next);
      await states.until((s) => !s.loading, "the conversation");
      const photo = bytes(3 * 1024 * 1024, 11);
      const sending = handle.send({ text: "the shots", files: [{ name: "shot.png", contentType: "image/png", data: photo }] });
      const shown = handle.getLatestValue().messages.find((m) => m.id === sending.messageId);
      expect(shown).toMatchObject({ status: "pending", text: "the shots", hasAttachments: true, attachments: [] });
      expect(shown?.upload).toEqual({
        bytesTransferred: 0,
        totalBytes: photo.length,
        fraction: 0,
        files: [{ name: "shot.png", contentType: "image/png", bytesTransferred: 0, totalBytes: photo.length }],
      });
      // Progress arrives in the state while the file is still uploading.
      await states.until((s) => {
        const upload = s.messages.find((m) => m.id === sending.messageId)?.upload;
        return upload !== null && upload !== undefined && upload.bytesTransferred > 0 && upload.fraction < 1;
      }, "partial upload progress");
      await expect(sending.done).resolves.toBe("sent");
      const sent = await states.until((s) => s.messages.find((m) => m.id === sending.messageId)?.status === "sent", "the message sent");
      const message = sent.messages.find((m) => m.id === sending.messageId)!;
      expect(message.upload).toBeNull();
      // toMatchObject: the functions' verdict (`verification`) may already be on the entry.
      expect(message.attachments).toMatchObject([
        {
          name: "shot.png",
          size: photo.length,
          contentType: "image/png",
          storagePath: storagePaths.attachment(dealId, brand.uid, sending.messageId, "shot.png"),
        },
      ]);
    } finally {
      handle.dispose();
    }
  });
});
