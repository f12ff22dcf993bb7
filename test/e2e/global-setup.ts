import { startSwitchyard, stopSwitchyard } from "./harness";

/** One Switchyard for every e2e file (started once: wrangler dev takes seconds to come up). */
export async function setup(): Promise<void> {
  await startSwitchyard();
}

export async function teardown(): Promise<void> {
  await stopSwitchyard();
}
