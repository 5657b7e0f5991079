// DealChat's reference web app: everything it knows about chat comes from @dealchat/client-sdk's public API
// (handles with a store, the history search, attachments, presence). No Firestore path is written here.
import "./style.css";
import { initializeApp, type FirebaseApp } from "firebase/app";
import { getAuth, onAuthStateChanged, signInWithEmailAndPassword, signOut, type Auth, type User } from "firebase/auth";
import { getFirestore, initializeFirestore, persistentLocalCache, persistentMultipleTabManager } from "firebase/firestore";
import { getStorage } from "firebase/storage";
import {
  connectDealChatEmulators,
  createDealChat,
  DealChatError,
  dealStatuses,
  limits,
  remainingEditMs,
  type ChatMessage,
  type ConversationHandle,
  type ConversationHandleState,
  type ConversationListHandle,
  type ConversationListHandleState,
  type ConversationMessage,
  type DealChat,
  type DealStatus,
  type HistoryInput,
  type OutgoingMessage,
  type PresenceConnection,
  type Side,
} from "@dealchat/client-sdk";
import { type WebAppConfig, loadConfig } from "./config.ts";
import { clear, countdown, fileSize, fullTime, h, reconcileChildren, relativeAgo, shortTime } from "./dom.ts";

const root = document.getElementById("app")!;

type ChatAttachment = ConversationMessage["attachments"][number];

interface Session {
  config: WebAppConfig;
  app: FirebaseApp;
  auth: Auth;
  user: User;
  side: Side;
  chat: DealChat;
  presence: PresenceConnection | undefined;
  stops: Array<() => void>;
}

let session: Session | undefined;
let listView: ListView | undefined;
let conversationView: ConversationView | undefined;

const errorText = (e: unknown): string => {
  if (e instanceof DealChatError) return `${e.message} (${e.code}${e.reason ? `, ${e.reason}` : ""})`;
  return e instanceof Error ? e.message : String(e);
};

const nameOf = (config: WebAppConfig, uid: string): string => config.directory[uid]?.name ?? uid;
const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((w) => w[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
const statusPill = (status: DealStatus | null) => (status ? h("span", { class: `pill pill-${status}`, "data-testid": "deal-status" }, status) : null);

// ---- start-up and sign-in -------------------------------------------------------------------------------

async function start(): Promise<void> {
  let config: WebAppConfig;
  try {
    config = await loadConfig();
  } catch (e) {
    clear(root, h("div", { class: "fatal" }, h("h1", {}, "DealChat cannot start"), h("p", {}, errorText(e))));
    return;
  }
  const app = initializeApp({ ...config.firebase, authDomain: `${config.firebase.projectId}.firebaseapp.com` });
  const auth = getAuth(app);
  // Memory cache by default. `?cache=persistent` turns on the persistent cache (IndexedDB: what was shown and
  // sent offline survives a reload); with it, the browser tests saw a listener never receive a document created
  // after it was attached, even when attached anew (README, "Known problems").
  const persistent = new URLSearchParams(location.search).get("cache") === "persistent";
  const firestore = persistent
    ? initializeFirestore(app, { localCache: persistentLocalCache({ tabManager: persistentMultipleTabManager() }) })
    : getFirestore(app);
  const storage = getStorage(app);
  connectDealChatEmulators({ auth, firestore, storage }, config.emulators);

  onAuthStateChanged(auth, (user) => {
    void (async () => {
      endSession();
      if (!user) {
        renderSignIn(config, auth);
        return;
      }
      const token = await user.getIdTokenResult();
      const side = (token.claims.side ?? config.directory[user.uid]?.side) as Side | undefined;
      if (side !== "brand" && side !== "influencer") {
        renderSignIn(config, auth, "This account is not a brand or an influencer of any deal.");
        await signOut(auth);
        return;
      }
      const chat = createDealChat({ firestore, auth, storage, side });
      session = { config, app, auth, user, side, chat, presence: undefined, stops: [] };
      renderShell(session);
      chat.connectPresence().then(
        (p) => {
          if (session?.chat === chat) session.presence = p;
        },
        () => {},
      );
    })();
  });
}

function endSession(): void {
  if (!session) return;
  listView?.dispose();
  conversationView?.dispose();
  listView = undefined;
  conversationView = undefined;
  for (const stop of session.stops) stop();
  session.chat.dispose();
  session = undefined;
}

function renderSignIn(config: WebAppConfig, auth: Auth, notice?: string): void {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", placeholder: "you@example.com", required: true, "data-testid": "email" });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    placeholder: "Password",
    required: true,
    "data-testid": "password",
  });
  const error = h("p", { class: "error", role: "alert", "data-testid": "sign-in-error" }, notice ?? "");
  const button = h("button", { type: "submit", class: "primary", "data-testid": "sign-in" }, "Sign in");
  const form = h(
    "form",
    {
      class: "sign-in",
      onsubmit: (event: Event) => {
        event.preventDefault();
        button.disabled = true;
        error.textContent = "";
        signInWithEmailAndPassword(auth, email.value.trim(), password.value).catch((e: unknown) => {
          button.disabled = false;
          const code = (e as { code?: string }).code ?? "";
          error.textContent =
            code.includes("invalid-credential") || code.includes("wrong-password") || code.includes("user-not-found")
              ? "Wrong email or password."
              : errorText(e);
        });
      },
    },
    h("h1", {}, h("span", { class: "logo" }, "●"), " DealChat"),
    h("p", { class: "muted" }, "Messages between brands and influencers, one conversation per deal."),
    h("label", {}, "Email", email),
    h("label", {}, "Password", password),
    button,
    error,
  );
  const demo =
    config.demoAccounts.length > 0
      ? h(
          "div",
          { class: "demo-accounts" },
          h("h2", {}, "Demo accounts"),
          ...config.demoAccounts.map((a) =>
            h(
              "button",
              {
                type: "button",
                class: "demo-account",
                "data-testid": `demo-${a.email}`,
                onclick: () => {
                  email.value = a.email;
                  password.value = a.password;
                  form.requestSubmit();
                },
              },
              h("span", { class: "avatar" }, initials(a.name)),
              h("span", {}, h("strong", {}, a.name), h("small", {}, `${a.side} · ${a.email}`)),
            ),
          ),
        )
      : null;
  clear(root, h("main", { class: "sign-in-page" }, form, demo));
}

