// The conversation list as one object with its state in a store: the live, paginated list of the user's
// conversations (watchConversations), with the loading, paging and error state a list screen renders.
import type { Side } from "@dealchat/model";
import type { ClientContext } from "./context.ts";
import { watchConversations, type ConversationListInput, type ConversationListSubscription, type ConversationSummary } from "./conversations.ts";
import { type DealChatError, toDealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";
import { StateStore, type ReadableStore, type StoreListener } from "./store.ts";

export interface ConversationListHandleState {
  /** Newest activity first: the live first page and every page loaded since. */
  items: ConversationSummary[];
  /** No answer from the server yet (and no error). */
  loading: boolean;
  /** Older conversations may exist (false once a page came back short). */
  hasMore: boolean;
  isLoadingMore: boolean;
  /** What is shown comes from the local cache (offline, or not yet confirmed by the server). */
  fromCache: boolean;
  hasPendingWrites: boolean;
  /** The last error of the list's listeners or of a loadMore; null if none. */
  lastError: DealChatError | null;
  disposed: boolean;
}

export interface ConversationListHandle extends ReadableStore<ConversationListHandleState> {
  /** Loads the next page of older conversations; resolves with how many were added (0 after dispose); errors go to lastError. */
  loadMore(): Promise<number>;
  dispose(): void;
}

export function openConversationListHandle(ctx: ClientContext, defaultSide: Side | undefined, input: ConversationListInput = {}): ConversationListHandle {
  const store = new StateStore<ConversationListHandleState>({
    items: [],
    loading: true,
    hasMore: true,
    isLoadingMore: false,
    fromCache: true,
    hasPendingWrites: false,
    lastError: null,
    disposed: false,
  });
  let disposed = false;
  const patch = (changes: Partial<ConversationListHandleState>) => {
    if (!disposed) store.partialNext(changes);
  };
  const fail = (error: DealChatError) => patch({ lastError: error, loading: false });
  let list: ConversationListSubscription | undefined;
  try {
    list = watchConversations(ctx, defaultSide, input, (state) => patch({ ...state, loading: store.getLatestValue().loading && state.fromCache }), fail);
  } catch (e) {
    fail(toDealChatError(e, "the conversation list"));
  }
  let inFlight: Promise<number> | undefined;
  let removeFromRegistry: Unsubscribe = () => {};
  const handle: ConversationListHandle = {
    getLatestValue: () => store.getLatestValue(),
    subscribe: (listener: StoreListener<ConversationListHandleState>) => store.subscribe(listener),
    subscribeWithSelector: (selector, listener) => store.subscribeWithSelector(selector, listener),
    loadMore() {
      const window = list;
      if (disposed || !window) return Promise.resolve(0);
      inFlight ??= (async () => {
        patch({ isLoadingMore: true });
        try {
          return await window.loadMore();
        } catch (e) {
          fail(toDealChatError(e, "older conversations"));
          return 0;
        } finally {
          inFlight = undefined;
          patch({ isLoadingMore: false });
        }
      })();
      return inFlight;
    },
    dispose() {
      if (disposed) return;
      list?.unsubscribe();
      store.partialNext({ disposed: true, isLoadingMore: false, loading: false });
      disposed = true;
      removeFromRegistry();
    },
  };
  removeFromRegistry = ctx.registry.add(() => handle.dispose());
  return handle;
}
