// Reads and deletes of the notification documents, in-process (the writes are verdict cases in
// notifications-cases.ts): the owner only, no listing across users, nothing for the platform-only collections.
import { describe, expect, it } from "vitest";
import { inboxDoc, notificationCollections, notificationPaths, pushDeviceDoc } from "@dealchat/model";
import { at, compileRules, firestoreAllows, type Data } from "./rules-engine-harness.ts";
import { NOW, validToken } from "./notifications-cases.ts";

const rules = compileRules("firestore.rules");
const owner = "brand-1";
const stranger = "influencer-1";
type Method = "get" | "list" | "create" | "update" | "delete";
const allows = (uid: string | null, path: string, method: Method, stored: Data | null, next?: Data) =>
  firestoreAllows(rules, { uid, nowMs: NOW, path, method, stored, next });

describe("notification documents: who reads and deletes", () => {
  const inbox = inboxDoc(owner, { brand: { unread: 3, conversations: 2 }, influencer: { unread: 0, conversations: 0 } }, at(NOW));

  it("inboxes: the owner gets theirs; nobody lists, nobody writes", () => {
    expect(allows(owner, notificationPaths.inbox(owner), "get", inbox)).toBe(true);
    expect(allows(stranger, notificationPaths.inbox(owner), "get", inbox)).toBe(false);
    expect(allows(null, notificationPaths.inbox(owner), "get", inbox)).toBe(false);
    expect(allows(owner, notificationPaths.inbox(owner), "list", inbox)).toBe(false);
    expect(allows(owner, notificationPaths.inbox(owner), "create", null, inbox)).toBe(false);
    expect(allows(owner, notificationPaths.inbox(owner), "update", inbox, { ...inbox, unreadTotal: 0 })).toBe(false);
    expect(allows(owner, notificationPaths.inbox(owner), "delete", inbox)).toBe(false);
  });

  it("push devices: the owner lists and unregisters theirs; nobody else", () => {
    const device = pushDeviceDoc(validToken, "web", at(NOW - 1_000));
    const path = notificationPaths.pushDevice(owner, validToken);
    expect(allows(owner, path, "list", device)).toBe(true);
    expect(allows(owner, path, "delete", device)).toBe(true);
    expect(allows(stranger, path, "get", device)).toBe(false);
    expect(allows(stranger, path, "list", device)).toBe(false);
    expect(allows(stranger, path, "delete", device)).toBe(false);
  });

  it("open conversations and preferences: the owner only", () => {
    const open = { dealId: "deal-1", updatedAt: at(NOW - 1_000), expiresAt: at(NOW + 1_000) };
    expect(allows(owner, notificationPaths.openDevice(owner, "tab_1"), "get", open)).toBe(true);
    expect(allows(stranger, notificationPaths.openDevice(owner, "tab_1"), "get", open)).toBe(false);
    expect(allows(stranger, notificationPaths.openDevice(owner, "tab_1"), "delete", open)).toBe(false);
    const prefs = { push: true, email: true, mutedUntil: null, quietHours: null, updatedAt: at(NOW - 5_000) };
    expect(allows(owner, notificationPaths.preferences(owner), "get", prefs)).toBe(true);
    expect(allows(stranger, notificationPaths.preferences(owner), "get", prefs)).toBe(false);
    expect(allows(owner, notificationPaths.preferences(owner), "delete", prefs)).toBe(false);
    expect(allows(owner, notificationPaths.conversationPreferences(owner, "deal-1"), "get", prefs)).toBe(true);
    expect(allows(stranger, notificationPaths.conversationPreferences(owner, "deal-1"), "list", prefs)).toBe(false);
  });

  it("platform-only collections: no client access at all", () => {
    const doc = { any: 1 };
    for (const path of [
      notificationPaths.userState(owner),
      notificationPaths.conversationState(owner, "deal-1"),
      notificationPaths.mail("digest-1"),
      `${notificationCollections.recordedPushes}/p1`,
      `${notificationCollections.simulatedTokenErrors}/${validToken}`,
    ]) {
      for (const method of ["get", "list", "delete"] as const) expect(allows(owner, path, method, doc), `${method} ${path}`).toBe(false);
      expect(allows(owner, path, "create", null, doc), `create ${path}`).toBe(false);
    }
  });
});
