// The demo's data, written the way the platform writes it: users through the Auth emulator (firebase-admin, a
// `side` custom claim), deals and conversation entries through the model's platform helper, and a history of
// weeks of messages with the model's builders (admin SDK, so their times can be in the past). The functions'
// triggers are switched off while it writes (hundreds of back-dated writes at once would queue minutes of
// invocations on the Functions emulator), so the seed writes what they would derive itself — search tokens,
// last message, unread counters, read times, system messages — and switches them on again; response times
// start from zero.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createDeal,
  setProfile,
  limits,
  searchTokens,
  systemMessage,
  newMessage,
  paths,
  storagePaths,
  textEdit,
  tombstone,
  type Attachment,
  type DealStatus,
  type Side,
} from "@dealchat/model";
import type { Auth } from "firebase-admin/auth";
import { Timestamp, type Firestore } from "firebase-admin/firestore";

const assets = join(dirname(fileURLToPath(import.meta.url)), "assets");

export const DEMO_PASSWORD = "dealchat-demo";

export interface DemoUser {
  uid: string;
  email: string;
  name: string;
  side: Side;
}

export const demoUsers: DemoUser[] = [
  { uid: "brand-northwind", email: "northwind@demo.dealchat.test", name: "Northwind Outdoor", side: "brand" },
  { uid: "brand-lumen", email: "lumen@demo.dealchat.test", name: "Lumen Skincare", side: "brand" },
  { uid: "inf-ava", email: "ava@demo.dealchat.test", name: "Ava Chen", side: "influencer" },
  { uid: "inf-leo", email: "leo@demo.dealchat.test", name: "Leo Martins", side: "influencer" },
  { uid: "inf-sara", email: "sara@demo.dealchat.test", name: "Sara Okafor", side: "influencer" },
];

interface DemoDeal {
  id: string;
  brand: string;
  influencer: string;
  title: string;
  status: DealStatus;
  /** Messages in the history (before edits and deletions). */
  messages: number;
  /** Days ago the conversation started. */
  startedDaysAgo: number;
  /** Days ago the last message was sent. */
  endedDaysAgo: number;
  /** Messages at the end of the history the influencer / the brand has not read. */
  unread: { brand: number; influencer: number };
  image: string;
}

export const demoDeals: DemoDeal[] = [
  {
    id: "spring-trail-reel",
    brand: "brand-northwind",
    influencer: "inf-ava",
    title: "Spring trail-running reel",
    status: "active",
    messages: 64,
    startedDaysAgo: 34,
    endedDaysAgo: 0,
    unread: { brand: 3, influencer: 0 },
    image: "trail-moodboard.png",
  },
  {
    id: "winter-jacket-unboxing",
    brand: "brand-northwind",
    influencer: "inf-leo",
    title: "Winter jacket unboxing",
    status: "open",
    messages: 18,
    startedDaysAgo: 6,
    endedDaysAgo: 1,
    unread: { brand: 0, influencer: 2 },
    image: "jacket-draft.png",
  },
  {
    id: "camp-stove-review",
    brand: "brand-northwind",
    influencer: "inf-sara",
    title: "Camp stove field review",
    status: "completed",
    messages: 42,
    startedDaysAgo: 40,
    endedDaysAgo: 12,
    unread: { brand: 0, influencer: 0 },
    image: "stove-test.png",
  },
  {
    id: "vitamin-c-launch",
    brand: "brand-lumen",
    influencer: "inf-ava",
    title: "Vitamin C serum launch",
    status: "active",
    messages: 56,
    startedDaysAgo: 26,
    endedDaysAgo: 0,
    unread: { brand: 0, influencer: 4 },
    image: "serum-flatlay.png",
  },
  {
    id: "skincare-diary",
    brand: "brand-lumen",
    influencer: "inf-sara",
    title: "30-day skincare diary",
    status: "active",
    messages: 48,
    startedDaysAgo: 21,
    endedDaysAgo: 0,
    unread: { brand: 2, influencer: 1 },
    image: "serum-flatlay.png",
  },
  {
    id: "holiday-gift-guide",
    brand: "brand-lumen",
    influencer: "inf-leo",
    title: "Holiday gift guide",
    status: "cancelled",
    messages: 22,
    startedDaysAgo: 30,
    endedDaysAgo: 18,
    unread: { brand: 0, influencer: 0 },
    image: "serum-flatlay.png",
  },
  {
    id: "summer-hiking-series",
    brand: "brand-northwind",
    influencer: "inf-ava",
    title: "Summer hiking series",
    status: "open",
    messages: 10,
    startedDaysAgo: 3,
    endedDaysAgo: 0,
    unread: { brand: 0, influencer: 1 },
    image: "trail-moodboard.png",
  },
  {
    id: "spf-stories",
    brand: "brand-lumen",
    influencer: "inf-leo",
    title: "SPF daily stories",
    status: "completed",
    messages: 30,
    startedDaysAgo: 38,
    endedDaysAgo: 20,
    unread: { brand: 0, influencer: 0 },
    image: "serum-flatlay.png",
  },
  {
    id: "trail-shoe-launch",
    brand: "brand-northwind",
    influencer: "inf-leo",
    title: "Trail shoe launch teaser",
    status: "cancelled",
    messages: 12,
    startedDaysAgo: 15,
    endedDaysAgo: 9,
    unread: { brand: 0, influencer: 0 },
    image: "trail-moodboard.png",
  },
  {
    id: "night-cream-review",
    brand: "brand-lumen",
    influencer: "inf-ava",
    title: "Night cream honest review",
    status: "active",
    messages: 26,
    startedDaysAgo: 10,
    endedDaysAgo: 0,
    unread: { brand: 1, influencer: 0 },
    image: "serum-flatlay.png",
  },
];

