// Google's rules engine as a black box: it runs inside the Firestore emulator. We load a ruleset into a
// project of our own (never demo-dealchat) through the emulator's REST endpoint and ask it, through
// `@firebase/rules-unit-testing`, whether a signed-in client may `get` one document per case.
import { initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { firestoreEmulator } from "../../../test/support/emulators.ts";

export const CONFORMANCE_PROJECT = "demo-rules-conformance";
/** The client's identity in every probe; our engine gets the same `request.auth`. */
export const PROBE_UID = "alice";
export const PROBE_CLAIMS = { role: "admin", level: 3, tags: ["a", "b"], email: "alice@example.com" } as const;

export class GoogleEngine {
  private constructor(
    private readonly env: RulesTestEnvironment,
    private readonly projectId: string,
  ) {}

  static async start(projectId = CONFORMANCE_PROJECT): Promise<GoogleEngine> {
    const { host, port } = firestoreEmulator();
    const env = await initializeTestEnvironment({ projectId, firestore: { host, port } });
    return new GoogleEngine(env, projectId);
  }

  /** Loads a ruleset; resolves to null on success or to the emulator's error text. */
  async loadRules(source: string): Promise<string | null> {
    const { host, port } = firestoreEmulator();
    const response = await fetch(`http://${host}:${port}/emulator/v1/projects/${this.projectId}:securityRules`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules: { files: [{ name: "firestore.rules", content: source }] } }),
    });
    if (response.ok) return null;
    return `${response.status} ${await response.text()}`;
  }

  /** Writes documents with rules disabled (case fixtures, documents for get()/exists()). */
  async seed(docs: Record<string, Record<string, unknown>>): Promise<void> {
    await this.env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      await Promise.all(Object.entries(docs).map(([path, data]) => db.doc(path).set(data)));
    });
  }

  /** Whether the probe client may read each document path (batched, a few requests in flight). */
  async allowsGet(paths: readonly string[]): Promise<boolean[]> {
    const db = this.env.authenticatedContext(PROBE_UID, { ...PROBE_CLAIMS }).firestore();
    const out: boolean[] = new Array(paths.length);
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const i = next++;
        try {
          await db.doc(paths[i]!).get();
          out[i] = true;
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code !== "permission-denied") throw e;
          out[i] = false;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return out;
  }

  /**
   * Whether the probe client may read each document, through the emulator's REST API: a denial is 403, an
   * allowed read of a missing document 404. Any other answer (the emulator's engine failing on a case) is
   * reported as "failed" instead of being retried the way the SDK's listeners would.
   */
  async allowsGetRest(paths: readonly string[]): Promise<(boolean | "failed")[]> {
    const { host, port } = firestoreEmulator();
    const b64 = (x: object) => Buffer.from(JSON.stringify(x)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: `https://securetoken.google.com/${this.projectId}`,
      aud: this.projectId,
      iat: now,
      exp: now + 3600,
      auth_time: now,
      sub: PROBE_UID,
      user_id: PROBE_UID,
      firebase: { sign_in_provider: "custom", identities: {} },
      ...PROBE_CLAIMS,
    };
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    const out: (boolean | "failed")[] = new Array(paths.length);
    let next = 0;
    const worker = async () => {
      while (next < paths.length) {
        const i = next++;
        const url = `http://${host}:${port}/v1/projects/${this.projectId}/databases/(default)/documents/${paths[i]}`;
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        await response.arrayBuffer();
        out[i] = response.status === 403 ? false : response.status === 200 || response.status === 404 ? true : "failed";
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    return out;
  }

  /** Whether the probe client may create each document (path → data) with `set`. */
  async allowsCreate(writes: readonly (readonly [path: string, data: Record<string, unknown>])[]): Promise<boolean[]> {
    const db = this.env.authenticatedContext(PROBE_UID, { ...PROBE_CLAIMS }).firestore();
    return Promise.all(
      writes.map(async ([path, data]) => {
        try {
          await db.doc(path).set(data);
          return true;
        } catch (e) {
          if ((e as { code?: string }).code !== "permission-denied") throw e;
          return false;
        }
      }),
    );
  }

  async stop(): Promise<void> {
    await this.env.cleanup();
  }
}
