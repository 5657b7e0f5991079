// The pure rules behind the attachment functions (functions/src/domain/attachments.ts): no emulator needed.
import { describe, expect, it } from "vitest";
import { Timestamp } from "firebase-admin/firestore";
import { limits, type Message } from "@dealchat/model";
import {
  downloadTokens,
  foreignMetadata,
  parseAttachmentPath,
  referencesFile,
  uploadRecordId,
  uploadsOverLimit,
} from "../../functions/src/domain/attachments.ts";

describe("parseAttachmentPath", () => {
  it("accepts the attachment layout with model-valid segments only", () => {
    expect(parseAttachmentPath("deals/d-1/attachments/u_1/m-1/brief (v2).pdf")).toEqual({
      path: "deals/d-1/attachments/u_1/m-1/brief (v2).pdf",
      dealId: "d-1",
      senderId: "u_1",
      messageId: "m-1",
      fileName: "brief (v2).pdf",
    });
    expect(parseAttachmentPath(`deals/${"d".repeat(128)}/attachments/u/${"m".repeat(128)}/${"n".repeat(limits.fileNameMaxLength)}`)).not.toBeNull();
    for (const bad of [
      42,
      null,
      "",
      "deals/d/attachments/u/m",
      "deals/d/attachments/u/m/a/b.png",
      "deals/d/files/u/m/a.png",
      "users/d/attachments/u/m/a.png",
      "deals/d/attachments/u/../a.png",
      "deals/d/attachments/u/m/..",
      "deals/d/attachments/u/m/.",
      "deals/d/attachments/u/m/a\\b.png",
      "deals/d/attachments/u/m/a\u0000.png",
      "deals/d/attachments/u/m/a\n.png",
      `deals/${"d".repeat(129)}/attachments/u/m/a.png`,
      `deals/d/attachments/u/${"m".repeat(600)}/a.png`,
      `deals/d/attachments/u/m/${"n".repeat(limits.fileNameMaxLength + 1)}`,
      "deals/d.1/attachments/u/m/a.png",
      "deals/d/attachments/u:1/m/a.png",
    ]) {
      expect(parseAttachmentPath(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe("foreignMetadata", () => {
  it("passes what the SDK and Storage itself set, names anything else", () => {
    expect(foreignMetadata({})).toBeNull();
    expect(foreignMetadata({ metadata: { firebaseStorageDownloadTokens: "t1,t2" } })).toBeNull();
    expect(foreignMetadata({ metadata: null, cacheControl: null, contentLanguage: "", contentEncoding: "identity" })).toBeNull();
    expect(foreignMetadata({ metadata: { originalName: "x" } })).toMatch(/custom metadata originalName/);
    expect(foreignMetadata({ cacheControl: "public, max-age=31536000" })).toBe("cacheControl");
    expect(foreignMetadata({ contentLanguage: "de" })).toBe("contentLanguage");
    expect(foreignMetadata({ contentEncoding: "gzip" })).toBe("contentEncoding");
  });
});

describe("downloadTokens", () => {
  it("splits Storage's comma-separated tokens and ignores anything else", () => {
    expect(downloadTokens({ firebaseStorageDownloadTokens: "a, b,,c" })).toEqual(["a", "b", "c"]);
    expect(downloadTokens({ firebaseStorageDownloadTokens: 7 })).toEqual([]);
    expect(downloadTokens(undefined)).toEqual([]);
    expect(downloadTokens(null)).toEqual([]);
  });
});

describe("referencesFile", () => {
  const file = parseAttachmentPath("deals/d/attachments/u/m/a.png")!;
  const message = (over: Partial<Message> = {}): Message => ({
    senderId: "u",
    senderSide: "brand",
    text: null,
    attachments: [{ name: "a.png", size: 1, contentType: "image/png", storagePath: file.path }],
    hasAttachments: true,
    createdAt: Timestamp.now(),
    editedAt: null,
    deleted: false,
    deletedAt: null,
    ...over,
  });
  it("only a live message of the same sender that lists the exact path references a file", () => {
    expect(referencesFile(message(), file)).toBe(true);
    expect(referencesFile(null, file)).toBe(false);
    expect(referencesFile(message({ deleted: true }), file)).toBe(false);
    expect(referencesFile(message({ senderId: "someone-else" }), file)).toBe(false);
    expect(referencesFile(message({ attachments: [] }), file)).toBe(false);
  });
});

describe("uploadsOverLimit and uploadRecordId", () => {
  it("picks the newest uploads beyond the limit, the same ones whatever the input order", () => {
    const uploads = [
      { storagePath: "p/c", uploadedAtMs: 3 },
      { storagePath: "p/a", uploadedAtMs: 1 },
      { storagePath: "p/b2", uploadedAtMs: 2 },
      { storagePath: "p/b1", uploadedAtMs: 2 },
    ];
    expect(uploadsOverLimit(uploads, 2).map((u) => u.storagePath)).toEqual(["p/b2", "p/c"]);
    expect(uploadsOverLimit([...uploads].reverse(), 2).map((u) => u.storagePath)).toEqual(["p/b2", "p/c"]);
    expect(uploadsOverLimit(uploads, 4)).toEqual([]);
    expect(uploadsOverLimit(uploads, 0)).toHaveLength(4);
  });
  it("gives every path a stable document id that Firestore accepts", () => {
    const id = uploadRecordId("deals/d/attachments/u/m/../weird\\name.png");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(uploadRecordId("deals/d/attachments/u/m/../weird\\name.png")).toBe(id);
    expect(uploadRecordId("deals/d/attachments/u/m/other.png")).not.toBe(id);
  });
});
