// The SDK together with the Cloud Functions (issue 4) through the Functions emulator: what the functions derive
// (unread counters, last-message summaries) reaches the SDK's live list, and markRead's watermark brings the
// counter back to zero.
import { describe, expect, it } from "vitest";
import type { ConversationHandleState, MyResponseStats, UnreadTotal } from "../src/index.ts";
import { Recorder, adminFirestore, record, seedDeal, type Party, useBrandAndInfluencer } from "./support.ts";
import { pollUntil, FUNCTIONS_DEADLINE_MS } from "../../test/support/wait.ts";
import { getMetadata, ref } from "firebase/storage";
import { pdfOfPages, smallPng } from "../../test/storage/fixtures/generate.ts";

// Triggers run one after another in the emulator, behind every other suite's writes on a shared machine.

let brand: Party;
let influencer: Party;

useBrandAndInfluencer((parties) => ({ brand, influencer } = parties));

const newDeal = () => seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
/** Messages the server has stored (the user's own local ones have no createdAt yet). */
const stored = (s: ConversationHandleState) => s.messages.filter((m) => m.status === "sent" && m.createdAt !== null);

describe("with the Cloud Functions", () => {
  it(
    "brings the functions' unread counter and last message to the other side's list, and back to 0 after markRead",
    async () => {
      const dealId = await newDeal();
      // The influencer's conversation list screen; the brand writes from their conversation screen.
      const list = influencer.chat.conversationList();
      const { states, stop } = record(list);
      const brandScreen = brand.chat.conversation(dealId, { watchTyping: false });
      await states.until((s) => !s.loading && !s.fromCache && s.items.some((c) => c.dealId === dealId), "the conversation in the list");
      const from = states.mark();
      await brandScreen.send({ text: "are you there?" }).done;
      await brandScreen.send({ text: "ping" }).done;
      const converged = await states.until(
        (s) => {
          const c = s.items.find((c) => c.dealId === dealId);
          return c?.unreadCount === 2 && c.lastMessage?.snippet === "ping";
        },
        "two unread messages, the last one summarized",
        { from, timeoutMs: FUNCTIONS_DEADLINE_MS },
      );
      expect(converged.items.find((c) => c.dealId === dealId)!.lastMessage).toMatchObject({ senderSide: "brand", kind: "text", senderId: brand.uid });

      const total = new Recorder<UnreadTotal>();
      const stopTotal = influencer.chat.watchUnreadTotal(total.next, total.fail);
      await total.until((t) => !t.fromCache && t.total === 2, "the unread total", { timeoutMs: FUNCTIONS_DEADLINE_MS });
      // The influencer opens the conversation and reads it.
      const influencerScreen = influencer.chat.conversation(dealId, { watchTyping: false });
      await influencerScreen.markRead();
      await states.until((s) => s.items.find((c) => c.dealId === dealId)?.unreadCount === 0, "nothing unread after markRead", {
        from,
        timeoutMs: FUNCTIONS_DEADLINE_MS,
      });
      expect(list.getLatestValue().lastError).toBeNull();
      stopTotal();
      stop();
      list.dispose();
      brandScreen.dispose();
      influencerScreen.dispose();
    },
    3 * FUNCTIONS_DEADLINE_MS,
  );

  it(
    "shows the platform's system message and the closed status live when a deal completes; sends are then refused",
    async () => {
      const dealId = await newDeal();
      const handle = brand.chat.conversation(dealId);
      const { states } = record(handle);
      await states.until((s) => !s.loading && !s.fromCache && s.conversation !== null, "the conversation");
      expect(handle.getLatestValue()).toMatchObject({ readOnly: false, dealStatus: "active" });
      const from = states.mark();
      await adminFirestore().doc(`deals/${dealId}`).update({ status: "completed", updatedAt: new Date() });
      const closed = await states.until(
        (s) => s.readOnly && s.conversation?.closed === true && s.messages.some((m) => m.senderSide === "system"),
        "the closed status and the system message",
        { from, timeoutMs: FUNCTIONS_DEADLINE_MS },
      );
      expect(closed.conversation?.status).toBe("completed");
      expect(closed.dealStatus).toBe("completed");
      expect(closed.messages.find((m) => m.senderSide === "system")).toMatchObject({ isMine: false, deleted: false, status: "sent" });
      const refused = handle.send({ text: "one more thing" });
      await expect(refused.done).rejects.toMatchObject({ code: "failed-precondition", reason: "deal-closed" });
      expect(handle.getLatestValue().messages.find((m) => m.id === refused.messageId)).toMatchObject({
        status: "failed",
        error: { code: "failed-precondition", reason: "deal-closed" },
      });
      handle.dispose();
    },
    3 * FUNCTIONS_DEADLINE_MS,
  );
});

