// Polling until a condition holds, for tests and for the servers that tests and benchmarks start
// (test/servers/); no vitest here, so the benchmarks can use it too.

export interface WaitForOptions {
  timeoutMs: number;
  /** What is being waited for, in words; named in the failure message. */
  what: string;
  intervalMs?: number;
}

/**
 * Polls `condition` until it returns a value other than undefined, null or false, and returns that
 * value. A condition that throws counts as "not yet"; its last error is named if time runs out.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions): Promise<Exclude<T, undefined | null | false>> {
  const { timeoutMs, what, intervalMs = 50 } = options;
  const started = Date.now();
  let last: string = 'the condition was never checked';
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
      last = `last result: ${JSON.stringify(value)}`;
    } catch (error) {
      if (error instanceof FatalWaitError) throw error;
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() - started >= timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Thrown from a waitFor condition to stop waiting at once (for example: the process died). */
export class FatalWaitError extends Error {}
