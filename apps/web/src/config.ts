// Where the Firebase project and its emulators are: served next to the app as /dealchat-config.json (apps/web/serve.ts).
export interface WebAppConfig {
  firebase: { projectId: string; apiKey: string; storageBucket: string };
  emulators: { host: string; auth: number; firestore: number; storage?: number };
  directory: Record<string, { name: string; side: "brand" | "influencer" }>;
  demoAccounts: Array<{ email: string; password: string; name: string; side: "brand" | "influencer" }>;
}

export async function loadConfig(): Promise<WebAppConfig> {
  const response = await fetch("/dealchat-config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`Could not load /dealchat-config.json (HTTP ${response.status}).`);
  return (await response.json()) as WebAppConfig;
}