describe("response times through the SDK", () => {
  it(
    "shows both sides' statistics and 'waiting since' on the conversation, and each user's own statistics",
    async () => {
      const dealId = await newDeal();
      const handle = brand.chat.conversation(dealId, { watchTyping: false });
      const influencerScreen = influencer.chat.conversation(dealId, { watchTyping: false });
      const { states } = record(handle);
      await states.until((s) => !s.loading && !s.fromCache && s.conversation !== null, "the conversation");
      await handle.send({ text: "Can you post on Friday?" }).done;
      await handle.send({ text: "(just checking)" }).done;
      const asked = await states.until((s) => stored(s).length === 2 && s.responseTimes?.influencer.waitingSince != null, "the influencer to owe an answer", {
        timeoutMs: FUNCTIONS_DEADLINE_MS,
      });
      const question = asked.messages.find((m) => m.text === "Can you post on Friday?")!;
      // The nudge does not reset the clock: the influencer has been waited for since the question.
      expect(asked.conversation!.responseTimes.influencer.waitingSince!.toMillis()).toBe(question.createdAt!.toMillis());
      expect(asked.conversation!.responseTimes.influencer.unansweredTurns).toBe(1);

      await influencerScreen.send({ text: "Friday works" }).done;
      const answered = await states.until((s) => s.responseTimes?.influencer.count === 1 && stored(s).length === 3, "the influencer's answer to be counted", {
        timeoutMs: FUNCTIONS_DEADLINE_MS,
      });
      const reply = answered.messages.find((m) => m.text === "Friday works")!;
      // Whole milliseconds (server timestamps carry microseconds).
      const expected = Math.round(reply.createdAt!.toMillis() - question.createdAt!.toMillis());
      expect(answered.conversation!.responseTimes.influencer).toMatchObject({
        count: 1,
        totalMs: expected,
        averageMs: expected,
        medianMs: expected,
        p90Ms: expected,
        waitingSince: null,
        unansweredTurns: 0,
      });
      expect(answered.conversation!.responseTimes.brand).toMatchObject({ count: 0, unansweredTurns: 1 });
      expect(answered.conversation!.responseTimes.brand.waitingSince!.toMillis()).toBe(reply.createdAt!.toMillis());
      // The state's own copy is the conversation entry's.
      expect(answered.responseTimes).toEqual(answered.conversation!.responseTimes);
      handle.dispose();
      influencerScreen.dispose();

      // The influencer's own statistics: a one-off read and a live watch agree on this deal's answer.
      const mine = await pollUntil(
        () => influencer.chat.myResponseStats(),
        (s) => s.deals[dealId]?.answers.length === 1,
        {
          what: "the influencer's responseStats",
          timeoutMs: FUNCTIONS_DEADLINE_MS,
          intervalMs: 250,
        },
      );
      expect(mine.uid).toBe(influencer.uid);
      expect(mine.deals[dealId]!.answers.map((a) => [a.at.toMillis(), a.ms])).toEqual([[reply.createdAt!.toMillis(), expected]]);
      const all = Object.values(mine.deals).flatMap((d) => d.answers);
      expect(mine.windows.d30.count).toBe(all.length);
      expect(mine.windows.d30.count).toBeGreaterThanOrEqual(1);
      const live = new Recorder<MyResponseStats>();
      const stop = brand.chat.watchMyResponseStats(live.next, live.fail);
      const brandStats = await live.until((s) => s.deals[dealId]?.unansweredTurns === 1, "the brand's own debt in this deal", {
        timeoutMs: FUNCTIONS_DEADLINE_MS,
      });
      expect(brandStats.deals[dealId]!.waitingSince!.toMillis()).toBe(reply.createdAt!.toMillis());
      expect(brandStats.windows.d30.unansweredTurns).toBeGreaterThanOrEqual(1);
      stop();
    },
    4 * FUNCTIONS_DEADLINE_MS,
  );
});

describe("attachment clean-up by the functions", () => {
  it(
    "deletes a tombstoned message's files from Storage; the other side can no longer download them",
    async () => {
      const dealId = await newDeal();
      // Real files: the functions verify uploads by their bytes (and delete what is not real).
      const files = [
        { name: "brief.pdf", contentType: "application/pdf", data: await pdfOfPages(1) },
        { name: "mood.png", contentType: "image/png", data: await smallPng(64, 48) },
      ];
      const brandScreen = brand.chat.conversation(dealId, { watchTyping: false });
      const sending = brandScreen.send({ text: "files attached", files });
      await expect(sending.done).resolves.toBe("sent");

      const view = influencer.chat.conversation(dealId, { watchTyping: false });
      const { states } = record(view);
      const delivered = await states.until(
        (s) =>
          s.messages.some((m) => m.id === sending.messageId && m.attachments.length === 2 && m.attachments.every((a) => a.verification?.status === "verified")),
        "the message with its files, verified",
        { timeoutMs: FUNCTIONS_DEADLINE_MS },
      );
      const attachments = delivered.messages.find((m) => m.id === sending.messageId)!.attachments;
      for (const attachment of attachments) expect((await influencer.chat.attachmentBytes(attachment)).byteLength).toBeGreaterThan(0);

      await brandScreen.delete(sending.messageId);
      await states.until((s) => s.messages.some((m) => m.id === sending.messageId && m.deleted), "the tombstone");
      // The files go once onMessageUpdated has run. Poll their metadata (a rules-guarded read), not their bytes:
      // the Storage emulator crashes when a download races the deletion of the same file.
      const storage = influencer.client.storage();
      for (const attachment of attachments) {
        const outcome = await pollUntil(
          () =>
            getMetadata(ref(storage, attachment.storagePath)).then(
              () => "present",
              (error: { code?: string }) => error.code ?? String(error),
            ),
          (result) => result !== "present",
          { timeoutMs: FUNCTIONS_DEADLINE_MS, intervalMs: 200, what: `${attachment.storagePath} to be deleted` },
        );
        expect(outcome).toBe("storage/object-not-found");
        await expect(influencer.chat.attachmentBytes(attachment)).rejects.toMatchObject({ code: "not-found" });
      }
      // The image's preview goes with it.
      const previewPath = attachments.find((a) => a.name === "mood.png")!.verification!.previewPath!;
      await pollUntil(
        () =>
          getMetadata(ref(storage, previewPath)).then(
            () => "present",
            (error: { code?: string }) => error.code ?? String(error),
          ),
        (result) => result === "storage/object-not-found",
        { timeoutMs: FUNCTIONS_DEADLINE_MS, intervalMs: 200, what: `${previewPath} to be deleted` },
      );
      view.dispose();
      brandScreen.dispose();
    },
    3 * FUNCTIONS_DEADLINE_MS,
  );
});
