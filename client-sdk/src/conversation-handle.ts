// A conversation as one object: it owns the conversation's state in a store (messages with their delivery
// status, pagination, read state, typing, errors) and offers every action on it. It is built on the callback
// view (openConversation) and the send/edit/delete/receipt/typing functions; what it adds is the state those
// leave to the app: the user's own messages from the moment `send` is called until the server has them, and
// kept when the server refuses them (the Firebase SDK drops a refused write from its cache), so that a failed
// message stays on screen with its error and can be retried under the same id.
import type { DealStatus, Side } from "@dealchat/model";
import { byteLength, uploadProgress, type AttachmentInput, type UploadProgress } from "./attachments.ts";
import type { ClientContext, DealMembership } from "./context.ts";
import type { ConversationSummary } from "./conversations.ts";
import { DealChatError, toDealChatError } from "./errors.ts";
import type { Unsubscribe } from "./lifecycle.ts";
import { openConversation, type ChatMessage, type ConversationView, type ConversationViewState } from "./messages.ts";
import { watchPresence, type PresenceState } from "./presence.ts";
import type { ReadReceipts } from "./receipts.ts";
import { deleteMessage, editMessage, newMessageId, sendMessage, type SendHandle, type SendOptions, type SendOutcome } from "./send.ts";
import { StateStore, type ReadableStore, type StoreListener } from "./store.ts";
import { typingIndicator, watchTyping, type TypingIndicator } from "./typing.ts";

/** Where one of the user's messages stands: written locally, stored by the server, or refused/failed. */
export type MessageStatus = "pending" | "sent" | "failed";

export interface ConversationMessage extends ChatMessage {
  /** The other side's messages are always "sent". */
  status: MessageStatus;
  /** Why the send failed (status "failed"); null otherwise. */
  error: DealChatError | null;
  /** Upload progress of the message's files while they upload (per file, in input order); null otherwise. */
  upload: UploadProgress | null;
}

export interface ConversationHandleState {
  dealId: string;
  /** The first server answer for the messages, or the deal's title and status, has not arrived (and no error has): show a spinner, or cached messages if there are any. */
  loading: boolean;
  /** Newest first: the user's unsent and failed messages, then the live tail and every older page loaded. */
  messages: ConversationMessage[];
  /** The conversation entry (unread count, both sides' read watermarks and read times, response times). */
  conversation: ConversationSummary | null;
  /** The deal's title, from the deal document the handle reads once on opening; null until then. */
  title: string | null;
  /** The deal's status, from the conversation entry (live) or else the deal document. */
  dealStatus: DealStatus | null;
  /** The deal is completed or cancelled: nobody can send, edit, delete or type (marking read still works). */
  readOnly: boolean;
  hasOlder: boolean;
  isLoadingOlder: boolean;
  /** What is shown comes from the local cache (offline, or not yet confirmed by the server). */
  fromCache: boolean;
  /** Some message has a local write the server has not acknowledged yet. */
  hasPendingWrites: boolean;
  /** The other participant is typing (false when the handle does not watch typing). */
  otherTyping: boolean;
  /** The other participant's presence, when opened with `watchPresence: true`; null otherwise or until known. */
  otherPresence: PresenceState | null;
  /** The last error of the handle's listeners, its opening read, a loadOlder or a typing write; null if none. */
  lastError: DealChatError | null;
  /** dispose() was called: the state no longer changes and actions do nothing (sends reject). */
  disposed: boolean;
}

export interface ConversationOptions {
  /** How many of the newest messages stay live (default 30). */
  tailSize?: number;
  /** Size of each older page (default 30). */
  pageSize?: number;
  /** Watch the other side's typing indicator (one more listener; default true). */
  watchTyping?: boolean;
  /** Watch the other side's presence (one more listener, a read per heartbeat of theirs; default false). */
  watchPresence?: boolean;
}

export interface ConversationSendInput {
  text?: string;
  files?: AttachmentInput[];
  /** Reuse the id of an earlier attempt (e.g. after an app restart); omit for a new message. */
  messageId?: string;
}

