// A live, paginated, ordered list: the newest page is a snapshot listener (the "head"); older pages are
// loaded on demand with a cursor strictly before the oldest item already held, each by a listener of its own,
// so an edit or a tombstone in an older page shows too (a page costs its reads once, then only changes).
// Items only ever move towards the head (new messages, new activity), so an item that drops off the end of the
// head's limit was pushed out, not reordered. It is kept ("retained") so that the seam between the head and
// the older pages has no gap, and the first push-out replaces the head with one listener without a limit,
// from the newest item down to the oldest item the head held: the range only grows at the top, so from then on
// every item held is live again, for one read per item at the switch. De-duplication by id (live data wins)
// means no duplicates while two listeners overlap.
import { downToPosition, type QuerySpec } from "@dealchat/model";
import type { DocumentSnapshot, QuerySnapshot } from "firebase/firestore";
import type { ClientContext } from "./context.ts";
import type { DealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";

export interface WindowState<T> {
  items: T[];
  /** Whether older pages may exist (false once a page came back short). */
  hasMore: boolean;
  /** The head snapshot came from the local cache (offline or not yet confirmed by the server). */
  fromCache: boolean;
  /** Some item has a local write that the server has not acknowledged yet. */
  hasPendingWrites: boolean;
}

export interface WindowDefinition<T> {
  /** The head (no cursor) or an older page (cursor = the oldest held item's cursor). */
  spec: (cursor?: unknown[]) => QuerySpec;
  /** null for a document that does not match the model: it is left out of the list (and reported once). */
  parse: (snap: DocumentSnapshot) => T | null;
  id: (item: T) => string;
  /** Cursor values for the spec's orderBy; undefined for items without a server position yet (pending). */
  cursor: (item: T) => unknown[] | undefined;
  /** Sort order of the spec: negative when a comes first. */
  compare: (a: T, b: T) => number;
}

export interface LiveWindow {
  /** Fetches the next older page; resolves with the number of new items. */
  loadMore(): Promise<number>;
  unsubscribe: Unsubscribe;
}

export function openLiveWindow<T>(
  ctx: ClientContext,
  definition: WindowDefinition<T>,
  onChange: (state: WindowState<T>) => void,
  onError: (error: DealChatError) => void,
  what: string,
): LiveWindow {
  const headSpec = definition.spec();
  let headLimit = headSpec.limit ?? Number.POSITIVE_INFINITY;
  let head = new Map<string, T>();
  const retained = new Map<string, T>();
  /** Older pages, oldest last; each is kept current by its own listener. */
  const pages: Array<Map<string, T>> = [];
  const pageStops: Unsubscribe[] = [];
  let hasMore = true;
  let headSeen = false;
  let fromCache = true;
  let hasPendingWrites = false;

  const merged = (): T[] => {
    const all = new Map<string, T>();
    for (const page of pages) for (const [id, item] of page) all.set(id, item);
    for (const [id, item] of retained) all.set(id, item);
    for (const [id, item] of head) all.set(id, item);
    return [...all.values()].sort(definition.compare);
  };
  const emit = () => onChange({ items: merged(), hasMore, fromCache, hasPendingWrites });

  const onHead = (snap: QuerySnapshot) => {
    // Only documents the snapshot reports as added or modified (metadata changes included) are parsed again;
    // the others keep their parsed item, so a new message costs the same in a window of 20 or of 2,000.
    const changes = snap.docChanges();
    const changed = new Set<string>();
    for (const change of changes) if (change.type !== "removed") changed.add(change.doc.id);
    const next = new Map<string, T>();
    let last: T | undefined;
    for (const d of snap.docs) {
      const item = !changed.has(d.id) && head.has(d.id) ? head.get(d.id)! : definition.parse(d);
      if (item === null) continue;
      next.set(d.id, item);
      last = item;
    }
    for (const change of changes) {
      if (change.type !== "removed") continue;
      const gone = head.get(change.doc.id);
      // Pushed past the limit by newer items: still part of the list, just no longer live.
      if (gone && snap.size >= headLimit && last && definition.compare(gone, last) > 0) retained.set(change.doc.id, gone);
      else retained.delete(change.doc.id);
    }
    for (const id of next.keys()) retained.delete(id);
    head = next;
    if (retained.size > 0) extendHead();
    if (!headSeen && !snap.metadata.fromCache) {
      headSeen = true;
      if (snap.size < headLimit) hasMore = false;
    }
    fromCache = snap.metadata.fromCache;
    hasPendingWrites = snap.metadata.hasPendingWrites;
    emit();
  };

  let stopHead = ctx.listenToQuery(ctx.query(headSpec), { includeMetadataChanges: true }, onHead, onError, what);
  let stopExtension: Unsubscribe | undefined;

  /** Opens the unlimited head once; it takes over from the limited head at its first answer from the server. */
  const extendHead = () => {
    if (stopExtension || headLimit === Number.POSITIVE_INFINITY) return;
    const oldest = [...retained.values()].sort(definition.compare).pop();
    const position = oldest && definition.cursor(oldest);
    if (!position) return;
    let switched = false;
    stopExtension = ctx.listenToQuery(
      ctx.query(downToPosition(headSpec, position)),
      { includeMetadataChanges: true },
      (snap) => {
        if (!switched) {
          if (snap.metadata.fromCache) return; // the limited head stays in charge until the server answered
          switched = true;
          stopHead();
          stopHead = stopExtension!;
          stopExtension = undefined;
          headLimit = Number.POSITIVE_INFINITY;
        }
        onHead(snap);
      },
      onError,
      what,
    );
  };

  let loading: Promise<number> | undefined;
  let closed = false;
  /** Settles a page load still waiting for the server when the window is closed (it would otherwise hang). */
  let abandonPage: (() => void) | undefined;
  const loadMore = (): Promise<number> => {
    ctx.assertLive();
    // A closed window attaches nothing: there is no one left to deliver the page to.
    if (closed) return Promise.resolve(0);
    loading ??= (async () => {
      try {
        const positioned = merged().filter((item) => definition.cursor(item) !== undefined);
        const oldest = positioned[positioned.length - 1];
        if (!oldest) {
          hasMore = headSeen ? false : hasMore;
          return 0;
        }
        const spec = definition.spec(definition.cursor(oldest));
        const known = new Set(merged().map(definition.id));
        const page = new Map<string, T>();
        const first = await new Promise<QuerySnapshot | undefined>((resolve, reject) => {
          let settled = false;
          abandonPage = () => {
            if (settled) return;
            settled = true;
            resolve(undefined);
          };
          const stop = ctx.listenToQuery(
            ctx.query(spec),
            { includeMetadataChanges: true },
            (snap) => {
              page.clear();
              for (const d of snap.docs) {
                const item = definition.parse(d);
                if (item !== null) page.set(d.id, item);
              }
              if (!settled) {
                if (snap.metadata.fromCache) return; // wait for the server's answer, as a page load must
                settled = true;
                resolve(snap);
              } else emit();
            },
            (error) => {
              if (!settled) {
                settled = true;
                stop();
                reject(error);
              } else onError(error);
            },
            `an older page of ${what}`,
          );
          pageStops.push(stop);
        });
        abandonPage = undefined;
        if (!first || closed) return 0;
        pages.push(page);
        const added = [...page.keys()].filter((id) => !known.has(id)).length;
        if (first.size < (spec.limit ?? Number.POSITIVE_INFINITY)) hasMore = false;
        emit();
        return added;
      } finally {
        loading = undefined;
      }
    })();
    return loading;
  };

  return {
    loadMore,
    unsubscribe: () => {
      closed = true;
      abandonPage?.();
      stopHead();
      stopExtension?.();
      for (const stop of pageStops.splice(0)) stop();
    },
  };
}
