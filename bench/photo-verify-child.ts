// Run by bench/attachments.bench.ts in a fresh Node process, so that the process's peak resident memory is that of
// verifying one photo (sharp's pixel buffers are native memory, invisible to the JS heap). Prints one JSON line.
// argv: <path of the photo> <"baseline" | "verify">
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { limits } from "@dealchat/model";
import { inspectFile } from "../functions/src/domain/verification.ts";

const [file, mode] = process.argv.slice(2);
const photo = new Uint8Array(readFileSync(file!));
const result: Record<string, number> = { bytes: photo.byteLength };
if (mode === "verify") {
  const started = performance.now();
  const verdict = await inspectFile("photo.jpg", "image/jpeg", photo);
  result.verifyMs = performance.now() - started;
  if (verdict.status !== "verified") throw new Error(`the bench photo was rejected: ${verdict.reason}`);
  // The preview step alone, from the sanitized copy (what the verification does last).
  const previewStarted = performance.now();
  await sharp(verdict.sanitized!.data).resize({ width: limits.previewWidthPx, withoutEnlargement: true }).webp({ quality: 70 }).toBuffer();
  result.previewMs = performance.now() - previewStarted;
  result.width = verdict.width ?? 0;
  result.height = verdict.height ?? 0;
} else {
  // Load the same modules without processing: the baseline to subtract.
  await import("file-type");
  await sharp({ create: { width: 1, height: 1, channels: 3, background: "#000" } })
    .png()
    .toBuffer();
}
// maxRSS is in kibibytes.
result.peakRssMiB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(result));
