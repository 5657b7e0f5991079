import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources through the "source" export condition.
const conditions = ["source", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["test/**/*.test.ts", "rules-engine/test/**/*.test.ts", "model/test/**/*.test.ts", "client-sdk/test/**/*.test.ts", "functions/test/**/*.test.ts"],
    environment: "node",
    // Every file: recovers the web SDK from the emulator's corrupt Listen frames (see the file).
    setupFiles: ["test/support/listen-recovery.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Every file shares one emulator suite; two workers keep the 2-core machines responsive.
    maxWorkers: 2,
  },
});