// ---- the shell: list and conversation side by side (one at a time on a phone) ----------------------------

function renderShell(s: Session): void {
  const me = nameOf(s.config, s.user.uid);
  const unreadTotal = h("span", { class: "badge", "data-testid": "unread-total", hidden: true }, "");
  const offline = h(
    "div",
    { class: "offline-banner", "data-testid": "offline-banner", hidden: navigator.onLine },
    "You are offline. Messages you send go out when you are back.",
  );
  const header = h(
    "header",
    { class: "top" },
    h("div", { class: "brand-mark" }, h("span", { class: "logo" }, "●"), " DealChat ", unreadTotal),
    h(
      "div",
      { class: "me" },
      h("span", { class: "avatar small" }, initials(me)),
      h("span", { class: "me-name", "data-testid": "me" }, `${me} · ${s.side}`),
      h(
        "button",
        {
          type: "button",
          class: "link",
          "data-testid": "sign-out",
          // Presence goes offline while the user may still write it: after signOut the rules would refuse it.
          onclick: () => void (s.presence?.disconnect() ?? Promise.resolve()).catch(() => {}).finally(() => void signOut(s.auth)),
        },
        "Sign out",
      ),
    ),
  );
  const listPane = h("section", { class: "list-pane" });
  const chatPane = h("section", { class: "chat-pane" });
  const layout = h("div", { class: "layout" }, listPane, chatPane);
  clear(root, header, offline, layout);

  const onOnline = () => {
    offline.hidden = navigator.onLine;
  };
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOnline);
  s.stops.push(() => {
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", onOnline);
  });
  s.stops.push(
    s.chat.watchUnreadTotal(
      ({ total }) => {
        unreadTotal.hidden = total === 0;
        unreadTotal.textContent = String(total);
      },
      () => {},
    ),
  );

  listView = new ListView(s, listPane);
  const route = () => {
    const match = /^#\/c\/([A-Za-z0-9_-]+)/.exec(location.hash);
    const dealId = match?.[1];
    layout.classList.toggle("showing-chat", Boolean(dealId));
    if (conversationView?.dealId === dealId) return;
    conversationView?.dispose();
    conversationView = dealId ? new ConversationView(s, chatPane, dealId) : undefined;
    if (!dealId) clear(chatPane, h("div", { class: "empty-chat" }, h("p", {}, "Choose a conversation")));
    listView?.setSelected(dealId);
  };
  window.addEventListener("hashchange", route);
  s.stops.push(() => window.removeEventListener("hashchange", route));
  route();
}

// ---- conversation list --------------------------------------------------------------------------------

class ListView {
  private handle: ConversationListHandle | undefined;
  private stop: (() => void) | undefined;
  private status: DealStatus | "" = "";
  private unreadOnly = false;
  private selected: string | undefined;
  private readonly items = h("ul", { class: "conversations", "data-testid": "conversation-list" });
  private readonly footer = h("div", { class: "list-footer" });
  private readonly scroller: HTMLElement;
  private latest: ConversationListHandleState | undefined;

