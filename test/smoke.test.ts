// The Emulator Suite as the rest of the project relies on it: real SDKs, real rules, real triggers.
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { doc, getDoc, onSnapshot, serverTimestamp, setDoc, Timestamp as WebTimestamp, type DocumentSnapshot, type Firestore } from "firebase/firestore";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presenceDoc, presenceEntry } from "@dealchat/model";
import { adminFirestore, signedInWebClient, type WebClient } from "./support/clients.ts";
import { firestoreEmulator, projectId, uniqueId } from "./support/emulators.ts";
import { waitForSnapshot } from "./support/wait.ts";

/** A presence document as firestore.rules accept it: one live connection named `state`. */
function presence(state: string) {
  return presenceDoc(serverTimestamp(), { [state]: presenceEntry(serverTimestamp(), WebTimestamp.fromMillis(Date.now() + 60_000)) });
}
const stateOf = (snap: { get(field: string): unknown }): string | undefined => Object.keys((snap.get("connections") as object | undefined) ?? {})[0];

describe("Emulator Suite smoke", () => {
  let alice: WebClient;
  /**
   * The rules pace presence updates (limits.presenceMinIntervalMs from the stored lastSeen); instead of waiting,
   * the platform back-dates the last write before a test updates the document again.
   */
  const backdatePresence = async () => {
    const ref = adminFirestore().doc(`presence/${alice.user.uid}`);
    if ((await ref.get()).exists) await ref.update({ lastSeen: Timestamp.fromMillis(Date.now() - 60_000) });
  };

  beforeAll(async () => {
    alice = await signedInWebClient("alice");
  });
  afterAll(async () => {
    await alice?.close();
  });

  it("web SDK writes, reads back and receives a live snapshot update", async () => {
    const ref = doc(alice.db, "presence", alice.user.uid);
    await backdatePresence();
    await setDoc(ref, presence("online"));
    expect(stateOf(await getDoc(ref))).toBe("online");

    const states: Array<string | undefined> = [];
    let sawServerState!: () => void;
    const listening = new Promise<void>((resolve) => (sawServerState = resolve));
    const updated = waitForSnapshot<DocumentSnapshot>(
      (next, fail) =>
        onSnapshot(
          ref,
          { includeMetadataChanges: true },
          (snap) => {
            states.push(stateOf(snap));
            if (!snap.metadata.fromCache) sawServerState();
            next(snap);
          },
          fail,
        ),
      (snap) => stateOf(snap) === "away" && !snap.metadata.hasPendingWrites,
      { what: "the presence document to become 'away'" },
    );
    await listening;
    await backdatePresence();
    await setDoc(ref, presence("away"));
    const snap = await updated;
    expect(stateOf(snap)).toBe("away");
    expect(states[0]).toBe("online");
  });

  it("firebase-admin reads what the web SDK wrote", async () => {
    await backdatePresence();
    await setDoc(doc(alice.db, "presence", alice.user.uid), presence("written-by-web"));
    const snap = await adminFirestore().doc(`presence/${alice.user.uid}`).get();
    expect(snap.exists).toBe(true);
    expect(stateOf(snap)).toBe("written-by-web");
  });

  it("the Auth emulator's uid reaches request.auth in firestore.rules", async () => {
    // Allowed only because request.auth.uid equals the document id; a stranger's id is refused.
    await backdatePresence();
    await expect(setDoc(doc(alice.db, "presence", alice.user.uid), presence("mine"))).resolves.toBeUndefined();
    await expect(setDoc(doc(alice.db, "presence", uniqueId("someone-else")), presence("theirs"))).rejects.toMatchObject({
      code: "permission-denied",
    });
  });

  it("a Firestore-triggered function runs and its effect is observable", async () => {
    const db = adminFirestore();
    const dealId = uniqueId("deal");
    const messageId = uniqueId("msg");
    const [brandId, influencerId] = [uniqueId("brand"), uniqueId("influencer")];
    const before = Timestamp.now();
    const state = waitForSnapshot<FirebaseFirestore.DocumentSnapshot>(
      (next, fail) => db.doc(`conversations/${dealId}`).onSnapshot(next, fail),
      (snap) => snap.exists && snap.get("lastMessage.messageId") === messageId,
      // The first event of a run pays the Functions emulator's cold start, slow on a busy machine.
      { what: "onMessageCreated to update the conversation", timeoutMs: 45_000 },
    );
    const now = FieldValue.serverTimestamp();
    await db.doc(`deals/${dealId}`).set({ brandId, influencerId, participants: [brandId, influencerId], status: "active", createdAt: now, updatedAt: now });
    await db.doc(`deals/${dealId}/messages/${messageId}`).set({
      senderId: brandId,
      senderSide: "brand",
      text: "hello",
      attachments: [],
      hasAttachments: false,
      createdAt: now,
      editedAt: null,
      deleted: false,
      deletedAt: null,
    });
    const snap = await state;
    expect(snap.get("lastActivityAt").toMillis()).toBeGreaterThanOrEqual(before.toMillis());
  }, 60_000);
});

describe("@firebase/rules-unit-testing with firestore.rules", () => {
  let env: RulesTestEnvironment;

  beforeAll(async () => {
    const { host, port } = firestoreEmulator();
    env = await initializeTestEnvironment({
      projectId,
      // No `rules`: this checks the rules firebase-tools itself loaded from firebase.json into the app's project.
      firestore: { host, port },
    });
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it("allows an owner's write and denies a stranger's", async () => {
    const uid = uniqueId("bob");
    const asBob = env.authenticatedContext(uid).firestore();
    await assertSucceeds(setDoc(doc(asBob as unknown as Firestore, `presence/${uid}`), presence("online")));
    await assertFails(setDoc(doc(asBob as unknown as Firestore, `presence/${uniqueId("carol")}`), presence("online")));
    await assertFails(env.unauthenticatedContext().firestore().doc(`presence/${uid}`).get());
  });
});
