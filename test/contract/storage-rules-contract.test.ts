// storage.rules against the model, in-process (our rules engine, no emulator): every path segment as the model's
// Id and FileName, the size bound and one past it, every allowed content type and near misses, metadata the SDK
// never sets, membership by brandId/influencerId only, closed deals, write-once files and folder listing. Each case
// has a hand-written expectation that both the rules and the model's verdict (model/src/contract.ts) must give.
import { describe } from "vitest";
import {
  attachmentContentTypes,
  downloadVerdict,
  idMaxLength,
  limits,
  listVerdict,
  previewDownloadVerdict,
  verificationMetadataKey,
  verifiedMarker,
  videoContentTypes,
  storagePaths,
  uploadVerdict,
  type AttachmentPath,
  type UploadObject,
} from "@dealchat/model";
import { at, storageAllows, storageObject, type Data, contractSuite, type VerdictCase } from "./rules-engine-harness.ts";

const suite = contractSuite("storage.rules");
const check = suite.check;
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const brand = "brand-1";
const influencer = "influencer-1";
const dealId = "deal-1";
const deal = (over: Data = {}) => ({
  brandId: brand,
  influencerId: influencer,
  participants: [brand, influencer],
  status: "active",
  createdAt: at(NOW - 86_400_000),
  updatedAt: at(NOW - 86_400_000),
  ...over,
});

type Case = VerdictCase;

const pdf = (over: Partial<UploadObject> = {}): UploadObject => ({
  size: 1024,
  contentType: "application/pdf",
  metadata: {},
  contentDisposition: null,
  contentEncoding: null,
  ...over,
});

function uploadCase(
  name: string,
  expected: boolean,
  o: { uid?: string | null; path?: Partial<AttachmentPath>; object?: UploadObject; dealDoc?: Data | null; exists?: boolean },
): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid === undefined ? brand : o.uid;
      const path: AttachmentPath = { dealId, senderId: brand, messageId: "msg_1", fileName: "brief.pdf", ...o.path };
      const object = o.object ?? pdf();
      const dealDoc = o.dealDoc === undefined ? deal() : o.dealDoc;
      const objectPath = storagePaths.attachment(path.dealId, path.senderId, path.messageId, path.fileName);
      return {
        rules: storageAllows(rules, {
          uid,
          method: "create",
          path: objectPath,
          incoming: storageObject(objectPath, object),
          existing: o.exists ? storageObject(objectPath, pdf()) : null,
          documents: dealDoc ? { [`deals/${path.dealId}`]: dealDoc } : {},
          nowMs: NOW,
        }),
        model: uploadVerdict({ uid, deal: dealDoc as never }, path, object, o.exists ?? false),
      };
    },
  };
}

