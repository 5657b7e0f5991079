// The Emulator Hub's switch for the Functions emulator's background triggers, for benches that must write data
// without a trigger backlog (the emulator runs invocations one at a time) or compare runs with and without them.
import { machineQuiet } from "./machine.ts";

const QUEUE_DRAIN_DEADLINE_MS = 600_000;
/** The event functions' timeout (firebase-functions' default, which functions/ keeps). */
const FUNCTION_TIMEOUT_MS = 60_000;

/**
 * Turns the triggers off or on again (emulators:exec tells the bench the hub's address). firebase-tools first waits
 * for its Functions work queue to empty, and when that takes over 60 s it exits ("Functions work queue not empty
 * after 60000ms", an unhandled error that stops every emulator). The switch therefore waits until the machine is idle
 * for 2 s, which it is only once that queue has been worked off, and the one that turns them off waits until it is
 * idle for longer than a function's timeout: an invocation that waits for a Firestore lock uses no CPU, and one run
 * of the client SDK's section left such invocations behind (they timed out after 60 s) when the switch came.
 */
export async function setBackgroundTriggers(enabled: boolean): Promise<void> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run the bench through npm run bench");
  await machineQuiet({ quietMs: enabled ? 2_000 : FUNCTION_TIMEOUT_MS + 5_000, deadlineMs: QUEUE_DRAIN_DEADLINE_MS });
  const response = await fetch(`http://${hub}/functions/${enabled ? "enable" : "disable"}BackgroundTriggers`, { method: "PUT" });
  if (!response.ok) throw new Error(`could not ${enabled ? "enable" : "disable"} the triggers: ${response.status} ${await response.text()}`);
}