/** A send started by a handle. It never throws: every failure rejects `done` and marks the message failed. */
export interface OutgoingMessage {
  /** The message's id (the final one if the first was found taken by someone else's message). */
  readonly messageId: string;
  /** "sent" or "already-sent"; rejects with a DealChatError (the message then shows status "failed"). */
  done: Promise<SendOutcome>;
  /** Cancels uploads still running (the message then fails with cancelled / upload-cancelled). */
  cancel(): void;
}

export interface ConversationHandle extends ReadableStore<ConversationHandleState> {
  readonly dealId: string;
  /** Shows the message at once (status "pending", with upload progress for files) and sends it. */
  send(input: ConversationSendInput, options?: SendOptions): OutgoingMessage;
  /** Sends a failed message again under the same id; `done` rejects with not-found if no message of that id failed. */
  retry(messageId: string, options?: SendOptions): OutgoingMessage;
  /** Removes a failed message from the state (it was never stored). */
  discard(messageId: string): void;
  edit(messageId: string, text: string): Promise<void>;
  delete(messageId: string): Promise<void>;
  /** Marks everything up to now read (throttled; works on closed deals too). */
  markRead(): Promise<void>;
  /** Call on every keystroke (paced writes; a failed write shows as lastError). */
  typing(): void;
  /** Switches the user's typing indicator off (after sending, on blur). */
  stopTyping(): Promise<void>;
  /** Loads the next older page; resolves with the number of messages added (0 after dispose); never rejects: errors go to lastError. */
  loadOlder(): Promise<number>;
  /** Ends the handle's listeners and timers; a loadOlder in flight resolves 0. chat.dispose() does this too. */
  dispose(): void;
}

interface Outgoing {
  id: string;
  text: string | undefined;
  files: AttachmentInput[];
  options: SendOptions;
  status: MessageStatus;
  error: DealChatError | null;
  upload: UploadProgress | null;
  /** Order among local messages (newest last). */
  seq: number;
  /** Identifies the current attempt: results of an earlier attempt are ignored. */
  attempt: number;
  /** The latest attempt, returned again for a repeated send of the same id while it runs. */
  current?: OutgoingMessage;
}

export interface ConversationDeps {
  receipts: ReadReceipts;
  /** The side given to createDealChat, for showing a local message before the deal is known. */
  defaultSide: Side | undefined;
}

export function openConversationHandle(ctx: ClientContext, deps: ConversationDeps, dealId: string, options: ConversationOptions = {}): ConversationHandle {
  const c = new ConversationController(ctx, deps, dealId, options);
  // Every method works detached (`useSyncExternalStore(handle.subscribe, handle.getLatestValue)`, `onClick={handle.loadOlder}`).
  return {
    dealId,
    getLatestValue: () => c.getLatestValue(),
    subscribe: (listener) => c.subscribe(listener),
    subscribeWithSelector: (selector, listener) => c.subscribeWithSelector(selector, listener),
    send: (input, sendOptions) => c.send(input, sendOptions),
    retry: (messageId, sendOptions) => c.retry(messageId, sendOptions),
    discard: (messageId) => c.discard(messageId),
    edit: (messageId, text) => c.edit(messageId, text),
    delete: (messageId) => c.delete(messageId),
    markRead: () => c.markRead(),
    typing: () => c.typing(),
    stopTyping: () => c.stopTyping(),
    loadOlder: () => c.loadOlder(),
    dispose: () => c.dispose(),
  };
}

class ConversationController implements ConversationHandle {
  private readonly store: StateStore<ConversationHandleState>;
  private readonly outgoing = new Map<string, Outgoing>();
  private readonly stops: Unsubscribe[] = [];
  private readonly shown = new WeakMap<ChatMessage, ConversationMessage>();
  private view: ConversationView | undefined;
  private viewState: ConversationViewState | undefined;
  private membership: DealMembership | undefined;
  private indicator: TypingIndicator | undefined;
  private olderInFlight: Promise<number> | undefined;
  private seq = 0;
  private serverAnswered = false;
  /** The deal document has been read (title, status): loading ends when it and the messages are in. */
  private dealRead = false;
  private openingError: DealChatError | undefined;
  private disposed = false;
  private readonly uid: string | undefined;
  private removeFromRegistry: Unsubscribe = () => {};

