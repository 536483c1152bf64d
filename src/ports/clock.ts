// Time, injected, so window logic and tests never read the wall clock directly.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}