  constructor(
    private readonly s: Session,
    pane: HTMLElement,
  ) {
    const status = h(
      "select",
      {
        "data-testid": "status-filter",
        "aria-label": "Status",
        onchange: (e: Event) => {
          this.status = (e.target as HTMLSelectElement).value as DealStatus | "";
          this.open();
        },
      },
      h("option", { value: "" }, "All deals"),
      ...dealStatuses.map((st) => h("option", { value: st }, st[0]!.toUpperCase() + st.slice(1))),
    );
    const unread = h("input", {
      type: "checkbox",
      "data-testid": "unread-filter",
      onchange: (e: Event) => {
        this.unreadOnly = (e.target as HTMLInputElement).checked;
        this.open();
      },
    });
    this.scroller = h("div", { class: "list-scroll", "data-testid": "list-scroll" }, this.items, this.footer);
    this.scroller.addEventListener("scroll", () => this.maybeLoadMore());
    clear(pane, h("div", { class: "filters" }, status, h("label", { class: "check" }, unread, "Unread only")), this.scroller);
    this.open();
  }

  setSelected(dealId: string | undefined): void {
    this.selected = dealId;
    for (const li of Array.from(this.items.querySelectorAll<HTMLElement>("li[data-deal]"))) li.classList.toggle("selected", li.dataset.deal === dealId);
  }

  private open(): void {
    this.stop?.();
    this.handle?.dispose();
    this.scroller.scrollTop = 0;
    this.handle = this.s.chat.conversationList({
      pageSize: 12,
      ...(this.status ? { status: this.status } : {}),
      ...(this.unreadOnly ? { unreadOnly: true } : {}),
    });
    this.stop = this.handle.subscribe((state) => {
      this.latest = state;
      this.render(state);
    });
  }

  private maybeLoadMore(): void {
    const st = this.latest;
    if (!st?.hasMore || st.isLoadingMore || st.loading) return;
    const el = this.scroller;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 80) void this.handle?.loadMore();
  }

  private render(state: ConversationListHandleState): void {
    const config = this.s.config;
    clear(
      this.items,
      ...state.items.map((c) => {
        // The platform's public profile (copied onto the conversation) first; the demo directory for older data.
        const other = c.otherParticipant.profile?.displayName ?? nameOf(config, c.otherParticipant.uid);
        const last = c.lastMessage;
        const who = last && last.senderSide !== "system" ? (last.senderId === this.s.user.uid ? "You: " : "") : "";
        return h(
          "li",
          {
            "data-deal": c.dealId,
            "data-testid": "conversation-item",
            class: [c.dealId === this.selected ? "selected" : "", c.unreadCount > 0 ? "unread" : ""].join(" "),
          },
          h(
            "a",
            { href: `#/c/${c.dealId}` },
            h("span", { class: "avatar" }, initials(other)),
            h(
              "span",
              { class: "item-body" },
              h("span", { class: "item-top" }, h("strong", { class: "item-name" }, other), h("time", {}, shortTime(c.lastActivityAt?.toDate() ?? null))),
              h(
                "span",
                { class: "item-bottom" },
                h("span", { class: "snippet", "data-testid": "last-message" }, last ? who + last.snippet : "No messages yet"),
                c.unreadCount > 0 ? h("span", { class: "badge", "data-testid": "unread-badge" }, String(c.unreadCount)) : null,
              ),
              h(
                "span",
                { class: "item-meta" },
                c.title ? h("span", { class: "item-title", "data-testid": "item-title" }, c.title) : null,
                statusPill(c.status),
              ),
            ),
          ),
        );
      }),
    );
    const empty = !state.loading && state.items.length === 0;
    clear(
      this.footer,
      state.lastError
        ? h("p", { class: "error", role: "alert", "data-testid": "list-error" }, `Could not load conversations: ${errorText(state.lastError)}`)
        : null,
      state.loading || state.isLoadingMore ? h("p", { class: "muted center", "data-testid": "list-loading" }, "Loading…") : null,
      empty
        ? h(
            "p",
            { class: "muted center", "data-testid": "list-empty" },
            this.unreadOnly || this.status ? "No conversations match these filters." : "No conversations yet.",
          )
        : null,
      !state.loading && state.hasMore && !state.isLoadingMore && state.items.length > 0
        ? h("button", { type: "button", class: "link center", "data-testid": "list-more", onclick: () => void this.handle?.loadMore() }, "Load more")
        : null,
    );
    // A short first page does not fill the pane, so no scroll event would ever ask for the next one.
    queueMicrotask(() => this.maybeLoadMore());
  }

  dispose(): void {
    this.stop?.();
    this.handle?.dispose();
  }
}

// ---- one conversation -----------------------------------------------------------------------------------

interface PickedFile {
  file: File;
  error: string | null;
}