describe("uploads: storage.rules and the model agree", () => {
  check([
    uploadCase("a participant's upload into their own folder", true, {}),
    uploadCase("the influencer's upload into their own folder", true, { uid: influencer, path: { senderId: influencer } }),
    uploadCase("into the other participant's folder", false, { path: { senderId: influencer } }),
    uploadCase("a stranger into their own folder", false, { uid: "stranger", path: { senderId: "stranger" } }),
    uploadCase("unauthenticated", false, { uid: null }),
    uploadCase("a uid listed only in participants", false, {
      uid: "intruder",
      path: { senderId: "intruder" },
      dealDoc: deal({ participants: [brand, "intruder"] }),
    }),
    uploadCase("a brand whose participants entry is stale", true, { dealDoc: deal({ participants: ["someone-else", influencer] }) }),
    uploadCase("a deal that does not exist", false, { dealDoc: null }),
    uploadCase("a completed deal", false, { dealDoc: deal({ status: "completed" }) }),
    uploadCase("a cancelled deal", false, { dealDoc: deal({ status: "cancelled" }) }),
    uploadCase("an open deal", true, { dealDoc: deal({ status: "open" }) }),
    uploadCase("over an existing file (write-once)", false, { exists: true }),
    uploadCase(`a size of limits.attachmentMaxBytes`, true, { object: pdf({ size: limits.attachmentMaxBytes }) }),
    uploadCase("one byte past limits.attachmentMaxBytes", false, { object: pdf({ size: limits.attachmentMaxBytes + 1 }) }),
    uploadCase("an empty file", false, { object: pdf({ size: 0 }) }),
    ...videoContentTypes.flatMap((type) => [
      uploadCase(`${type} of limits.videoMaxBytes`, true, { object: pdf({ contentType: type, size: limits.videoMaxBytes }) }),
      uploadCase(`${type} one byte past limits.videoMaxBytes`, false, { object: pdf({ contentType: type, size: limits.videoMaxBytes + 1 }) }),
    ]),
    uploadCase("a PDF of limits.videoMaxBytes (only videos get the larger bound)", false, { object: pdf({ size: limits.videoMaxBytes }) }),
    uploadCase("a client-set verification marker", false, { object: pdf({ metadata: { [verificationMetadataKey]: verifiedMarker } }) }),
    ...attachmentContentTypes.map((type) => uploadCase(`content type ${type}`, true, { object: pdf({ contentType: type }) })),
    ...["image/svg+xml", "text/html", "application/x-msdownload", "video/x-msvideo", "image/heic", "application/pdfx", "IMAGE/PNG"].map((type) =>
      uploadCase(`content type ${type}`, false, { object: pdf({ contentType: type }) }),
    ),
    uploadCase("custom metadata", false, { object: pdf({ metadata: { note: "hi" } }) }),
    uploadCase("a client-chosen download token", false, { object: pdf({ metadata: { firebaseStorageDownloadTokens: "public-link" } }) }),
    uploadCase("a content disposition naming an executable", false, { object: pdf({ contentDisposition: 'attachment; filename="invoice.pdf.exe"' }) }),
    uploadCase("a content encoding", false, { object: pdf({ contentEncoding: "gzip" }) }),
    uploadCase(`a file name of limits.fileNameMaxLength characters`, true, { path: { fileName: `${"n".repeat(limits.fileNameMaxLength - 4)}.pdf` } }),
    uploadCase("a file name one character too long", false, { path: { fileName: `${"n".repeat(limits.fileNameMaxLength - 3)}.pdf` } }),
    uploadCase("a file name '..'", false, { path: { fileName: ".." } }),
    uploadCase("a file name '.'", false, { path: { fileName: "." } }),
    uploadCase("a file name with a backslash", false, { path: { fileName: "a\\b.pdf" } }),
    uploadCase("a file name with a control character", false, { path: { fileName: "a\u0007.pdf" } }),
    uploadCase("a file name with DEL", false, { path: { fileName: "a\u007f.pdf" } }),
    uploadCase("a non-Latin file name", true, { path: { fileName: "Angebot – Frühling 春.pdf" } }),
    uploadCase(`a message id of ${idMaxLength} characters`, true, { path: { messageId: "m".repeat(idMaxLength) } }),
    uploadCase(`a message id of ${idMaxLength + 1} characters`, false, { path: { messageId: "m".repeat(idMaxLength + 1) } }),
    uploadCase("a 600-character message id", false, { path: { messageId: "m".repeat(600) } }),
    uploadCase("a message id '..'", false, { path: { messageId: ".." } }),
    uploadCase("a message id with a dot", false, { path: { messageId: "msg.1" } }),
    uploadCase("a deal id outside the id alphabet", false, { path: { dealId: "deal 1" } }),
  ]);
});

const verifiedMetadata = { [verificationMetadataKey]: verifiedMarker };

function readCase(
  name: string,
  expected: boolean,
  o: { uid?: string; path?: Partial<AttachmentPath>; dealDoc?: Data; metadata?: Record<string, string>; preview?: boolean; missing?: boolean },
): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? influencer;
      const path: AttachmentPath = { dealId, senderId: brand, messageId: "msg_1", fileName: "brief.pdf", ...o.path };
      const dealDoc = o.dealDoc ?? deal();
      const metadata = o.metadata ?? verifiedMetadata;
      const objectPath = (o.preview ? storagePaths.preview : storagePaths.attachment)(path.dealId, path.senderId, path.messageId, path.fileName);
      return {
        rules: storageAllows(rules, {
          uid,
          method: "get",
          path: objectPath,
          existing: o.missing ? null : storageObject(objectPath, pdf({ metadata })),
          documents: { [`deals/${path.dealId}`]: dealDoc },
          nowMs: NOW,
        }),
        model: o.preview
          ? previewDownloadVerdict({ uid, deal: dealDoc as never }, path)
          : downloadVerdict({ uid, deal: dealDoc as never }, path, o.missing ? null : { metadata }),
      };
    },
  };
}

