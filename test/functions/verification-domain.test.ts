// The verdict on a file by its bytes (functions/src/domain/verification.ts), in-process on generated files: no
// emulator needed. The same files go through the real trigger in test/storage/verification.test.ts.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { limits } from "@dealchat/model";
import { inspectFile, inspectVideo, rethrowIfNotAboutTheFile } from "../../functions/src/domain/verification.ts";
import { cameraMake, elfExecutable, jpegWithGps, minimalDocx, mp4Movie, pdfOfPages, plainZip, pngWithGps, truncated } from "../storage/fixtures/generate.ts";

const docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const once = <T>(make: () => Promise<T> | T) => {
  let value: Promise<T> | undefined;
  return () => (value ??= Promise.resolve(make()));
};
const jpeg = once(() => jpegWithGps(640, 480, 6));
const png = once(() => pngWithGps());
const pdf = once(() => pdfOfPages(3));

describe("verification by bytes (in-process)", () => {
  it("a JPEG with EXIF and GPS: verified upright, dimensions as displayed, the camera's orientation, no metadata left, a 320 px WebP preview", async () => {
    const original = await jpeg();
    expect((await sharp(original).metadata()).exif?.toString("latin1")).toContain(cameraMake);
    const verdict = await inspectFile("beach.jpg", "image/jpeg", original);
    expect(verdict).toMatchObject({ status: "verified", detectedType: "image/jpeg", width: 480, height: 640, orientation: 6 });
    const clean = await sharp(verdict.sanitized!.data).metadata();
    expect(clean).toMatchObject({ format: "jpeg", width: 480, height: 640 });
    expect(clean.exif).toBeUndefined();
    expect(clean.orientation).toBeUndefined();
    expect(verdict.size).toBe(verdict.sanitized!.data.byteLength);
    const preview = await sharp(verdict.preview!).metadata();
    expect(preview).toMatchObject({ format: "webp", width: limits.previewWidthPx });
    expect(preview.exif).toBeUndefined();
  });

  it("a PNG with EXIF and GPS: verified, metadata stripped", async () => {
    const verdict = await inspectFile("shot.png", "image/png", await png());
    expect(verdict).toMatchObject({ status: "verified", width: 400, height: 300 });
    expect((await sharp(verdict.sanitized!.data).metadata()).exif).toBeUndefined();
  });

  it("a PDF of N pages: its page count", async () => {
    expect(await inspectFile("brief.pdf", "application/pdf", await pdf())).toMatchObject({ status: "verified", pageCount: 3, detectedType: "application/pdf" });
  });

  it("an MP4: duration and dimensions from its movie header", async () => {
    const movie = mp4Movie({ width: 1280, height: 720, durationMs: 4000 });
    const verdict = await inspectVideo(
      "video/mp4",
      {
        head: movie,
        chunks: async function* () {
          yield movie.subarray(0, 1000);
          yield movie.subarray(1000);
        },
      },
      "draft.mp4",
    );
    expect(verdict).toMatchObject({ status: "verified", detectedType: "video/mp4", durationMs: 4000, width: 1280, height: 720 });
  });

  it("a real .docx is verified; a ZIP named .docx is an archive", async () => {
    expect(await inspectFile("brief.docx", docx, minimalDocx())).toMatchObject({ status: "verified", detectedType: docx });
    const zip = await inspectFile("brief.docx", docx, plainZip());
    expect(zip).toMatchObject({ status: "rejected", detectedType: "application/zip" });
    expect(zip.reason).toMatch(/^the file is not a Word document: it is an archive/);
  });

  it("an ELF executable renamed .pdf: rejected as a program", async () => {
    const verdict = await inspectFile("invoice.pdf", "application/pdf", elfExecutable());
    expect(verdict).toMatchObject({ status: "rejected", detectedType: "application/x-elf" });
    expect(verdict.reason).toMatch(/^the file is not a PDF: it is a program/);
  });

  it("a name whose extension is another kind of file, bytes of another type, unknown bytes, an empty file", async () => {
    expect((await inspectFile("invoice.pdf.exe", "application/pdf", await pdf())).reason).toBe("the file name ends in .exe, which is not a PDF");
    expect((await inspectFile("photo.png", "image/png", await jpeg())).reason).toBe("the file is not a PNG image: its content is image/jpeg");
    expect((await inspectFile("notes.pdf", "application/pdf", new TextEncoder().encode("just text, no PDF"))).reason).toBe(
      "the file is not a PDF: its content is not a file type we recognise",
    );
    expect(await inspectFile("empty.pdf", "application/pdf", new Uint8Array())).toEqual({ status: "rejected", reason: "the file is empty" });
  });

  it("truncated files: rejected with a reason, never an exception", async () => {
    const pdfCut = await inspectFile("brief.pdf", "application/pdf", truncated(await pdf()));
    expect(pdfCut).toMatchObject({ status: "rejected" });
    expect(pdfCut.reason).toMatch(/PDF is (truncated|damaged)/);
    const jpegCut = await inspectFile("beach.jpg", "image/jpeg", truncated(await jpeg()));
    expect(jpegCut).toMatchObject({ status: "rejected" });
    expect(jpegCut.reason).toMatch(/^the image is damaged or truncated/);
    const movie = mp4Movie();
    const head = movie.subarray(0, 40);
    const mp4Cut = await inspectVideo(
      "video/mp4",
      {
        head,
        chunks: async function* () {
          yield head;
        },
      },
      "draft.mp4",
    );
    expect(mp4Cut).toMatchObject({ status: "rejected" });
    expect(mp4Cut.reason).toMatch(/^the video is damaged or truncated/);
  });

  it("a failure that is not about the file (a dropped read, no memory) is thrown for a retry, never a verdict", async () => {
    const movie = mp4Movie();
    const dropped = inspectVideo(
      "video/mp4",
      {
        head: movie.subarray(0, 40),
        chunks: async function* () {
          yield movie.subarray(0, 40);
          throw new Error("read ECONNRESET");
        },
      },
      "draft.mp4",
    );
    await expect(dropped).rejects.toThrow("ECONNRESET");
    expect(() => rethrowIfNotAboutTheFile(new RangeError("Array buffer allocation failed"))).toThrow(RangeError);
    expect(() => rethrowIfNotAboutTheFile(new Error("VipsJpeg: Premature end of input file"))).not.toThrow();
  });
});