  constructor(
    private readonly ctx: ClientContext,
    private readonly deps: ConversationDeps,
    readonly dealId: string,
    options: ConversationOptions,
  ) {
    this.store = new StateStore<ConversationHandleState>({
      dealId,
      loading: true,
      messages: [],
      conversation: null,
      title: null,
      dealStatus: null,
      readOnly: false,
      hasOlder: true,
      isLoadingOlder: false,
      fromCache: true,
      hasPendingWrites: false,
      otherTyping: false,
      otherPresence: null,
      lastError: null,
      disposed: false,
    });
    this.removeFromRegistry = ctx.registry.add(() => this.dispose());
    const fail = (e: DealChatError) => this.noteError(e);
    let uid: string | undefined;
    try {
      uid = ctx.uid;
      this.view = openConversation(
        ctx,
        {
          dealId,
          ...(options.tailSize !== undefined ? { tailSize: options.tailSize } : {}),
          ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
        },
        (state) => {
          this.viewState = state;
          if (!state.fromCache) this.serverAnswered = true;
          this.publish();
        },
        fail,
      );
      if (options.watchTyping ?? true) this.stops.push(watchTyping(ctx, dealId, (s) => this.patch({ otherTyping: s.typing }), fail));
    } catch (e) {
      this.noteError(toDealChatError(e, `opening deal ${dealId}`));
    }
    this.uid = uid;
    // The deal document: title, status before the conversation entry arrives, the other participant, and the
    // precise error for a deal the user cannot open (one read, or none if this client has read it already).
    if (uid !== undefined)
      ctx.membership(dealId, { fromDeal: true }).then(
        (m) => {
          if (this.disposed) return;
          this.membership = m;
          this.dealRead = true;
          if (options.watchPresence) this.stops.push(watchPresence(ctx, m.otherUid, (p) => this.patch({ otherPresence: p }), fail));
          this.publish();
        },
        (e: unknown) => {
          this.openingError = toDealChatError(e, `opening deal ${dealId}`);
          this.noteError(this.openingError);
        },
      );
  }

  getLatestValue(): ConversationHandleState {
    return this.store.getLatestValue();
  }

  subscribe(listener: StoreListener<ConversationHandleState>): Unsubscribe {
    return this.store.subscribe(listener);
  }

  subscribeWithSelector<S>(selector: (value: ConversationHandleState) => S, listener: StoreListener<S>): Unsubscribe {
    return this.store.subscribeWithSelector(selector, listener);
  }

  send(input: ConversationSendInput, options: SendOptions = {}): OutgoingMessage {
    const files = Array.isArray(input?.files) ? input.files : [];
    const requested = input?.messageId;
    const known = typeof requested === "string" ? this.outgoing.get(requested) : undefined;
    if (known) {
      // The same message again (a double tap, or "retry" with edited content): one message, one send at a time.
      if (known.status !== "failed" && known.current) return known.current;
      known.text = input?.text;
      known.files = files;
      known.options = options;
      return this.attempt(known);
    }
    let id: string;
    try {
      id = typeof requested === "string" ? requested : newMessageId(this.ctx, this.dealId);
    } catch {
      id = `local-${this.seq + 1}`; // the client is disposed or signed out: the send fails right below
    }
    const entry: Outgoing = { id, text: input?.text, files, options, status: "pending", error: null, upload: null, seq: ++this.seq, attempt: 0 };
    this.outgoing.set(id, entry);
    return this.attempt(entry);
  }

  retry(messageId: string, options?: SendOptions): OutgoingMessage {
    const entry = this.outgoing.get(messageId);
    if (entry?.status !== "failed") {
      const error = new DealChatError("not-found", `retry: no failed message ${messageId} in deal ${this.dealId}`);
      return { messageId, done: rejected(error), cancel: () => {} };
    }
    if (options) entry.options = options;
    return this.attempt(entry);
  }

  discard(messageId: string): void {
    const entry = this.outgoing.get(messageId);
    if (entry?.status !== "failed") return;
    this.outgoing.delete(messageId);
    this.publish();
  }

