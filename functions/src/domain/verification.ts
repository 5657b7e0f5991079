// Verification of an uploaded file by its bytes (docs/attachments.md): what its bytes really are (file-type, never
// a hand-written table), whether that matches the declared content type and the name's extension, and the metadata
// a reader needs (image dimensions and orientation, PDF page count, video duration and dimensions). Images are
// re-encoded upright without camera metadata (EXIF, GPS, XMP, IPTC) and get a small WebP preview. Nothing here
// touches Storage or Firestore: the handler feeds the bytes in and stores what comes out.
import {
  attachmentExtensions,
  contentTypeLabels,
  fileExtension,
  limits,
  videoContentTypes,
  type AttachmentContentType,
  type AttachmentVerification,
} from "@dealchat/model";

/** What the verification decided, without the time (the handler stamps `checkedAt`). */
export type Inspection = Omit<AttachmentVerification, "checkedAt" | "previewPath"> & {
  /** For images: the bytes the other side downloads instead of the upload (upright, no camera metadata). */
  sanitized?: { data: Uint8Array; contentType: AttachmentContentType };
  /** For images: the WebP preview, limits.previewWidthPx wide at most. */
  preview?: Uint8Array;
};

/** The detected types (file-type MIME types) each declared content type accepts. */
const acceptedDetections: Record<AttachmentContentType, readonly string[]> = {
  "image/jpeg": ["image/jpeg"],
  "image/png": ["image/png", "image/apng"],
  "image/gif": ["image/gif"],
  "image/webp": ["image/webp"],
  "application/pdf": ["application/pdf"],
  // Legacy Office files are OLE compound files; file-type names the container, not the application.
  "application/msword": ["application/x-cfb"],
  "application/vnd.ms-excel": ["application/x-cfb"],
  "application/vnd.ms-powerpoint": ["application/x-cfb"],
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": ["application/vnd.openxmlformats-officedocument.presentationml.presentation"],
  // One container family: phones write .mov with an mp4 brand and the other way round.
  "video/mp4": ["video/mp4", "video/x-m4v", "video/quicktime"],
  "video/quicktime": ["video/quicktime", "video/mp4", "video/x-m4v"],
  "video/webm": ["video/webm"],
};

/** file-type extensions of programs a disguised upload could run on the other side's machine. */
const executableKinds = new Set(["exe", "elf", "macho", "wasm", "class", "jar", "apk", "swf", "lnk", "crx", "xpi", "deb", "rpm", "dmg", "reg"]);
/** file-type extensions of archives (a ZIP that is not an Office document, and the like). */
const archiveKinds = new Set(["zip", "tar", "rar", "gz", "bz2", "7z", "xz", "zst", "lz", "lz4", "lzh", "cab", "ar", "cpio", "arj", "ace", "tar.gz", "asar"]);

const isVideo = (type: AttachmentContentType) => (videoContentTypes as readonly string[]).includes(type);
const isImage = (type: AttachmentContentType) => type.startsWith("image/");

function rejected(reason: string, detectedType?: string): Inspection {
  return { status: "rejected", reason, ...(detectedType ? { detectedType } : {}) };
}

/** The rejection for bytes that are not what was declared, saying what they are when that is telling. */
function mismatch(declared: AttachmentContentType, detected: { ext: string; mime: string } | undefined): Inspection {
  const label = contentTypeLabels[declared];
  if (!detected) return rejected(`the file is not ${label}: its content is not a file type we recognise`);
  if (executableKinds.has(detected.ext)) return rejected(`the file is not ${label}: it is a program (${detected.mime})`, detected.mime);
  if (archiveKinds.has(detected.ext)) return rejected(`the file is not ${label}: it is an archive (${detected.mime})`, detected.mime);
  return rejected(`the file is not ${label}: its content is ${detected.mime}`, detected.mime);
}

/** A name whose extension belongs to another kind of file (`invoice.pdf.exe` declared as a PDF). */
function extensionMismatch(name: string, declared: AttachmentContentType): string | null {
  const ext = fileExtension(name);
  if (ext === null || attachmentExtensions[declared].includes(ext)) return null;
  return `the file name ends in .${ext}, which is not ${contentTypeLabels[declared]}`;
}

