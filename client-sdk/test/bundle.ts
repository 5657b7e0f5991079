// The SDK bundled the way a web app's bundler does it: the package's built entry, browser platform, minified.
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

export interface BrowserBundle {
  metafile: Metafile;
  bytes: number;
  gzipBytes: number;
}

export async function bundleForBrowsers(): Promise<BrowserBundle> {
  const result = await build({
    stdin: { contents: `export * from "@dealchat/client-sdk";`, resolveDir: process.cwd(), loader: "js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  }).catch((error: { errors?: Array<{ text: string }> }) => {
    throw new Error(`bundling for browsers failed:\n${(error.errors ?? []).map((e) => e.text).join("\n")}`);
  });
  const output = result.outputFiles[0]!.contents;
  return { metafile: result.metafile, bytes: output.byteLength, gzipBytes: gzipSync(output).byteLength };
}
