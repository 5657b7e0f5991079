// Bundles the functions with the shared model code into lib/, so Cloud Build only has to install the
// registry dependencies listed in this package.json (model/ is not published anywhere).
import { build } from "esbuild";

await build({
  entryPoints: ["src/index.ts"],
  // The verification's parsers (file-type, pdf-lib, mp4box) are imported on first use: split into chunks of their
  // own, so every other function's cold start does not parse them.
  outdir: "lib",
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  conditions: ["source"],
  // Provided by Cloud Build's install of this package.json; bundling them would break their own loading.
  // sharp is native (its prebuilt libvips comes as @img/* registry packages chosen by platform at install time),
  // so it stays a dependency that Cloud Build installs; file-type, pdf-lib and mp4box are plain JavaScript and bundled.
  external: ["firebase-functions", "firebase-functions/*", "firebase-admin", "firebase-admin/*", "sharp"],
  // Some bundled CommonJS modules (debug, used by file-type's ZIP reader) require Node's built-ins; an ESM bundle
  // has no `require` of its own, so it gets one.
  banner: { js: 'import { createRequire as __dealchatCreateRequire } from "node:module"; const require = __dealchatCreateRequire(import.meta.url);' },
  logLevel: "warning",
});
