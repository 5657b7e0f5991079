// Response times (docs/response-times.md): the signed-in user's own statistics across deals. Their answers come
// from responseStats/{uid} (written by the functions, readable by its owner only); the answers they owe now come
// from their conversations (owedAnswersQuery: each conversation's responseTime.<side>.waitingSince, which the
// message trigger keeps anyway, so a send never writes the debtor's document). The rolling windows are
// re-evaluated for the current instant (model withOwedAnswers + responseWindows), so a figure is never older than
// the call, even when the user has not written for a while.
import {
  inEnglish,
  owedAnswersQuery,
  paths,
  responseStatsRetentionMs,
  responseWindows,
  sides,
  UserResponseStats,
  withOwedAnswers,
  type OwedAnswer,
  type ResponseWindowStats,
  type Side,
  type UserDealResponses,
} from "@dealchat/model";
import { doc, getDocFromServer, getDocsFromServer, Timestamp, type DocumentSnapshot, type QuerySnapshot } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import { toDealChatError, type DealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";

export interface MyResponseStats {
  uid: string;
  /** Over the last 30 and 90 days, as of `evaluatedAt`: count, mean, median, p90, unanswered turns, waiting since. */
  windows: { d30: ResponseWindowStats; d90: ResponseWindowStats };
  /** Per deal: this user's answers (last 90 days) and the answer they owe there (open deals, wait started within 90 days). */
  deals: Record<string, UserDealResponses>;
  evaluatedAt: Date;
  /** When the functions last updated the document; null before this user's first answer. */
  computedAt: Timestamp | null;
}

/** The sides the user's debts are looked up on: the client's configured side, or both. */
function sidesOf(side: Side | undefined): readonly Side[] {
  return side ? [side] : sides;
}

function owedFrom(snap: QuerySnapshot, side: Side): OwedAnswer<Timestamp>[] {
  const owed: OwedAnswer<Timestamp>[] = [];
  for (const d of snap.docs) {
    const waitingSince = d.get(`responseTime.${side}.waitingSince`);
    if (waitingSince instanceof Timestamp) owed.push({ dealId: d.id, side, waitingSince });
  }
  return owed;
}

function combine(ctx: ClientContext, snap: DocumentSnapshot | undefined, owed: readonly OwedAnswer<Timestamp>[], uid: string): MyResponseStats {
  const now = ctx.now();
  const parsed = snap?.exists() ? UserResponseStats.safeParse(snap.data(), inEnglish) : undefined;
  // A document that does not match the model reads as "no statistics" (reported once), never as a crash.
  if (snap && parsed && !parsed.success) ctx.reportMalformed(snap.ref.path, parsed.error.issues[0]?.message ?? "unexpected shape");
  const data = parsed?.success ? parsed.data : undefined;
  const deals = withOwedAnswers(data?.deals ?? {}, owed) as Record<string, UserDealResponses>;
  return { uid, windows: responseWindows(deals, now), deals, evaluatedAt: new Date(now), computedAt: (data?.computedAt as Timestamp | undefined) ?? null };
}

function owedQuery(ctx: ClientContext, uid: string, side: Side) {
  return ctx.query(owedAnswersQuery({ uid, side, since: Timestamp.fromMillis(ctx.now() - responseStatsRetentionMs) }));
}

/** The signed-in user's statistics, read once from the server: 1 read, plus 1 per deal where they owe (at least 1 per side). */
export async function myResponseStats(ctx: ClientContext, side?: Side): Promise<MyResponseStats> {
  const uid = ctx.uid;
  let snap: DocumentSnapshot;
  let owed: OwedAnswer<Timestamp>[];
  try {
    const [statsSnap, ...owedSnaps] = await Promise.all([
      getDocFromServer(doc(ctx.db, paths.responseStats(uid))),
      ...sidesOf(side).map((s) => getDocsFromServer(owedQuery(ctx, uid, s))),
    ]);
    snap = statsSnap as DocumentSnapshot;
    owed = (owedSnaps as QuerySnapshot[]).flatMap((q, i) => owedFrom(q, sidesOf(side)[i]!));
    ctx.countReads(1 + (owedSnaps as QuerySnapshot[]).reduce((n, q) => n + Math.max(1, q.size), 0));
  } catch (e) {
    throw toDealChatError(e, "reading your response statistics");
  }
  return combine(ctx, snap, owed, uid);
}

/** The signed-in user's statistics, live: a listener on their responseStats document and one on the deals where they owe. */
export function watchMyResponseStats(
  ctx: ClientContext,
  onChange: (stats: MyResponseStats) => void,
  onError: (e: DealChatError) => void = () => {},
  side?: Side,
): Unsubscribe {
  const uid = ctx.uid;
  const what = "your response statistics";
  let stats: DocumentSnapshot | undefined;
  const owed = new Map<Side, OwedAnswer<Timestamp>[]>();
  const all = sidesOf(side);
  // Reported once every listener has delivered its first snapshot, then on every change.
  const emit = () => {
    if (stats && owed.size === all.length) onChange(combine(ctx, stats, [...owed.values()].flat(), uid));
  };
  const stops = [
    ctx.listenToDoc(
      doc(ctx.db, paths.responseStats(uid)),
      {},
      (snap) => {
        stats = snap;
        emit();
      },
      onError,
      what,
    ),
    ...all.map((s) =>
      ctx.listenToQuery(
        owedQuery(ctx, uid, s),
        {},
        (snap) => {
          owed.set(s, owedFrom(snap, s));
          emit();
        },
        onError,
        what,
      ),
    ),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
