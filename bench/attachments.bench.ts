// Attachment verification figures (docs/attachments.md):
//  - upload → verified: a participant uploads a 640 × 480 JPEG with EXIF and GPS through the web Storage SDK; the
//    clock stops when the verdict record says verified (onAttachmentFinalized in the Functions emulator: detect,
//    re-encode without metadata, preview, mark). Sequential samples after a warm-up that pays the cold start.
//  - a 20 MB, 24-megapixel photo: verification (decode, rotate, re-encode, preview) and the preview step alone,
//    in a fresh Node process each, with that process's peak resident memory against a baseline process that loads
//    the same modules.
//  - Firestore cost of one verified attachment: the upload trigger run in-process with the triggers switched off
//    (its own reads and writes, counted), plus the copy of the verdict into the message and the rules' reads.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { ref, uploadBytes } from "firebase/storage";
import { Timestamp } from "firebase-admin/firestore";
import { storagePaths, type Attachment } from "@dealchat/model";
import { handleAttachmentFinalized } from "../functions/src/handlers/attachments.ts";
import { handleMessageAttachmentsCreated, verificationRef } from "../functions/src/handlers/verification.ts";
import { adminBucket, adminFirestore, signedInWebClient } from "../test/support/clients.ts";
import { uniqueId } from "../test/support/emulators.ts";
import { jpegWithGps, largeJpeg } from "../test/storage/fixtures/generate.ts";
import { setBackgroundTriggers } from "./emulator-hub.ts";
import { percentile, type BenchRow } from "./table.ts";

const SAMPLES = 20;
const WARM_UP = 2;
const PHOTO_BYTES = 20 * 1000 * 1000;
const here = dirname(fileURLToPath(import.meta.url));

export async function run(): Promise<BenchRow[]> {
  return [...(await uploadToVerified()), ...largePhoto(await largeJpeg(PHOTO_BYTES)), ...(await costPerVerifiedAttachment())];
}

async function newDeal(brand: string, influencer: string): Promise<string> {
  const dealId = uniqueId("bench-attach");
  const now = Timestamp.now();
  await adminFirestore()
    .doc(`deals/${dealId}`)
    .set({ brandId: brand, influencerId: influencer, participants: [brand, influencer], status: "active", createdAt: now, updatedAt: now });
  return dealId;
}

async function uploadToVerified(): Promise<BenchRow[]> {
  const [brand, influencer] = await Promise.all([signedInWebClient("bench-brand"), signedInWebClient("bench-infl")]);
  try {
    const dealId = await newDeal(brand.user.uid, influencer.user.uid);
    const photo = await jpegWithGps(640, 480, 6);
    const times: number[] = [];
    for (let i = 0; i < WARM_UP + SAMPLES; i++) {
      const path = storagePaths.attachment(dealId, brand.user.uid, uniqueId("m"), "photo.jpg");
      const started = performance.now();
      const verified = new Promise<void>((resolve, reject) => {
        const stop = verificationRef(adminFirestore(), path).onSnapshot((s) => {
          if (s.get("status") === "pending" || !s.exists) return;
          stop();
          if (s.get("status") === "verified") resolve();
          else reject(new Error(`the bench photo was rejected: ${JSON.stringify(s.data())}`));
        }, reject);
      });
      await uploadBytes(ref(brand.storage(), path), photo, { contentType: "image/jpeg" });
      await verified;
      if (i >= WARM_UP) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const notes = `${SAMPLES} sequential uploads of a ${Math.round(photo.byteLength / 1024)} KiB JPEG (640 × 480, EXIF + GPS) through the web SDK, until the verdict record is verified; Functions emulator`;
    return [
      { benchmark: "attachment upload → verified", metric: "p50", value: percentile(times, 50), unit: "ms", notes },
      { benchmark: "attachment upload → verified", metric: "p99", value: percentile(times, 99), unit: "ms", notes },
    ];
  } finally {
    await Promise.all([brand.close(), influencer.close()]);
  }
}

function child(file: string, mode: "baseline" | "verify"): Record<string, number> {
  const out = spawnSync(process.execPath, ["--conditions", "source", "--import", "tsx", join(here, "photo-verify-child.ts"), file, mode], {
    encoding: "utf8",
    maxBuffer: 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`photo-verify-child ${mode} failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split("\n").at(-1)!) as Record<string, number>;
}

function largePhoto(photo: Uint8Array): BenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), "dealchat-bench-"));
  try {
    const file = join(dir, "photo.jpg");
    writeFileSync(file, photo);
    const baseline = child(file, "baseline");
    const verify = child(file, "verify");
    const what = `${(photo.byteLength / 1e6).toFixed(1)} MB JPEG, ${verify.width} × ${verify.height}`;
    return [
      {
        benchmark: "20 MB photo: verification (decode, upright, re-encode without EXIF, preview)",
        metric: "time",
        value: verify.verifyMs!,
        unit: "ms",
        notes: what,
      },
      { benchmark: "20 MB photo: 320 px WebP preview from the sanitized copy", metric: "time", value: verify.previewMs!, unit: "ms", notes: what },
      {
        benchmark: "20 MB photo: verification",
        metric: "peak memory",
        value: verify.peakRssMiB!,
        unit: "MiB RSS",
        notes: `fresh Node process; a baseline process loading the same modules peaks at ${baseline.peakRssMiB!.toFixed(0)} MiB`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function costPerVerifiedAttachment(): Promise<BenchRow[]> {
  const db = adminFirestore();
  const bucket = adminBucket();
  const photo = await jpegWithGps(640, 480, 6);
  await setBackgroundTriggers(false);
  try {
    const dealId = await newDeal("bench-cost-brand", "bench-cost-infl");
    const messageId = uniqueId("m");
    const path = storagePaths.attachment(dealId, "bench-cost-brand", messageId, "photo.jpg");
    await bucket.file(path).save(Buffer.from(photo), { contentType: "image/jpeg", resumable: false });
    const [object] = await bucket.file(path).getMetadata();
    const upload = await handleAttachmentFinalized(object, { db, bucket });
    if (upload.verification?.status !== "verified" || !upload.cost) throw new Error(`unexpected outcome ${JSON.stringify(upload)}`);
    const attachment: Attachment = { name: "photo.jpg", size: photo.byteLength, contentType: "image/jpeg", storagePath: path };
    await db.doc(`deals/${dealId}/messages/${messageId}`).set({
      senderId: "bench-cost-brand",
      senderSide: "brand",
      text: null,
      attachments: [attachment],
      hasAttachments: true,
      createdAt: Timestamp.now(),
      editedAt: null,
      deleted: false,
      deletedAt: null,
    });
    const copy = await handleMessageAttachmentsCreated({ dealId, messageId }, db);
    // storage.rules read the deal once per upload and once per download (firestore.get of one path).
    const rulesReads = 2;
    const reads = upload.cost.reads + copy.cost.reads + rulesReads;
    const writes = upload.cost.writes + copy.cost.writes;
    const notes =
      "upload trigger (record, pending count, daily counter, verdict) + the verdict copied into the message when it is created + storage.rules' deal read for the upload and one download";
    return [
      { benchmark: "verified attachment: Firestore cost", metric: "reads", value: reads, unit: "reads", notes },
      { benchmark: "verified attachment: Firestore cost", metric: "writes", value: writes, unit: "writes", notes },
    ];
  } finally {
    await setBackgroundTriggers(true);
  }
}
