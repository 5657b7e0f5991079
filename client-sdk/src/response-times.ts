// Response times (docs/response-times.md): the signed-in user's own statistics across deals, from
// responseStats/{uid} (written by the functions, readable by its owner only). The rolling windows are
// re-evaluated for the current instant from the per-deal answers the document holds (model responseWindows),
// so a figure is never older than the call, even when the user has not written for a while.
import { inEnglish, paths, responseWindows, UserResponseStats, type ResponseWindowStats, type UserDealResponses } from "@dealchat/model";
import { doc, getDocFromServer, type DocumentSnapshot, type Timestamp } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import { toDealChatError, type DealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";

export interface MyResponseStats {
  uid: string;
  /** Over the last 30 and 90 days, as of `evaluatedAt`: count, mean, median, p90, unanswered turns, waiting since. */
  windows: { d30: ResponseWindowStats; d90: ResponseWindowStats };
  /** Per deal: this user's answers (last 90 days) and the answer they owe there. */
  deals: Record<string, UserDealResponses>;
  evaluatedAt: Date;
  /** When the functions last updated the document; null before this user's first deal activity. */
  computedAt: Timestamp | null;
}

function fromSnapshot(ctx: ClientContext, snap: DocumentSnapshot, uid: string): MyResponseStats {
  const now = ctx.now();
  const parsed = snap.exists() ? UserResponseStats.safeParse(snap.data(), inEnglish) : undefined;
  // A document that does not match the model reads as "no statistics" (reported once), never as a crash.
  if (parsed && !parsed.success) ctx.reportMalformed(snap.ref.path, parsed.error.issues[0]?.message ?? "unexpected shape");
  const data = parsed?.success ? parsed.data : undefined;
  const deals = data?.deals ?? {};
  return { uid, windows: responseWindows(deals, now), deals, evaluatedAt: new Date(now), computedAt: (data?.computedAt as Timestamp | undefined) ?? null };
}

/** The signed-in user's statistics, read once from the server (1 document read). */
export async function myResponseStats(ctx: ClientContext): Promise<MyResponseStats> {
  const uid = ctx.uid;
  let snap: DocumentSnapshot;
  try {
    snap = await getDocFromServer(doc(ctx.db, paths.responseStats(uid)));
  } catch (e) {
    throw toDealChatError(e, "reading your response statistics");
  }
  ctx.countReads(1);
  return fromSnapshot(ctx, snap, uid);
}

/** The signed-in user's statistics, live: one listener on their responseStats document. */
export function watchMyResponseStats(
  ctx: ClientContext,
  onChange: (stats: MyResponseStats) => void,
  onError: (e: DealChatError) => void = () => {},
): Unsubscribe {
  const uid = ctx.uid;
  return ctx.listenToDoc(doc(ctx.db, paths.responseStats(uid)), {}, (snap) => onChange(fromSnapshot(ctx, snap, uid)), onError, "your response statistics");
}