const brandLines = [
  "Hi {name}! Thanks for taking this on — sharing the brief for {title} now.",
  "Does the timeline work for you? We'd love the first draft by next Friday.",
  "Great question. The key message is durability: it should feel like a real day out, not an ad.",
  "We can send a second sample in another colour if that helps the shoot.",
  "Love the concept. Could you keep the logo visible in the first three seconds?",
  "Legal asked for #ad in the first line of the caption, please.",
  "The draft looks great! Two small notes: a bit more daylight and a shorter intro.",
  "Approved from our side 🎉",
  "Could you share the analytics screenshot 48 hours after posting?",
  "Payment goes out on the 15th, as agreed.",
  "Quick check — did the package arrive?",
  "We'd like to boost the post as an ad. Are you OK with a 30-day licence?",
  "Perfect, thank you!",
  "Can we move the publish date one day later? The launch slipped a little.",
  "Here's the product sheet with the claims we can and cannot make.",
  "Our team loved the behind-the-scenes clip, can we use it on our page?",
];

const influencerLines = [
  "Hi! Excited about {title}. Reading the brief now.",
  "Timeline works. I'll shoot over the weekend if the weather holds.",
  "Would you rather have a voice-over or text on screen?",
  "Package arrived this morning, thank you! The colour is gorgeous.",
  "Here's a first look at the framing I have in mind.",
  "Draft is up — let me know what you think.",
  "Sure, I'll redo the intro and keep the logo in the first shot.",
  "Done! Caption starts with #ad now.",
  "Posted 🚀 Link in my stories too.",
  "First 24 h: 48k views, 6.2% engagement. Screenshot attached.",
  "Happy with a 30-day licence for ads, yes.",
  "Invoice sent, thanks for a smooth collaboration!",
  "No problem, one day later is fine.",
  "Could you confirm the discount code before I record?",
  "My audience keeps asking about the price, can I mention it?",
  "Thanks! Talk soon.",
];

/** A small deterministic generator, so every fresh demo has the same history. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface SeedTargets {
  db: Firestore;
  auth: Auth;
}

/** firebase-admin's default bucket (getStorage().bucket(name)), as uploadDemoFiles uses it. */
export interface DemoBucket {
  file(path: string): { save(data: Buffer, options: { contentType: string; resumable: boolean }): Promise<unknown> };
}

export interface DemoFile {
  storagePath: string;
  bytes: Buffer;
  contentType: string;
}

export interface SeedSummary {
  users: number;
  deals: number;
  messages: number;
  attachments: number;
  /** The attachments' bytes, for uploadDemoFiles once the triggers are on again. */
  files: DemoFile[];
}

/** Creates (or re-creates) the demo's accounts: uid, email, password, display name and the `side` claim. */
export async function seedUsers(auth: Auth, users: DemoUser[], password = DEMO_PASSWORD): Promise<void> {
  await Promise.all(
    users.map(async (u) => {
      await auth.deleteUser(u.uid).catch(() => {});
      await auth.createUser({ uid: u.uid, email: u.email, password, displayName: u.name, emailVerified: true });
      await auth.setCustomUserClaims(u.uid, { side: u.side });
    }),
  );
}

