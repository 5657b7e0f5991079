// The Emulator Hub's switch for the Functions emulator's background triggers, for benches that must write data
// without a trigger backlog (the emulator runs invocations one at a time) or compare runs with and without them.

/** Turns the triggers off or on again (emulators:exec tells the bench the hub's address). */
export async function setBackgroundTriggers(enabled: boolean): Promise<void> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run the bench through npm run bench");
  const response = await fetch(`http://${hub}/functions/${enabled ? "enable" : "disable"}BackgroundTriggers`, { method: "PUT" });
  if (!response.ok) throw new Error(`could not ${enabled ? "enable" : "disable"} the triggers: ${response.status} ${await response.text()}`);
}
