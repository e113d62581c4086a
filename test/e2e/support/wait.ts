import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

export const POLL_INTERVAL_MS = 500;

/** Default bound of a wait: generous for a loaded CI machine, short enough to fail fast. */
export const WAIT_MS = 90_000;

export class WaitTimeout extends Error {}

/**
 * Polls `attempt` every 500 ms until it returns without throwing, and returns its value.
 * `attempt` states its expectation with node:assert, so on timeout the error says what
 * was expected and what was last observed (an assertion diff, or a kubectl error).
 */
export async function waitFor<T>(
  description: string,
  attempt: () => Promise<T>,
  timeoutMs: number = WAIT_MS,
): Promise<T> {
  const started = Date.now();
  let last: unknown;
  let tries = 0;
  for (;;) {
    tries += 1;
    try {
      return await attempt();
    } catch (error) {
      last = error;
    }
    if (Date.now() - started >= timeoutMs) break;
    await sleep(POLL_INTERVAL_MS);
  }
  const observed = last instanceof Error ? last.message : JSON.stringify(last);
  throw new WaitTimeout(
    `timed out after ${Math.round((Date.now() - started) / 1000)} s (${tries} tries) waiting for: ${description}\nlast observed: ${observed}`,
    { cause: last },
  );
}