/** Reads just enough of a file: `head` for detection, `chunks` (from the start) for a video's container. */
export interface VideoSource {
  head: Uint8Array;
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * The verdict on a document or image (whole file in memory: at most limits.attachmentMaxBytes). Never throws
 * for bad input: a damaged file is a rejection with a reason.
 */
export async function inspectFile(name: string, declared: AttachmentContentType, bytes: Uint8Array): Promise<Inspection> {
  if (bytes.byteLength === 0) return rejected("the file is empty");
  const badName = extensionMismatch(name, declared);
  if (badName) return rejected(badName);
  const { fileTypeFromBuffer } = await import("file-type");
  const detected = await fileTypeFromBuffer(bytes);
  if (!detected || !acceptedDetections[declared].includes(detected.mime)) return mismatch(declared, detected);
  const base = { status: "verified" as const, detectedType: detected.mime, size: bytes.byteLength };
  if (isImage(declared)) return inspectImage(declared, bytes, detected.mime);
  if (declared === "application/pdf") return inspectPdf(bytes, detected.mime);
  if (isVideo(declared))
    return inspectVideo(declared, {
      head: bytes,
      chunks: async function* () {
        yield bytes;
      },
    });
  return base;
}

/** sharp refuses images past this many pixels (decompression bombs): 100 megapixels, a large phone camera's output. */
const maxInputPixels = 100_000_000;

async function inspectImage(declared: AttachmentContentType, bytes: Uint8Array, detectedType: string): Promise<Inspection> {
  const { default: sharp } = await import("sharp");
  // failOn "warning": a truncated or corrupt image fails here instead of being stored half grey.
  const open = () => sharp(bytes, { failOn: "warning", limitInputPixels: maxInputPixels, animated: declared === "image/gif" || declared === "image/webp" });
  try {
    const meta = await open().metadata();
    if (!meta.width || !meta.height) return rejected(`the file is not ${contentTypeLabels[declared]}: it has no dimensions`, detectedType);
    const orientation = meta.orientation && meta.orientation >= 1 && meta.orientation <= 8 ? meta.orientation : undefined;
    // Re-encoding writes no metadata (sharp keeps none unless asked): EXIF, GPS, XMP and IPTC are gone. rotate()
    // applies the EXIF orientation first, so the picture stays upright without it.
    const upright = open().rotate();
    const encoded =
      declared === "image/jpeg"
        ? upright.jpeg({ quality: 90 })
        : declared === "image/png"
          ? upright.png()
          : declared === "image/webp"
            ? upright.webp({ quality: 90 })
            : upright.gif();
    const data = new Uint8Array(await encoded.toBuffer());
    const preview = new Uint8Array(
      await sharp(data, { limitInputPixels: maxInputPixels })
        .resize({ width: limits.previewWidthPx, withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer(),
    );
    const turned = orientation !== undefined && orientation >= 5;
    // For an animated image sharp reports the height of all frames stacked; one frame is what a reader sees.
    const frameHeight = meta.pageHeight ?? meta.height;
    return {
      status: "verified",
      detectedType,
      size: data.byteLength,
      width: turned ? frameHeight : meta.width,
      height: turned ? meta.width : frameHeight,
      ...(orientation !== undefined ? { orientation } : {}),
      sanitized: { data, contentType: declared },
      preview,
    };
  } catch (error) {
    rethrowIfNotAboutTheFile(error);
    return rejected(`the image is damaged or truncated (${shortMessage(error)})`, detectedType);
  }
}

async function inspectPdf(bytes: Uint8Array, detectedType: string): Promise<Inspection> {
  // A complete PDF ends with an end-of-file marker (followed at most by line ends); pdf-lib alone would reconstruct
  // a cut-off file's pages and call it fine.
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.byteLength - 1024))).toString("latin1");
  if (!tail.includes("%%EOF")) return rejected("the PDF is truncated (it has no end-of-file marker)", detectedType);
  // Loaded outside the try: a failure to load the parser is the platform's fault (the event is retried), never a
  // verdict on the user's file.
  const pdfLib = await import("pdf-lib");
  // pdf-lib is CommonJS: in the split functions bundle its names sit on the namespace's default export.
  const PDFDocument = pdfLib.PDFDocument ?? (pdfLib as unknown as { default: typeof pdfLib }).default.PDFDocument;
  try {
    const pdf = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: true });
    const pageCount = pdf.getPageCount();
    if (pageCount === 0) return rejected("the PDF has no pages", detectedType);
    return { status: "verified", detectedType, size: bytes.byteLength, pageCount };
  } catch (error) {
    rethrowIfNotAboutTheFile(error);
    return rejected(`the PDF is damaged (${shortMessage(error)})`, detectedType);
  }
}

