// A few lines of DOM building: every text goes through textContent (never innerHTML), so message text and file
// names cannot inject markup.
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, "").toLowerCase(), value);
    else if (key === "class") el.className = String(value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/**
 * Makes `parent`'s children exactly `wanted`, moving only the nodes that are out of place. replaceChildren would
 * detach every child, and detaching the focused textarea blurs it: what the user types next goes nowhere.
 */
export function reconcileChildren(parent: Element, wanted: readonly Node[]): void {
  // Stale nodes go first, so that the ones kept are already in order and none of them has to move.
  const keep = new Set(wanted);
  for (const child of Array.from(parent.childNodes)) if (!keep.has(child)) child.remove();
  wanted.forEach((node, i) => {
    const current = parent.childNodes[i];
    if (current !== node) parent.insertBefore(node, current ?? null);
  });
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** "14:05" today, "Nov 3" before. */
export function shortTime(date: Date | null, now = new Date()): string {
  if (!date) return "";
  return date.toDateString() === now.toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}

export function fullTime(date: Date | null): string {
  return date ? `${dayFormat.format(date)}, ${timeFormat.format(date)}` : "sending…";
}

/** "3:07" for 187 000 ms. */
export function countdown(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function relativeAgo(date: Date | null, now = Date.now()): string {
  if (!date) return "never";
  const s = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
