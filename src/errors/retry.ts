// The one retry helper: exponential backoff with jitter for errors marked retriable, a bound on
// attempts (or none, for work that must not be skipped), and a way to bail out.

import { GatewayError } from './gateway-error';

export interface RetryOptions {
  /** Attempts after the first; Infinity retries until `signal` aborts. */
  retries: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
  isRetriable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export function isRetriable(error: unknown): boolean {
  return error instanceof GatewayError && error.retriable;
}

export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { retries, initialDelayMs = 50, maxDelayMs = 5_000, signal } = options;
  const retriable = options.isRetriable ?? isRetriable;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= retries || !retriable(error) || signal?.aborted) throw error;
      const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
      const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
      options.onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

/** Resolves after `ms`, or early (without error) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
