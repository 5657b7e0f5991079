// The Emulator Suite as the rest of the project relies on it: real SDKs, real rules, real triggers.
import { readFileSync } from "node:fs";
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { doc, getDoc, onSnapshot, setDoc, type DocumentSnapshot } from "firebase/firestore";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminFirestore, signedInWebClient, type WebClient } from "./support/clients.ts";
import { firestoreEmulator, projectId, uniqueId } from "./support/emulators.ts";
import { waitForSnapshot } from "./support/wait.ts";

describe("Emulator Suite smoke", () => {
  let alice: WebClient;

  beforeAll(async () => {
    alice = await signedInWebClient("alice");
  });
  afterAll(async () => {
    await alice?.close();
  });

  it("web SDK writes, reads back and receives a live snapshot update", async () => {
    const ref = doc(alice.db, "presence", alice.user.uid);
    await setDoc(ref, { state: "online" });
    expect((await getDoc(ref)).get("state")).toBe("online");

    const states: Array<string | undefined> = [];
    let sawServerState!: () => void;
    const listening = new Promise<void>((resolve) => (sawServerState = resolve));
    const updated = waitForSnapshot<DocumentSnapshot>(
      (next, fail) =>
        onSnapshot(ref, { includeMetadataChanges: true }, (snap) => {
          states.push(snap.get("state"));
          if (!snap.metadata.fromCache) sawServerState();
          next(snap);
        }, fail),
      (snap) => snap.get("state") === "away" && !snap.metadata.hasPendingWrites,
      { what: "the presence document to become 'away'" },
    );
    await listening;
    await setDoc(ref, { state: "away" });
    const snap = await updated;
    expect(snap.get("state")).toBe("away");
    expect(states[0]).toBe("online");
  });

  it("firebase-admin reads what the web SDK wrote", async () => {
    await setDoc(doc(alice.db, "presence", alice.user.uid), { state: "written-by-web" });
    const snap = await adminFirestore().doc(`presence/${alice.user.uid}`).get();
    expect(snap.exists).toBe(true);
    expect(snap.get("state")).toBe("written-by-web");
  });

  it("the Auth emulator's uid reaches request.auth in firestore.rules", async () => {
    // Allowed only because request.auth.uid equals the document id; a stranger's id is refused.
    await expect(setDoc(doc(alice.db, "presence", alice.user.uid), { state: "mine" })).resolves.toBeUndefined();
    await expect(setDoc(doc(alice.db, "presence", uniqueId("someone-else")), { state: "theirs" })).rejects.toMatchObject({
      code: "permission-denied",
    });
  });

  it("a Firestore-triggered function runs and its effect is observable", async () => {
    const db = adminFirestore();
    const dealId = uniqueId("deal");
    const messageId = uniqueId("msg");
    const before = Timestamp.now();
    const state = waitForSnapshot<FirebaseFirestore.DocumentSnapshot>(
      (next, fail) => db.doc(`conversations/${dealId}`).onSnapshot(next, fail),
      (snap) => snap.exists && snap.get("lastMessageId") === messageId,
      { what: "onMessageCreated to update the conversation" },
    );
    await db.doc(`deals/${dealId}/messages/${messageId}`).set({ text: "hello", createdAt: FieldValue.serverTimestamp() });
    const snap = await state;
    expect(snap.get("lastActivityAt").toMillis()).toBeGreaterThanOrEqual(before.toMillis());
  });
});

describe("@firebase/rules-unit-testing with firestore.rules", () => {
  let env: RulesTestEnvironment;

  beforeAll(async () => {
    const { host, port } = firestoreEmulator();
    env = await initializeTestEnvironment({
      projectId,
      firestore: { host, port, rules: readFileSync("firestore.rules", "utf8") },
    });
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it("allows an owner's write and denies a stranger's", async () => {
    const uid = uniqueId("bob");
    const asBob = env.authenticatedContext(uid).firestore();
    await assertSucceeds(asBob.doc(`presence/${uid}`).set({ state: "online" }));
    await assertFails(asBob.doc(`presence/${uniqueId("carol")}`).set({ state: "online" }));
    await assertFails(env.unauthenticatedContext().firestore().doc(`presence/${uid}`).get());
  });
});
