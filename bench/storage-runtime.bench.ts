// DealChat's Storage rules runtime through its stdio protocol, with this bench playing firebase-tools'
// Storage emulator (and answering document requests from memory, so Firestore's own latency is left out).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StorageRulesRuntimeClient, storageVariables } from "../rules-engine/src/storage-runtime/client.ts";
import { ensureLauncherJar } from "../scripts/lib/storage-runtime.ts";
import { findJdk } from "../scripts/lib/java.ts";
import { percentile, type BenchRow } from "./table.ts";
import { verificationMetadataKey, verifiedMarker } from "@dealchat/model";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const runtimeScript = join(repo, "rules-engine", "dist", "storage-runtime.mjs");
const bucket = "demo-dealchat.appspot.com";

const STARTS = 10;
const WARMUP = 200;
const VERIFIES = 1000;

function sorted(samples: number[]): number[] {
  return [...samples].sort((a, b) => a - b);
}

function rows(benchmark: string, unit: string, samples: number[], notes: string): BenchRow[] {
  const s = sorted(samples);
  return [
    { benchmark, metric: "p50", value: percentile(s, 50), unit, notes },
    { benchmark, metric: "p99", value: percentile(s, 99), unit, notes },
  ];
}

async function startupTimes(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const started = performance.now();
    const runtime = await StorageRulesRuntimeClient.start(command, args, { env });
    times.push(performance.now() - started);
    await runtime.stop();
  }
  return times;
}

export async function run(): Promise<BenchRow[]> {
  if (!existsSync(runtimeScript)) throw new Error(`${runtimeScript} is missing: run \`npm run build -w @dealchat/rules-engine\``);
  const out: BenchRow[] = [];

  out.push(
    ...rows(
      "storage runtime start-up (node, spawn → handshake)",
      "ms",
      await startupTimes(process.execPath, [runtimeScript, "serve"], process.env),
      `${STARTS} starts`,
    ),
  );
  const jdk = findJdk();
  if (jdk) {
    const jar = ensureLauncherJar(jdk);
    const env = { ...process.env, DEALCHAT_STORAGE_RUNTIME_SCRIPT: runtimeScript, DEALCHAT_NODE: process.execPath };
    const args = ["-Djava.security.manager=disallow", "-Duser.language=en", "-jar", jar, "serve"];
    out.push(
      ...rows(
        "storage runtime start-up (launcher jar, as firebase-tools starts it)",
        "ms",
        await startupTimes(join(jdk.bin, "java"), args, env),
        `${STARTS} starts, JDK ${jdk.major}`,
      ),
    );
  }

  const runtime = await StorageRulesRuntimeClient.start(process.execPath, [runtimeScript, "serve"]);
  try {
    const loaded = await runtime.loadRuleset("storage", readFileSync(join(repo, "storage.rules"), "utf8"));
    if (loaded.errors.length) throw new Error(`storage.rules did not load: ${loaded.errors.join("; ")}`);
    const deal = {
      brandId: { stringValue: "brand-1" },
      influencerId: { stringValue: "infl-1" },
      participants: { arrayValue: { values: [{ stringValue: "brand-1" }, { stringValue: "infl-1" }] } },
      status: { stringValue: "active" },
    };
    const objectPath = (sender: string) => `/b/${bucket}/o/deals/deal-1/attachments/${sender}/msg-1/photo.png`;
    const cases = {
      // A participant downloads the other side's verified file: isParticipant() reads the deal document through the
      // protocol (the marker is the functions' verdict, docs/attachments.md).
      withLookup: {
        context: {
          rulesetName: "storage",
          path: objectPath("brand-1"),
          method: "get",
          variables: storageVariables({
            path: objectPath("brand-1"),
            uid: "infl-1",
            existing: { name: "x", bucket, size: 1000, contentType: "image/png", metadata: { [verificationMetadataKey]: verifiedMarker } },
          }),
        },
        expect: true,
      },
      // An upload of a refused content type: denied by the cheap checks before any Firestore read.
      withoutLookup: {
        context: {
          rulesetName: "storage",
          path: objectPath("infl-1"),
          method: "create",
          variables: storageVariables({ path: objectPath("infl-1"), uid: "infl-1", incoming: { name: "x", bucket, size: 1000, contentType: "text/html" } }),
        },
        expect: false,
      },
    };
    for (const [name, { context, expect }] of Object.entries(cases)) {
      const samples: number[] = [];
      let lookups = 0;
      for (let i = 0; i < WARMUP + VERIFIES; i++) {
        const started = performance.now();
        const response = await runtime.verify(context, () => {
          lookups++;
          return deal;
        });
        const elapsed = performance.now() - started;
        const permit = response.result && "permit" in response.result ? response.result.permit : undefined;
        if (permit !== expect) throw new Error(`${name}: expected permit ${expect}, got ${JSON.stringify(response)}`);
        if (i >= WARMUP) samples.push(elapsed * 1000);
      }
      const label =
        name === "withLookup"
          ? "storage.rules verify round trip, 1 Firestore lookup (participant get)"
          : "storage.rules verify round trip, no lookup (refused content type)";
      out.push(...rows(label, "µs", samples, `${VERIFIES} sequential verifies after ${WARMUP} warm-up; ${lookups} document requests`));
    }
  } finally {
    await runtime.stop();
  }
  return out;
}