class ConversationView {
  private readonly handle: ConversationHandle;
  private readonly stops: Array<() => void> = [];
  private readonly messagesEl = h("ol", { class: "messages", "data-testid": "messages" });
  private readonly scroller: HTMLElement;
  private readonly header = h("div", { class: "chat-header" });
  private readonly banner = h("div", { class: "banners" });
  private readonly composer: HTMLElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;
  private readonly filesEl = h("div", { class: "picked-files", "data-testid": "picked-files" });
  private readonly composerError = h("p", { class: "error", role: "alert", "data-testid": "composer-error" });
  private readonly searchPanel: SearchPanel;
  private readonly rendered = new Map<string, { el: HTMLElement; signature: string }>();
  private readonly objectUrls = new Map<string, Promise<string>>();
  private readonly outgoing = new Map<string, OutgoingMessage>();
  private picked: PickedFile[] = [];
  private editing: string | undefined;
  /** What the user typed into the open editor: a re-render (a receipt, a trigger's write) must not reset it. */
  private editDraft: string | undefined;
  private state: ConversationHandleState | undefined;
  private olderRequested = false;
  private timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly s: Session,
    pane: HTMLElement,
    readonly dealId: string,
  ) {
    this.handle = s.chat.conversation(dealId, { watchPresence: true, tailSize: 20, pageSize: 20 });
    this.scroller = h("div", { class: "messages-scroll", "data-testid": "messages-scroll" }, this.messagesEl);
    this.scroller.addEventListener("scroll", () => this.maybeLoadOlder());
    this.textarea = h("textarea", {
      rows: 1,
      placeholder: "Write a message",
      maxlength: limits.textMaxLength,
      "data-testid": "composer-input",
      "aria-label": "Message",
    });
    this.textarea.addEventListener("input", () => {
      if (this.textarea.value.length > 0) this.handle.typing();
    });
    this.textarea.addEventListener("blur", () => void this.handle.stopTyping());
    this.textarea.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        this.send();
      }
    });
    this.fileInput = h("input", { type: "file", multiple: true, hidden: true, "data-testid": "file-input" });
    this.fileInput.addEventListener("change", () => {
      for (const file of Array.from(this.fileInput.files ?? [])) this.picked.push({ file, error: this.checkFile(file) });
      this.fileInput.value = "";
      this.renderPicked();
    });
    this.composer = h(
      "form",
      {
        class: "composer",
        "data-testid": "composer",
        onsubmit: (e: Event) => {
          e.preventDefault();
          this.send();
        },
      },
      this.filesEl,
      this.composerError,
      h(
        "div",
        { class: "composer-row" },
        h(
          "button",
          {
            type: "button",
            class: "icon",
            title: "Attach files",
            "aria-label": "Attach files",
            "data-testid": "attach",
            onclick: () => this.fileInput.click(),
          },
          "Attach",
        ),
        this.textarea,
        h("button", { type: "submit", class: "primary", "data-testid": "send" }, "Send"),
      ),
      this.fileInput,
    );
    this.searchPanel = new SearchPanel(s, dealId);
    clear(pane, this.header, this.searchPanel.el, this.banner, this.scroller, this.composer);
    this.stops.push(this.handle.subscribe((state) => this.render(state)));
    // Remaining edit windows count down every second without re-rendering the messages.
    this.timer = setInterval(() => this.tick(), 1000);
  }

  private checkFile(file: File): string | null {
    try {
      this.s.chat.validateAttachment({ name: file.name, contentType: file.type || "application/octet-stream", data: file });
      return null;
    } catch (e) {
      return errorText(e);
    }
  }

  private renderPicked(): void {
    clear(
      this.filesEl,
      ...this.picked.map((p, i) =>
        h(
          "span",
          { class: `chip${p.error ? " chip-error" : ""}`, "data-testid": "picked-file" },
          `${p.file.name} · ${fileSize(p.file.size)}`,
          p.error ? h("small", {}, ` — ${p.error}`) : null,
          h(
            "button",
            {
              type: "button",
              class: "chip-x",
              "aria-label": `Remove ${p.file.name}`,
              onclick: () => {
                this.picked.splice(i, 1);
                this.renderPicked();
              },
            },
            "×",
          ),
        ),
      ),
    );
  }

  private send(): void {
    if (this.state?.readOnly) return;
    const text = this.textarea.value;
    if (this.picked.some((p) => p.error)) {
      this.composerError.textContent = "Remove the files that cannot be sent first.";
      return;
    }
    const files = this.picked.map((p) => ({ name: p.file.name, contentType: p.file.type || "application/octet-stream", data: p.file }));
    if (text.trim() === "" && files.length === 0) return;
    this.composerError.textContent = "";
    const outgoing = this.handle.send({ text, files });
    this.outgoing.set(outgoing.messageId, outgoing);
    outgoing.done.then(
      () => this.outgoing.delete(outgoing.messageId),
      () => this.outgoing.delete(outgoing.messageId),
    );
    this.textarea.value = "";
    this.picked = [];
    this.renderPicked();
    void this.handle.stopTyping();
    this.stickToBottom = true;
  }

  private stickToBottom = true;

  private maybeLoadOlder(): void {
    const el = this.scroller;
    this.stickToBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 40;
    const st = this.state;
    if (!st || st.loading || !st.hasOlder || st.isLoadingOlder || this.olderRequested) return;
    if (el.scrollTop < 120) {
      this.olderRequested = true;
      void this.handle.loadOlder().finally(() => {
        this.olderRequested = false;
      });
    }
  }

  private render(state: ConversationHandleState): void {
    const previous = this.state;
    this.state = state;
    this.renderHeader(state);
    this.renderBanners(state);
    this.composer.hidden = state.readOnly;
    this.renderMessages(state);
    if (document.visibilityState === "visible" && this.hasUnseen(state)) void this.handle.markRead().catch(() => {});
    if (!previous || previous.loading !== state.loading) queueMicrotask(() => this.maybeLoadOlder());
  }

  /**
   * Something on screen the user has not marked read: the functions' unread counter (it lags a moment), or a
   * message of the other side newer than the user's own read watermark (known at once).
   */
  private hasUnseen(state: ConversationHandleState): boolean {
    const conversation = state.conversation;
    if (!conversation) return false;
    if (conversation.unreadCount > 0) return true;
    const mine = conversation.readWatermarks[conversation.mySide]?.toMillis() ?? 0;
    const newest = state.messages.find((m) => !m.isMine && m.senderSide !== "system" && m.createdAt);
    return newest?.createdAt ? newest.createdAt.toMillis() > mine : false;
  }

  private renderHeader(state: ConversationHandleState): void {
    const other = state.conversation?.otherParticipant.uid;
    const otherName = state.otherParticipant?.profile?.displayName ?? (other ? nameOf(this.s.config, other) : "");
    const presence = state.otherPresence;
    const presenceText = presence ? (presence.online ? "online" : presence.lastSeen ? `last seen ${relativeAgo(presence.lastSeen)}` : "offline") : "";
    clear(
      this.header,
      h("a", { href: "#/", class: "back", "aria-label": "Back to conversations", "data-testid": "back" }, "‹"),
      h(
        "div",
        { class: "chat-title" },
        h("strong", { "data-testid": "deal-title" }, state.title ?? (state.loading ? "Loading…" : "Deal")),
        h(
          "span",
          { class: "chat-sub" },
          statusPill(state.dealStatus),
          otherName ? h("span", {}, ` ${otherName}`) : null,
          presence ? h("span", { class: `presence ${presence.online ? "online" : "offline"}`, "data-testid": "presence" }, presenceText) : null,
          state.otherTyping ? h("span", { class: "typing", "data-testid": "typing" }, "typing…") : null,
        ),
      ),
      h(
        "button",
        {
          type: "button",
          class: "icon",
          title: "Search",
          "aria-label": "Search this conversation",
          "data-testid": "search-toggle",
          onclick: () => this.searchPanel.toggle(),
        },
        "Search",
      ),
    );
  }

  private renderBanners(state: ConversationHandleState): void {
    const error = state.lastError;
    clear(
      this.banner,
      state.readOnly
        ? h(
            "div",
            { class: "banner readonly", "data-testid": "readonly-banner" },
            `This deal is ${state.dealStatus ?? "closed"}: the conversation is read-only.`,
          )
        : null,
      error
        ? h(
            "div",
            { class: "banner error", role: "alert", "data-testid": "conversation-error" },
            error.code === "not-found"
              ? "This conversation does not exist."
              : error.code === "permission-denied"
                ? "You are not a participant of this deal."
                : `Something went wrong: ${errorText(error)}`,
          )
        : null,
    );
  }

  private renderMessages(state: ConversationHandleState): void {
    const el = this.scroller;
    const fromBottom = el.scrollHeight - el.scrollTop;
    const chronological = [...state.messages].reverse();
    const wanted: HTMLElement[] = [];
    const ids = new Set<string>();
    if (state.isLoadingOlder) wanted.push(h("li", { class: "muted center", "data-testid": "older-loading" }, "Loading earlier messages…"));
    else if (!state.hasOlder && !state.loading && chronological.length > 0) wanted.push(h("li", { class: "muted center start" }, "Start of the conversation"));
    if (state.loading && chronological.length === 0) wanted.push(h("li", { class: "muted center" }, "Loading…"));
    if (!state.loading && chronological.length === 0 && !state.lastError)
      wanted.push(h("li", { class: "muted center", "data-testid": "no-messages" }, "No messages yet. Say hello!"));
    let previousDay = "";
    for (const m of chronological) {
      const day = m.createdAt ? m.createdAt.toDate().toDateString() : "";
      if (day && day !== previousDay) {
        wanted.push(h("li", { class: "day" }, new Date(day).toLocaleDateString(undefined, { weekday: "long", month: "long", day: "numeric" })));
        previousDay = day;
      }
      ids.add(m.id);
      if (this.editing === m.id && m.deleted) this.editing = undefined; // deleted elsewhere: nothing left to edit
      const signature = this.signature(m);
      const known = this.rendered.get(m.id);
      // The open editor stays the element it is (focus, caret, the text being typed) until it closes: a receipt
      // or a trigger's write to the message must not rebuild it under the user's fingers.
      const editorOpen = this.editing === m.id && known?.el.querySelector('[data-testid="edit-input"]');
      if (known && (known.signature === signature || editorOpen)) wanted.push(known.el);
      else {
        const fresh = this.renderMessage(m);
        this.rendered.set(m.id, { el: fresh, signature });
        wanted.push(fresh);
      }
    }
    for (const id of [...this.rendered.keys()]) if (!ids.has(id)) this.rendered.delete(id);
    reconcileChildren(this.messagesEl, wanted);
    // Older pages arrive above: keep what the user looks at in place; new messages scroll into view at the bottom.
    if (this.stickToBottom) el.scrollTop = el.scrollHeight;
    else el.scrollTop = el.scrollHeight - fromBottom;
  }

  private signature(m: ConversationMessage): string {
    return JSON.stringify([
      m.text,
      m.deleted,
      m.editedAt?.toMillis() ?? null,
      m.createdAt?.toMillis() ?? null,
      m.status,
      m.error?.message ?? null,
      m.upload ? Math.round(m.upload.fraction * 100) : null,
      m.readByOther,
      m.attachments.map((a) => a.verification?.status ?? "pending").join(),
      this.editing === m.id,
    ]);
  }

  private renderMessage(m: ConversationMessage): HTMLElement {
    if (m.senderSide === "system")
      return h(
        "li",
        { class: "system", "data-testid": "system-message", "data-id": m.id },
        h("span", {}, m.text ?? ""),
        h("time", {}, fullTime(m.createdAt?.toDate() ?? null)),
      );
    const mine = m.isMine;
    const body: Array<Node | null> = [];
    if (m.deleted) body.push(h("p", { class: "deleted", "data-testid": "deleted" }, "Message deleted"));
    else if (this.editing === m.id) body.push(this.editor(m));
    else if (m.text) body.push(h("p", { class: "text", "data-testid": "message-text" }, m.text));
    if (!m.deleted) for (const a of m.attachments) body.push(this.attachment(a));
    if (m.upload && m.status === "pending") {
      body.push(
        h(
          "div",
          { class: "upload", "data-testid": "upload-progress" },
          ...m.upload.files.map((f) =>
            h(
              "div",
              { class: "upload-file" },
              h("span", {}, f.name),
              h("progress", { max: Math.max(1, f.totalBytes), value: f.bytesTransferred, "data-testid": "upload-bar" }),
            ),
          ),
          h("button", { type: "button", class: "link", "data-testid": "cancel-upload", onclick: () => this.outgoing.get(m.id)?.cancel() }, "Cancel upload"),
        ),
      );
    }
    const meta: Array<Node | null> = [h("time", {}, fullTime(m.createdAt?.toDate() ?? null))];
    if (m.editedAt && !m.deleted) meta.push(h("span", { "data-testid": "edited" }, " · edited"));
    if (mine) {
      const tick = m.status === "pending" ? "🕓 sending" : m.status === "failed" ? "failed" : m.readByOther ? "✓✓ read" : "✓ sent";
      meta.push(h("span", { class: `tick ${m.status}${m.readByOther ? " read" : ""}`, "data-testid": "message-status" }, ` · ${tick}`));
    }
    const actions: Array<Node | null> = [];
    if (mine && m.status === "failed") {
      actions.push(
        h("span", { class: "error", "data-testid": "send-error" }, m.error ? errorText(m.error) : "Not sent"),
        h("button", { type: "button", class: "link", "data-testid": "retry", onclick: () => void this.handle.retry(m.id).done.catch(() => {}) }, "Retry"),
        h("button", { type: "button", class: "link", "data-testid": "discard", onclick: () => this.handle.discard(m.id) }, "Discard"),
      );
    } else if (mine && m.status === "sent" && !m.deleted && !this.state?.readOnly && this.editing !== m.id) {
      const left = remainingEditMs(m.createdAt, Date.now());
      if (left > 0 && m.createdAt) {
        actions.push(
          h("button", { type: "button", class: "link", "data-testid": "edit", onclick: () => this.startEdit(m.id) }, "Edit"),
          h("button", { type: "button", class: "link", "data-testid": "delete", onclick: () => this.remove(m.id) }, "Delete"),
          h("span", { class: "muted window", "data-created": String(m.createdAt.toMillis()), "data-testid": "edit-window" }, `${countdown(left)} left`),
        );
      }
    }
    return h(
      "li",
      { class: `message ${mine ? "mine" : "theirs"} ${m.status}`, "data-id": m.id, "data-testid": "message" },
      h("div", { class: "bubble" }, ...body, h("div", { class: "meta" }, ...meta)),
      actions.length > 0 ? h("div", { class: "actions" }, ...actions) : null,
    );
  }

  private editor(m: ChatMessage): HTMLElement {
    const input = h("textarea", { class: "edit-input", "data-testid": "edit-input", maxlength: limits.textMaxLength });
    input.value = this.editDraft ?? m.text ?? "";
    input.addEventListener("input", () => {
      this.editDraft = input.value;
    });
    const error = h("span", { class: "error", "data-testid": "edit-error" });
    const save = () => {
      this.handle.edit(m.id, input.value).then(
        () => {
          this.editing = undefined;
          this.editDraft = undefined;
          if (this.state) this.renderMessages(this.state);
        },
        (e: unknown) => {
          error.textContent = errorText(e);
        },
      );
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        save();
      } else if (e.key === "Escape") {
        this.editing = undefined;
        if (this.state) this.renderMessages(this.state);
      }
    });
    queueMicrotask(() => input.focus());
    return h(
      "div",
      { class: "editor" },
      input,
      h(
        "div",
        {},
        h("button", { type: "button", class: "primary small", "data-testid": "save-edit", onclick: save }, "Save"),
        h(
          "button",
          {
            type: "button",
            class: "link",
            onclick: () => {
              this.editing = undefined;
              if (this.state) this.renderMessages(this.state);
            },
          },
          "Cancel",
        ),
        error,
      ),
    );
  }

  private startEdit(id: string): void {
    this.editing = id;
    this.editDraft = undefined;
    if (this.state) this.renderMessages(this.state);
  }

  private remove(id: string): void {
    if (!confirm("Delete this message for everyone?")) return;
    this.handle.delete(id).catch((e: unknown) => {
      this.composerError.textContent = `Could not delete: ${errorText(e)}`;
    });
  }

  /** A local URL of the attachment's bytes or of its preview, fetched once per page (the SDK revokes them on dispose). */
  private objectUrl(a: ChatAttachment, kind: "file" | "preview"): Promise<string> {
    const key = `${kind}:${a.storagePath}`;
    let p = this.objectUrls.get(key);
    if (!p) {
      p = (kind === "preview" ? this.s.chat.attachmentPreviewObjectUrl(a) : this.s.chat.attachmentObjectUrl(a)).then((o) => o.url);
      p.catch(() => this.objectUrls.delete(key));
      this.objectUrls.set(key, p);
    }
    return p;
  }

  private download(a: ChatAttachment): void {
    this.objectUrl(a, "file").then(
      (u) => h("a", { href: u, download: a.name }).click(),
      (e: unknown) => {
        this.composerError.textContent = `Could not download ${a.name}: ${errorText(e)}`;
      },
    );
  }

  /**
   * An attachment as its verification allows (docs/attachments.md): while the functions check its bytes the other
   * side sees a placeholder (the uploader sees their own file); a rejected file shows why; a verified image shows
   * its small WebP preview and opens the full image on click; other files offer a download with what was verified.
   */
  private attachment(a: ChatAttachment): HTMLElement {
    const state = this.s.chat.attachmentState(a);
    const caption = `${a.name} · ${fileSize(a.size)}`;
    if (state.status === "rejected")
      return h(
        "div",
        { class: "file rejected", "data-testid": "attachment-rejected" },
        `⚠ ${a.name} was rejected: ${state.reason ?? "it failed verification"}`,
      );
    if (state.status === "pending" && !state.canDownload)
      return h("div", { class: "file pending", "data-testid": "attachment-pending" }, `⏳ ${caption} · checking…`);
    if (a.contentType.startsWith("image/")) {
      const img = h("img", { alt: a.name, class: "thumb", "data-testid": state.hasPreview ? "attachment-preview" : "attachment-image", loading: "lazy" });
      // The preview is a few tens of KiB; the full image is fetched only when the user opens it.
      void this.objectUrl(a, state.hasPreview ? "preview" : "file").then(
        (u) => {
          img.src = u;
        },
        () => {
          img.alt = `${a.name} (could not load)`;
        },
      );
      const open = () =>
        void this.objectUrl(a, "file").then(
          (u) => window.open(u, "_blank", "noopener"),
          (e: unknown) => {
            this.composerError.textContent = `Could not open ${a.name}: ${errorText(e)}`;
          },
        );
      const size = state.details?.width && state.details.height ? ` · ${state.details.width} × ${state.details.height}` : "";
      return h(
        "figure",
        { class: "attachment" },
        h("button", { type: "button", class: "thumb-button", title: `Open ${a.name}`, onclick: open }, img),
        h("figcaption", {}, `${caption}${size}`),
      );
    }
    const pages = state.details?.pageCount ? ` · ${state.details.pageCount} page${state.details.pageCount === 1 ? "" : "s"}` : "";
    const duration = state.details?.durationMs ? ` · ${countdown(state.details.durationMs)}` : "";
    return h(
      "button",
      { type: "button", class: "file", "data-testid": "attachment-file", onclick: () => this.download(a) },
      `📄 ${caption}${pages}${duration}`,
    );
  }

  private tick(): void {
    const now = Date.now();
    for (const label of Array.from(this.messagesEl.querySelectorAll<HTMLElement>("[data-created]"))) {
      const left = remainingEditMs(Number(label.dataset.created), now);
      if (left > 0) label.textContent = `${countdown(left)} left`;
      else label.closest(".actions")?.remove();
    }
    // "last seen 3 min ago" moves on by itself.
    if (this.state?.otherPresence && !this.state.otherPresence.online) this.renderHeader(this.state);
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const stop of this.stops) stop();
    this.searchPanel.dispose();
    this.handle.dispose();
  }
}

