// Attachments end to end: checked before upload with the model's limits (the same as storage.rules),
// uploaded with progress and cancel through the Storage emulator, message written only once the files are stored.
import { limits } from "@dealchat/model";
import { describe, expect, it } from "vitest";
import type { ConversationViewState, UploadProgress } from "../src/index.ts";
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
    expect(attempt(Array.from({ length: limits.attachmentsPerMessage + 1 }, (_, i) => ({ name: `f${i}.png`, contentType: "image/png", data: bytes(10) })))).toThrow(
      expect.objectContaining({ code: "invalid-argument", reason: "too-many-attachments" }),
    );
    expect(brand.chat.validateAttachment({ name: "ok.pdf", contentType: "application/pdf", data: bytes(10) })).toEqual({ name: "ok.pdf", contentType: "application/pdf", size: 10 });
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
      { dealId, text: "Mood board and brief", files: [{ name: "mood.png", contentType: "image/png", data: photo }, { name: "brief.pdf", contentType: "application/pdf", data: brief }] },
      { onProgress: (p) => progress.push(p) },
    );
    await expect(handle.done).resolves.toBe("sent");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toMatchObject({ bytesTransferred: photo.length + brief.length, totalBytes: photo.length + brief.length, fraction: 1 });
    expect(progress.map((p) => p.bytesTransferred)).toEqual([...progress.map((p) => p.bytesTransferred)].sort((a, b) => a - b));

    const seen = await theirs.until((s) => s.messages.some((m) => m.id === handle.messageId), "the message with attachments");
    const message = seen.messages.find((m) => m.id === handle.messageId)!;
    expect(message.hasAttachments).toBe(true);
    expect(message.attachments.map((a) => a.name)).toEqual(["mood.png", "brief.pdf"]);
    expect(message.attachments[0]!.storagePath).toBe(`deals/${dealId}/attachments/${brand.uid}/${handle.messageId}/mood.png`);

    const downloaded = new Uint8Array(await influencer.chat.attachmentBytes(message.attachments[0]!));
    expect(downloaded).toEqual(photo);
    expect(await influencer.chat.attachmentUrl(message.attachments[1]!)).toMatch(/^http/);
    view.unsubscribe();
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
