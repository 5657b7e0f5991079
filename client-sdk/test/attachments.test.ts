// Attachments end to end: checked before upload with the model's limits (the same as storage.rules),
// uploaded with progress and cancel through the Storage emulator, message written only once the files are stored.
import { resolveObjectURL } from "node:buffer";
import { limits, storagePaths } from "@dealchat/model";
import { describe, expect, it } from "vitest";
import type { ConversationHandleState, ConversationViewState, UploadProgress } from "../src/index.ts";
import { Recorder, adminFirestore, brandAndInfluencer, closeAll, seedDeal, type Party, useBrandAndInfluencer } from "./support.ts";

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

const bytes = (n: number, seed = 7) => Uint8Array.from({ length: n }, (_, i) => (i * seed) % 251);

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
  it("uploads with progress, then sends the message; the other side downloads the files", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const theirs = new Recorder<ConversationViewState>();
    const view = influencer.chat.openConversation({ dealId }, theirs.next, theirs.fail);
    await theirs.until((s) => !s.fromCache, "the conversation");

    const photo = bytes(64 * 1024, 3);
    const brief = bytes(2048, 5);
    const progress: UploadProgress[] = [];
    const handle = brand.chat.send(
      {
        dealId,
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

    const downloaded = new Uint8Array(await influencer.chat.attachmentBytes(message.attachments[0]!));
    expect(downloaded).toEqual(photo);
    const blob = await influencer.chat.attachmentBlob(message.attachments[1]!);
    expect(blob.type).toBe("application/pdf");
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(brief);
    view.unsubscribe();
  });

  it("downloads for display through a local object URL that the app revokes, never a download link", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const photo = bytes(3000, 11);
    const handle = brand.chat.send({ dealId, files: [{ name: "shown.png", contentType: "image/png", data: photo }] });
    await handle.done;
    const attachment = { storagePath: storagePaths.attachment(dealId, brand.uid, handle.messageId, "shown.png"), size: photo.length, contentType: "image/png" };
    const subscriptions = influencer.chat.stats().activeSubscriptions;
    const shown = await influencer.chat.attachmentObjectUrl(attachment);
    expect(shown.url).toMatch(/^blob:/);
    const blob = resolveObjectURL(shown.url);
    expect(blob?.type).toBe("image/png");
    expect(new Uint8Array(await blob!.arrayBuffer())).toEqual(photo);
    expect(influencer.chat.stats().activeSubscriptions).toBe(subscriptions + 1);
    shown.revoke();
    shown.revoke();
    expect(resolveObjectURL(shown.url)).toBeUndefined();
    expect(influencer.chat.stats().activeSubscriptions).toBe(subscriptions);
    expect("attachmentUrl" in influencer.chat).toBe(false);
  });

  it("after removal from the deal, a previous participant can no longer download (membership is brandId/influencerId)", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const handle = brand.chat.send({ dealId, files: [{ name: "terms.pdf", contentType: "application/pdf", data: bytes(200) }] });
    await handle.done;
    const attachment = { storagePath: storagePaths.attachment(dealId, brand.uid, handle.messageId, "terms.pdf"), size: 200, contentType: "application/pdf" };
    expect(new Uint8Array(await influencer.chat.attachmentBytes(attachment))).toEqual(bytes(200));
    const replacement = await brandAndInfluencer();
    try {
      // The platform replaces the influencer; `participants` still lists the old one.
      await adminFirestore().doc(`deals/${dealId}`).update({ influencerId: replacement.influencer.uid });
      await expect(influencer.chat.attachmentBytes(attachment)).rejects.toMatchObject({ name: "DealChatError", code: "permission-denied" });
      await expect(influencer.chat.attachmentObjectUrl(attachment)).rejects.toMatchObject({ code: "permission-denied" });
      expect(new Uint8Array(await replacement.influencer.chat.attachmentBytes(attachment))).toEqual(bytes(200));
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
      await expect(outsider.brand.chat.attachmentBytes({ storagePath: path, size: 100 })).rejects.toMatchObject({ code: "permission-denied" });
    } finally {
      await closeAll(outsider.brand, outsider.influencer);
    }
  });
});

describe("message-id squatting", () => {
  it("a message id taken by the other participant first does not break the send: it goes on under a fresh id, files and all", async () => {
    const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
    const squatted = brand.chat.newMessageId(dealId);
    // The other side learned the id (say from an old client that could list folders) and created it first.
    await expect(influencer.chat.send({ dealId, text: "squatted", messageId: squatted }).done).resolves.toBe("sent");

    const photo = bytes(5000, 13);
    const handle = brand.chat.send({ dealId, text: "the real one", messageId: squatted, files: [{ name: "real.png", contentType: "image/png", data: photo }] });
    await expect(handle.done).resolves.toBe("sent");
    expect(handle.messageId).not.toBe(squatted);
    expect(handle.ref.id).toBe(handle.messageId);

    const stored = (await adminFirestore().doc(`deals/${dealId}/messages/${handle.messageId}`).get()).data()!;
    expect(stored).toMatchObject({ senderId: brand.uid, text: "the real one", hasAttachments: true });
    const path = storagePaths.attachment(dealId, brand.uid, handle.messageId, "real.png");
    expect(stored.attachments).toEqual([{ name: "real.png", size: photo.length, contentType: "image/png", storagePath: path }]);
    expect(new Uint8Array(await influencer.chat.attachmentBytes({ storagePath: path, size: photo.length }))).toEqual(photo);
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
      expect(message.attachments).toEqual([
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