  edit(messageId: string, text: string): Promise<void> {
    return this.act(() => editMessage(this.ctx, { dealId: this.dealId, messageId, text }));
  }

  delete(messageId: string): Promise<void> {
    return this.act(() => deleteMessage(this.ctx, { dealId: this.dealId, messageId }));
  }

  markRead(): Promise<void> {
    return this.act(() => this.deps.receipts.markRead(this.dealId));
  }

  typing(): void {
    if (this.disposed) return;
    try {
      this.indicator ??= typingIndicator(this.ctx, this.dealId, (e) => this.noteError(e));
      this.indicator.keystroke();
    } catch (e) {
      this.noteError(toDealChatError(e, "typing indicator"));
    }
  }

  stopTyping(): Promise<void> {
    return this.indicator ? this.act(() => this.indicator!.stop()) : Promise.resolve();
  }

  loadOlder(): Promise<number> {
    const view = this.view;
    if (this.disposed || !view) return Promise.resolve(0);
    this.olderInFlight ??= (async () => {
      this.patch({ isLoadingOlder: true });
      try {
        return await view.loadOlder();
      } catch (e) {
        this.noteError(toDealChatError(e, `older messages of deal ${this.dealId}`));
        return 0;
      } finally {
        this.olderInFlight = undefined;
        this.patch({ isLoadingOlder: false });
      }
    })();
    return this.olderInFlight;
  }

  dispose(): void {
    if (this.disposed) return;
    // Best effort: the indicator would expire by itself anyway.
    if (this.indicator && !this.ctx.registry.isDisposed) void this.indicator.stop().catch(() => {});
    this.view?.unsubscribe();
    for (const stop of this.stops.splice(0)) stop();
    this.store.partialNext({ disposed: true, isLoadingOlder: false, loading: false });
    this.disposed = true;
    this.removeFromRegistry();
  }

  // ---- internals --------------------------------------------------------------------------------------

  /** Starts (or restarts) the send of a local message; never throws. */
  private attempt(entry: Outgoing): OutgoingMessage {
    const attempt = ++entry.attempt;
    entry.status = "pending";
    entry.error = null;
    let handle: SendHandle | undefined;
    try {
      if (this.disposed) throw new DealChatError("failed-precondition", `send: the conversation handle of deal ${this.dealId} was disposed`, "disposed");
      // Visible at once with every file at 0 bytes, before the first upload event.
      entry.upload =
        entry.files.length > 0
          ? uploadProgress(
              entry.files.map(describeFile),
              entry.files.map(() => 0),
            )
          : null;
      handle = sendMessage(
        this.ctx,
        { dealId: this.dealId, ...(entry.text !== undefined ? { text: entry.text } : {}), files: entry.files, messageId: entry.id },
        {
          onProgress: (progress) => {
            if (entry.attempt !== attempt || entry.status !== "pending") return;
            entry.upload = progress;
            this.publish();
            entry.options.onProgress?.(progress);
          },
        },
      );
    } catch (e) {
      const error = toDealChatError(e, "send");
      this.settle(entry, attempt, error);
      entry.current = { messageId: entry.id, done: rejected(error), cancel: () => {} };
      return entry.current;
    }
    const sending = handle;
    const done = sending.done.then(
      (outcome) => {
        this.settle(entry, attempt, null, sending.messageId);
        return outcome;
      },
      (e: unknown) => {
        const error = toDealChatError(e, "send");
        this.settle(entry, attempt, error, sending.messageId);
        throw error;
      },
    );
    done.catch(() => {});
    this.publish();
    entry.current = {
      get messageId() {
        return sending.messageId;
      },
      done,
      cancel: () => sending.cancel(),
    };
    return entry.current;
  }

  private settle(entry: Outgoing, attempt: number, error: DealChatError | null, finalId = entry.id): void {
    if (entry.attempt !== attempt) return;
    if (finalId !== entry.id) {
      // The id was taken by someone else's message: the send went on under a fresh id.
      this.outgoing.delete(entry.id);
      entry.id = finalId;
      this.outgoing.set(finalId, entry);
    }
    entry.status = error ? "failed" : "sent";
    entry.error = error;
    entry.upload = null;
    this.publish();
  }

