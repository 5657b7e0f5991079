// Bundles the functions with the shared model code into lib/, so Cloud Build only has to install the
// registry dependencies listed in this package.json (model/ is not published anywhere).
import { build } from "esbuild";

await build({
  entryPoints: ["src/index.ts"],
  outfile: "lib/index.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  conditions: ["source"],
  // Provided by Cloud Build's install of this package.json; bundling them would break their own loading.
  external: ["firebase-functions", "firebase-functions/*", "firebase-admin", "firebase-admin/*"],
  logLevel: "warning",
});