/** Writes the whole demo. `now` is the time the history ends at. */
export async function seedDemo(targets: SeedTargets, now = Date.now()): Promise<SeedSummary> {
  const { db, auth } = targets;
  await seedUsers(auth, demoUsers);
  // Public profiles: what the other side of a deal sees (the demo has no avatar pictures).
  await Promise.all(demoUsers.map((u) => setProfile(db, u.uid, { displayName: u.name, avatarUrl: null }, Timestamp.fromMillis(now))));
  const names = new Map(demoUsers.map((u) => [u.uid, u.name]));
  let messageCount = 0;
  let attachmentCount = 0;
  const files: DemoFile[] = [];
  const day = 24 * 60 * 60 * 1000;
  const images = new Map<string, Buffer>();
  const asset = (name: string) => {
    let bytes = images.get(name);
    if (!bytes) {
      bytes = readFileSync(join(assets, name));
      images.set(name, bytes);
    }
    return bytes;
  };

  for (const [index, deal] of demoDeals.entries()) {
    const rand = random(index + 7);
    const start = now - deal.startedDaysAgo * day;
    const end = now - deal.endedDaysAgo * day - 5 * 60 * 1000;
    await createDeal(
      db,
      { dealId: deal.id, brandId: deal.brand, influencerId: deal.influencer, title: deal.title, status: "open" },
      Timestamp.fromMillis(start - 60 * 60 * 1000),
    );
    const writer = db.bulkWriter();
    const times: number[] = [];
    for (let i = 0; i < deal.messages; i++)
      times.push(Math.round(start + ((end - start) * i) / Math.max(1, deal.messages - 1) + (i === deal.messages - 1 ? 0 : rand() * 20 * 60 * 1000)));
    let side: Side = "brand";
    let brandLine = 0;
    let influencerLine = 0;
    const created: Array<{ id: string; at: number; side: Side | "system"; doc: Record<string, unknown> }> = [];
    for (const [i, at] of times.entries()) {
      // Conversations go back and forth, with the odd double message.
      if (i > 0 && rand() < 0.7) side = side === "brand" ? "influencer" : "brand";
      const senderId = side === "brand" ? deal.brand : deal.influencer;
      const other = side === "brand" ? deal.influencer : deal.brand;
      const lines = side === "brand" ? brandLines : influencerLines;
      const n = side === "brand" ? brandLine++ : influencerLine++;
      const text = lines[n % lines.length]!.replace("{name}", (names.get(other) ?? "").split(" ")[0]!).replace("{title}", deal.title);
      const id = `m${String(i).padStart(3, "0")}-${deal.id}`;
      const attachments: Attachment[] = [];
      // Every ninth message carries a file: the deal's image, or the brief as a PDF from the brand.
      if (i % 9 === 4) {
        const name = side === "brand" && i % 2 === 0 ? "campaign-brief.pdf" : deal.image;
        const contentType = name.endsWith(".pdf") ? "application/pdf" : "image/png";
        const bytes = asset(name);
        const storagePath = storagePaths.attachment(deal.id, senderId, id, name);
        files.push({ storagePath, bytes, contentType });
        attachments.push({ name, size: bytes.length, contentType, storagePath });
        attachmentCount += 1;
      }
      let doc: Record<string, unknown> = newMessage({ senderId, senderSide: side, text, attachments }, Timestamp.fromMillis(at));
      // A few edits (a minute later) and deletions (a couple of minutes later), as people do.
      if (i % 11 === 6) doc = { ...doc, ...textEdit(`${text} (edited: new date)`, Timestamp.fromMillis(at + 60_000)) };
      if (i % 17 === 9) doc = { ...doc, ...tombstone(Timestamp.fromMillis(at + 120_000)) };
      created.push({ id, at, side, doc });
    }
    // The deal's statuses as the platform moved them, each told by a system message.
    let status: DealStatus = "open";
    const moves: Array<{ to: DealStatus; at: number }> = [];
    if (deal.status !== "open") moves.push({ to: "active", at: start + (end - start) * 0.15 });
    if (deal.status === "completed" || deal.status === "cancelled") moves.push({ to: deal.status, at: end + 60_000 });
    for (const move of moves) {
      created.push({
        id: `status-${move.to}`,
        at: move.at,
        side: "system",
        doc: systemMessage(statusTexts[move.to], Timestamp.fromMillis(move.at), { from: status, to: move.to }),
      });
      status = move.to;
    }
    created.sort((a, b) => a.at - b.at);
    for (const m of created) {
      void writer.set(db.doc(paths.message(deal.id, m.id)), { ...m.doc, searchTokens: m.doc.deleted ? [] : searchTokens(m.doc.text as string | null) });
      messageCount += 1;
    }
    await writer.close();
    const statusAt = Timestamp.fromMillis(moves[moves.length - 1]?.at ?? start - 60 * 60 * 1000);
    if (deal.status !== "open") await db.doc(paths.deal(deal.id)).update({ status: deal.status, updatedAt: statusAt });

    // Read state: each side has read everything but its last `unread` messages from the other side.
    const conversation: Record<string, unknown> = { status: deal.status, statusChangedAt: statusAt };
    for (const reader of ["brand", "influencer"] as const) {
      const fromOther = created.filter((m) => m.side !== reader && m.side !== "system");
      const unread = deal.unread[reader];
      const lastRead = unread === 0 ? created[created.length - 1] : fromOther[fromOther.length - 1 - unread];
      const mark = lastRead ? Timestamp.fromMillis(lastRead.at + 1) : null;
      const count = fromOther.filter((m) => mark === null || m.at > mark.toMillis()).length;
      conversation[`readWatermark.${reader}`] = mark;
      conversation[`readAt.${reader}`] = mark;
      conversation[`unread.${reader}`] = count;
      conversation[`hasUnread.${reader}`] = count > 0;
    }
    // The profile copies the functions keep on the conversation (written here too, so the demo does not wait on them).
    conversation.profiles = {
      brand: { displayName: names.get(deal.brand) ?? deal.brand, avatarUrl: null },
      influencer: { displayName: names.get(deal.influencer) ?? deal.influencer, avatarUrl: null },
    };
    const last = created[created.length - 1]!;
    conversation.lastMessage = lastMessageOf(last.id, last.doc);
    conversation.lastActivityAt = Timestamp.fromMillis(last.at);
    await db.doc(paths.conversation(deal.id)).update(conversation);
  }
  return { users: demoUsers.length, deals: demoDeals.length, messages: messageCount, attachments: attachmentCount, files };
}

