import { defineConfig } from "vite";

// The app is served from the root of its own origin (scripts/start.ts, the browser tests): plain static files.
export default defineConfig({
  root: import.meta.dirname,
  build: { outDir: "dist", target: "es2022", emptyOutDir: true, chunkSizeWarningLimit: 1200 },
  logLevel: "warn",
});