// ---- search in one conversation -------------------------------------------------------------------------

class SearchPanel {
  readonly el: HTMLElement;
  private readonly results = h("ol", { class: "search-results", "data-testid": "search-results" });
  private readonly status = h("p", { class: "muted", "data-testid": "search-status" });
  private next: HistoryInput["cursor"] | null = null;
  private input: HistoryInput | undefined;
  private disposed = false;

  constructor(
    private readonly s: Session,
    private readonly dealId: string,
  ) {
    const words = h("input", { type: "search", placeholder: "Words to find", "data-testid": "search-text", "aria-label": "Words to find" });
    const from = h("input", { type: "date", "data-testid": "search-from", "aria-label": "From" });
    const to = h("input", { type: "date", "data-testid": "search-to", "aria-label": "To" });
    const side = h(
      "select",
      { "data-testid": "search-side", "aria-label": "Sender" },
      h("option", { value: "" }, "Anyone"),
      h("option", { value: "brand" }, "Brand"),
      h("option", { value: "influencer" }, "Influencer"),
      h("option", { value: "system" }, "DealChat"),
    );
    const files = h("input", { type: "checkbox", "data-testid": "search-attachments" });
    const more = h("button", { type: "button", class: "link", "data-testid": "search-more", hidden: true, onclick: () => void this.run(true) }, "More results");
    this.el = h(
      "div",
      { class: "search", hidden: true, "data-testid": "search-panel" },
      h(
        "form",
        {
          class: "search-form",
          onsubmit: (e: Event) => {
            e.preventDefault();
            // `from` is inclusive and `to` exclusive: a "to" day counts whole, so it ends at the next midnight.
            const day = (value: string, plus = 0) => {
              const d = new Date(`${value}T00:00:00`);
              d.setDate(d.getDate() + plus);
              return d;
            };
            this.input = {
              dealId: this.dealId,
              pageSize: 20,
              ...(words.value.trim() ? { search: words.value } : {}),
              ...(from.value ? { from: day(from.value) } : {}),
              ...(to.value ? { to: day(to.value, 1) } : {}),
              ...(side.value ? { senderSide: side.value as Side | "system" } : {}),
              ...(files.checked ? { attachmentsOnly: true } : {}),
            };
            void this.run(false);
          },
        },
        words,
        h("label", {}, "From ", from),
        h("label", {}, "To ", to),
        side,
        h("label", { class: "check" }, files, "With files"),
        h("button", { type: "submit", class: "primary small", "data-testid": "search-run" }, "Search"),
      ),
      this.status,
      this.results,
      more,
    );
    this.more = more;
  }