/**
 * Uploads the demo's files. Call it with the functions' triggers on: each upload is verified (and an image gets
 * its preview) as a real one would, and the verdict lands on its message, which is already written; until then
 * the other side sees the file as being checked.
 */
export async function uploadDemoFiles(bucket: DemoBucket, files: readonly DemoFile[]): Promise<void> {
  await Promise.all(files.map((f) => bucket.file(f.storagePath).save(f.bytes, { contentType: f.contentType, resumable: false })));
}

const statusTexts: Record<DealStatus, string> = {
  open: "Deal reopened",
  active: "Deal is now active",
  completed: "Deal completed",
  cancelled: "Deal cancelled",
};

/** The conversation list's summary of a message, as the functions write it. */
function lastMessageOf(messageId: string, m: Record<string, unknown>) {
  const base = { messageId, senderId: m.senderId, senderSide: m.senderSide, at: m.createdAt };
  const snippet = (text: string) => (text.length > limits.snippetLength ? `${text.slice(0, limits.snippetLength - 1)}…` : text);
  if (m.deleted) return { ...base, snippet: "Message deleted", kind: "deleted" };
  if (m.senderSide === "system") return { ...base, snippet: snippet(String(m.text ?? "")), kind: "system" };
  const text = String(m.text ?? "").trim();
  if (text) return { ...base, snippet: snippet(text), kind: "text" };
  const n = (m.attachments as unknown[]).length;
  return { ...base, snippet: n === 1 ? "📎 1 attachment" : `📎 ${n} attachments`, kind: "attachment" };
}

/** Switches the Functions emulator's background triggers off or on (Emulator Hub at `hub`, "host:port"). */
export async function setBackgroundTriggers(hub: string, enabled: boolean): Promise<void> {
  const response = await fetch(`http://${hub}/functions/${enabled ? "enable" : "disable"}BackgroundTriggers`, { method: "PUT" });
  if (!response.ok) throw new Error(`could not ${enabled ? "enable" : "disable"} the functions' triggers: ${response.status} ${await response.text()}`);
}

export const demoDirectory = (): Record<string, { name: string; side: Side }> =>
  Object.fromEntries(demoUsers.map((u) => [u.uid, { name: u.name, side: u.side }]));