function previewWriteCase(name: string, method: "create" | "update" | "delete"): Case {
  return {
    name,
    expect: false,
    run: (rules) => {
      const objectPath = storagePaths.preview(dealId, brand, "msg_1", "photo.jpg");
      return {
        rules: storageAllows(rules, {
          uid: brand,
          method,
          path: objectPath,
          incoming: method === "delete" ? undefined : storageObject(objectPath, pdf({ contentType: "image/webp" })),
          existing: method === "create" ? null : storageObject(objectPath, pdf({ contentType: "image/webp" })),
          documents: { [`deals/${dealId}`]: deal() },
          nowMs: NOW,
        }),
        model: "previews are written by the functions only",
      };
    },
  };
}

function listCase(name: string, expected: boolean, o: { uid?: string; senderId?: string; dealDoc?: Data }): Case {
  return {
    name,
    expect: expected,
    run: (rules) => {
      const uid = o.uid ?? brand;
      const senderId = o.senderId ?? brand;
      const dealDoc = o.dealDoc ?? deal();
      return {
        rules: storageAllows(rules, {
          uid,
          method: "list",
          path: `${storagePaths.messageFolder(dealId, senderId, "msg_1")}`,
          documents: { [`deals/${dealId}`]: dealDoc },
          nowMs: NOW,
        }),
        model: listVerdict({ uid, deal: dealDoc as never }, dealId, senderId),
      };
    },
  };
}

describe("downloads and listings: storage.rules and the model agree", () => {
  check([
    readCase("the other participant downloads a verified file", true, {}),
    readCase("the other participant, before the functions have verified the file", false, { metadata: {} }),
    readCase("the other participant, with a marker of another value", false, { metadata: { [verificationMetadataKey]: "pending" } }),
    readCase("the other participant, a missing file (left to Storage's not-found)", true, { missing: true }),
    readCase("a stranger, a missing file", false, { uid: "stranger", missing: true }),
    readCase("the uploader downloads their verified file", true, { uid: brand }),
    readCase("the uploader downloads their own file before it is verified", true, { uid: brand, metadata: {} }),
    readCase("a stranger, verified file", false, { uid: "stranger" }),
    readCase("a removed influencer, verified file", false, { dealDoc: deal({ influencerId: "new-influencer" }) }),
    readCase("the other participant reads a preview", true, { preview: true, path: { fileName: "photo.jpg" } }),
    readCase("a stranger reads a preview", false, { uid: "stranger", preview: true, path: { fileName: "photo.jpg" } }),
    readCase("a removed influencer reads a preview", false, { preview: true, dealDoc: deal({ influencerId: "new-influencer" }) }),
    previewWriteCase("a participant writes a preview", "create"),
    previewWriteCase("a participant overwrites a preview", "update"),
    previewWriteCase("a participant deletes a preview", "delete"),
    readCase("a closed deal's files stay readable", true, { dealDoc: deal({ status: "completed" }) }),
    readCase("a stranger", false, { uid: "stranger" }),
    readCase("a removed influencer (still in participants)", false, { dealDoc: deal({ influencerId: "new-influencer" }) }),
    readCase("a path segment outside the model", false, { path: { messageId: "m".repeat(600) } }),
    listCase("listing one's own message folder", true, {}),
    listCase("listing the other participant's folder (would reveal pending message ids)", false, { senderId: influencer }),
    listCase("a stranger listing their own folder in the deal", false, { uid: "stranger", senderId: "stranger" }),
  ]);
});

suite.catchesDriftedLimits();