  private readonly more: HTMLButtonElement;

  toggle(): void {
    this.el.hidden = !this.el.hidden;
    if (!this.el.hidden) this.el.querySelector("input")?.focus();
  }

  private async run(append: boolean): Promise<void> {
    if (!this.input) return;
    if (!append) {
      this.results.replaceChildren();
      this.next = null;
    }
    this.status.textContent = "Searching…";
    this.status.classList.remove("error");
    try {
      const page = await this.s.chat.history({ ...this.input, ...(append && this.next ? { cursor: this.next } : {}) });
      if (this.disposed) return;
      this.next = page.next;
      for (const m of page.messages)
        this.results.append(
          h(
            "li",
            { "data-testid": "search-result" },
            h("strong", {}, m.senderSide === "system" ? "DealChat" : nameOf(this.s.config, m.senderId)),
            h("time", {}, ` ${fullTime(m.createdAt?.toDate() ?? null)}`),
            h("p", {}, m.deleted ? "Message deleted" : (m.text ?? "")),
            m.attachments.length > 0 ? h("small", {}, m.attachments.map((a) => `📎 ${a.name}`).join("  ")) : null,
          ),
        );
      const count = this.results.children.length;
      this.status.textContent = count === 0 ? "No messages match." : `${count} message${count === 1 ? "" : "s"}${page.next ? " so far" : ""}`;
      this.more.hidden = !page.next;
    } catch (e) {
      this.status.textContent = `Search failed: ${errorText(e)}`;
      this.status.classList.add("error");
    }
  }

  dispose(): void {
    this.disposed = true;
  }
}

void start();
