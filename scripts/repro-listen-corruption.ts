// A reproduction of the Firestore emulator's corrupt Listen frames (firebase-tools#8654), for an upstream
// report and to check whether a new emulator fixed it. It replays the client SDK's busiest listener pattern
// (a conversation scrolled back page by page while the other side sends) and counts the SDK's
// "RESOURCE_EXHAUSTED: Received message larger than max" closes. No recovery is installed, so each one costs
// the SDK's maximum backoff (about a minute).
//   npm run build && npm run firebase -- emulators:exec --log-verbosity QUIET "tsx --conditions source scripts/repro-listen-corruption.ts [rounds]"
import { onLog } from "firebase/app";
import type { ConversationViewState } from "../client-sdk/src/index.ts";
import { Recorder, brandAndInfluencer, closeAll, seedDeal, seedMessage } from "../client-sdk/test/support.ts";
import { adminFirestore } from "../test/support/clients.ts";

const rounds = Number(process.argv[2] ?? 12);
let corrupt = 0;
onLog(({ message }) => (corrupt += /RESOURCE_EXHAUSTED: Received message larger than max/.test(message) ? 1 : 0), { level: "error" });

const { brand, influencer } = await brandAndInfluencer();
const db = adminFirestore();
const started = Date.now();
for (let round = 0; round < rounds; round++) {
  const dealId = await seedDeal({ brandId: brand.uid, influencerId: influencer.uid });
  const oldest = Date.now() - 60 * 60_000;
  for (let i = 0; i < 25; i++)
    await seedMessage(db, dealId, { senderId: brand.uid, senderSide: "brand", text: `old ${i}`, createdAt: new Date(oldest + i * 1000) });
  const view = new Recorder<ConversationViewState>();
  const open = influencer.chat.openConversation({ dealId, tailSize: 10, pageSize: 7 }, view.next, view.fail);
  await view.until((s) => !s.fromCache && s.conversation !== null, "the opened conversation", { timeoutMs: 120_000 });
  const sends: Array<Promise<unknown>> = [];
  for (let page = 0; page < 6; page++) {
    sends.push(brand.chat.send({ dealId, text: `new ${page}` }).done);
    await open.loadOlder();
  }
  await Promise.all(sends);
  await view.until((s) => s.messages.length === 31, "every message", { timeoutMs: 120_000 });
  open.unsubscribe();
}
console.log(`${corrupt} corrupt Listen frame(s) in ${rounds} rounds, ${Math.round((Date.now() - started) / 1000)} s`);
await closeAll(brand, influencer);
process.exit(0);
