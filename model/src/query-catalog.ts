// Every shape of query DealChat issues: one QuerySpec per combination of the query builders' options.
// The index test checks each against firestore.indexes.json; index shapes depend only on which options are
// set, so placeholder values stand in for uids, ids and timestamps.
import { conversationListQuery, downToPosition, messageHistoryCountQuery, messageHistoryQuery, owedAnswersQuery, type QuerySpec } from "./queries.ts";
import { dealStatuses, sides, type TimestampLike } from "./schemas.ts";

const at = (millis: number): TimestampLike => ({ seconds: Math.floor(millis / 1000), nanoseconds: 0, toMillis: () => millis });

export interface CatalogEntry {
  /** Which builder and options produced the spec, for failure messages. */
  label: string;
  spec: QuerySpec;
}

function* subsets<T>(options: Record<string, T[]>): Generator<Record<string, T>> {
  const keys = Object.keys(options);
  const pick = function* (i: number, acc: Record<string, T>): Generator<Record<string, T>> {
    if (i === keys.length) {
      yield { ...acc };
      return;
    }
    for (const value of options[keys[i]!]!) yield* pick(i + 1, { ...acc, [keys[i]!]: value });
  };
  yield* pick(0, {});
}

export function queryCatalog(): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  const cursorTime = at(1_700_000_000_000);
  for (const combo of subsets<unknown>({
    side: [...sides],
    status: [undefined, ...dealStatuses],
    unreadOnly: [undefined, true],
    after: [undefined, [cursorTime, "deal-1"]],
  })) {
    const options = Object.fromEntries(Object.entries(combo).filter(([, v]) => v !== undefined));
    entries.push({
      label: `conversationListQuery ${JSON.stringify({ ...options, after: options.after ? "cursor" : undefined })}`,
      spec: conversationListQuery({ uid: "user-1", ...(options as { side: "brand" | "influencer" }) }),
    });
  }
  for (const combo of subsets<unknown>({
    searchToken: [undefined, "hello"],
    senderSide: [undefined, ...sides, "system"],
    attachmentsOnly: [undefined, true],
    from: [undefined, at(1_600_000_000_000)],
    to: [undefined, at(1_800_000_000_000)],
    before: [undefined, [cursorTime, "msg-1"]],
  })) {
    const options = Object.fromEntries(Object.entries(combo).filter(([, v]) => v !== undefined));
    const label = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, typeof v === "object" ? "set" : v]));
    entries.push({ label: `messageHistoryQuery ${JSON.stringify(label)}`, spec: messageHistoryQuery({ dealId: "deal-1", ...options }) });
    if (!options.before)
      entries.push({ label: `messageHistoryCountQuery ${JSON.stringify(label)}`, spec: messageHistoryCountQuery({ dealId: "deal-1", ...options }) });
  }
  // A live list's head, once items are pushed out of its limit, becomes the same query without the limit down
  // to a known position (the client SDK's window); every head (no start cursor) can take that shape.
  const heads = entries.filter((e) => !e.spec.startAfter);
  for (const head of heads) {
    entries.push({ label: `${head.label} downToPosition`, spec: downToPosition(head.spec, [cursorTime, "item-1"]) });
  }
  // One-shot or live with its fixed limit, never extended down to a position.
  for (const side of sides) {
    entries.push({ label: `owedAnswersQuery ${JSON.stringify({ side })}`, spec: owedAnswersQuery({ uid: "user-1", side, since: cursorTime }) });
  }
  return entries;
}