  private act(action: () => Promise<void>): Promise<void> {
    if (this.disposed) return rejected(new DealChatError("failed-precondition", `the conversation handle of deal ${this.dealId} was disposed`, "disposed"));
    try {
      return action();
    } catch (e) {
      return rejected(toDealChatError(e, `deal ${this.dealId}`));
    }
  }

  private noteError(error: DealChatError): void {
    if (this.disposed) return;
    // The listeners of a deal the user cannot open fail with a bare permission-denied; the deal read says why
    // (not-found, not-participant), whichever arrives first.
    if (this.openingError && error !== this.openingError && error.code === "permission-denied" && !error.reason) return;
    this.serverAnswered = true;
    this.patch({ lastError: error, loading: false });
  }

  private patch(changes: Partial<ConversationHandleState>): void {
    if (this.disposed) return;
    this.store.partialNext(changes);
  }

  /** Derives the state from the view's latest state, the local messages and the deal document. */
  private publish(): void {
    if (this.disposed) return;
    const view = this.viewState;
    const server = view?.messages ?? [];
    const onServer = new Map(server.map((m) => [m.id, m]));
    for (const [id, entry] of this.outgoing) {
      const stored = onServer.get(id);
      // Acknowledged by the server and shown from its copy: the local record is no longer needed.
      if (entry.status === "sent" && stored && !stored.pending) this.outgoing.delete(id);
    }
    const local = [...this.outgoing.values()]
      .filter((entry) => !onServer.has(entry.id) || (entry.status === "failed" && onServer.get(entry.id)!.pending))
      .sort((a, b) => b.seq - a.seq)
      .map((entry) => this.localMessage(entry));
    const shownIds = new Set(local.map((m) => m.id));
    const messages = [...local, ...server.filter((m) => !shownIds.has(m.id)).map((m) => this.serverMessage(m))];
    const conversation = view?.conversation ?? null;
    const status = conversation?.status ?? this.membership?.status ?? null;
    this.store.partialNext({
      loading: !(this.serverAnswered && this.dealRead),
      messages,
      conversation,
      title: this.membership?.title ?? null,
      dealStatus: status,
      readOnly: conversation?.closed ?? this.membership?.closed ?? false,
      hasOlder: view?.hasOlder ?? true,
      fromCache: view?.fromCache ?? true,
      hasPendingWrites: (view?.hasPendingWrites ?? false) || local.some((m) => m.status === "pending"),
    });
  }

  private serverMessage(m: ChatMessage): ConversationMessage {
    const entry = m.isMine ? this.outgoing.get(m.id) : undefined;
    if (!entry) {
      let shown = this.shown.get(m);
      if (!shown) {
        shown = { ...m, status: m.pending ? "pending" : "sent", error: null, upload: null };
        this.shown.set(m, shown);
      }
      return shown;
    }
    return { ...m, status: m.pending ? "pending" : "sent", error: null, upload: entry.upload };
  }

  private localMessage(entry: Outgoing): ConversationMessage {
    const side = this.membership?.side ?? this.ctx.knownMembership(this.dealId)?.side ?? this.deps.defaultSide ?? "brand";
    return {
      id: entry.id,
      dealId: this.dealId,
      senderId: this.uid ?? "",
      senderSide: side,
      text: typeof entry.text === "string" && entry.text.length > 0 ? entry.text : null,
      attachments: [],
      hasAttachments: entry.files.length > 0,
      createdAt: null,
      editedAt: null,
      deleted: false,
      pending: entry.status === "pending",
      isMine: true,
      readByOther: false,
      status: entry.status,
      error: entry.error,
      upload: entry.upload,
    };
  }
}

function describeFile(file: AttachmentInput): { name: string; contentType: string; size: number } {
  let size = 0;
  try {
    size = byteLength(file.data);
  } catch {
    // Not a file the SDK can send: sendMessage refuses it with invalid-argument right after this.
  }
  return { name: String(file?.name), contentType: String(file?.contentType), size };
}

function rejected<T>(error: DealChatError): Promise<T> {
  const promise = Promise.reject<T>(error);
  promise.catch(() => {});
  return promise;
}