/**
 * A video's verdict from its first bytes and its container. MP4/QuickTime: duration and dimensions from the movie
 * header (mp4box, pure JavaScript, reading the file in order until the header is found). WebM: no well-kept
 * pure-JavaScript parser reads its duration and dimensions, and native tools (ffprobe) cannot be installed in
 * Cloud Functions from the npm registry, so those fields are listed in `missing`.
 */
export async function inspectVideo(declared: AttachmentContentType, source: VideoSource, name?: string): Promise<Inspection> {
  if (source.head.byteLength === 0) return rejected("the file is empty");
  if (name !== undefined) {
    const badName = extensionMismatch(name, declared);
    if (badName) return rejected(badName);
  }
  const { fileTypeFromBuffer } = await import("file-type");
  const detected = await fileTypeFromBuffer(source.head);
  if (!detected || !acceptedDetections[declared].includes(detected.mime)) return mismatch(declared, detected);
  if (declared === "video/webm") return { status: "verified", detectedType: detected.mime, missing: ["durationMs", "width", "height"] };
  const { createFile, MP4BoxBuffer } = await import("mp4box");
  const file = createFile();
  type MovieInfo = {
    duration: number;
    timescale: number;
    videoTracks: Array<{ duration: number; timescale: number; track_width: number; track_height: number }>;
  };
  // Set by mp4box's callbacks while chunks are appended.
  const parsed: { info: MovieInfo | null; failure: string | null } = { info: null, failure: null };
  file.onReady = (movie) => {
    parsed.info = movie;
  };
  file.onError = (_module, message) => {
    parsed.failure = message;
  };
  let offset = 0;
  // A failed read of the source propagates (the handler retries it); only the parser's own errors are a verdict.
  for await (const chunk of source.chunks()) {
    try {
      file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(chunk.slice().buffer, offset));
    } catch (error) {
      rethrowIfNotAboutTheFile(error);
      parsed.failure = shortMessage(error);
    }
    offset += chunk.byteLength;
    if (parsed.info || parsed.failure) break;
  }
  try {
    file.flush();
  } catch (error) {
    rethrowIfNotAboutTheFile(error);
    parsed.failure ??= shortMessage(error);
  }
  const movie = parsed.info;
  if (!movie) return rejected(`the video is damaged or truncated (${parsed.failure ?? "no movie header"})`, detected.mime);
  const track = movie.videoTracks[0];
  if (!track) return rejected("the video has no video track", detected.mime);
  const seconds = Math.max(movie.timescale ? movie.duration / movie.timescale : 0, track.timescale ? track.duration / track.timescale : 0);
  return {
    status: "verified",
    detectedType: detected.mime,
    durationMs: Math.round(seconds * 1000),
    ...(track.track_width > 0 ? { width: Math.round(track.track_width) } : {}),
    ...(track.track_height > 0 ? { height: Math.round(track.track_height) } : {}),
  };
}

/**
 * Running out of memory says nothing about the file: deleting it as "damaged" would lose a good upload. Such a
 * failure is thrown, so the event is retried (production redelivers it; the handler reports it) instead.
 */
export function rethrowIfNotAboutTheFile(error: unknown): void {
  const text = error instanceof Error ? error.message : String(error);
  if (/out of memory|cannot allocate|ENOMEM|allocation failed|heap limit/i.test(text)) throw error;
}

function shortMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 160);
}
