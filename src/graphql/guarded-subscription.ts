// A live subscription whose authorization is checked again while it runs: before each item it
// delivers, and every few seconds while it is quiet. When the check fails (an ACL now denies it, a
// role was taken away) the subscription ends with that error, so a change of rights reaches the
// clients already watching, within seconds.

export interface Closable<T> extends AsyncIterable<T> {
  close(): void;
}

/** How often a quiet subscription's rights are checked again. */
export const RECHECK_MS = 2_000;

export function guardedSubscription<T>(source: Closable<T>, check: () => void, recheckMs = RECHECK_MS): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let failure: unknown;
  let failWaiting: ((error: unknown) => void) | undefined;
  const timer = setInterval(() => {
    try {
      check();
    } catch (error) {
      failure = error;
      stop();
      failWaiting?.(error);
    }
  }, recheckMs);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    source.close();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        failWaiting = reject;
        iterator.next().then((result) => {
          failWaiting = undefined;
          if (failure !== undefined) return reject(failure);
          if (result.done) {
            clearInterval(timer);
            return resolve(result);
          }
          try {
            check();
          } catch (error) {
            failure = error;
            stop();
            return reject(error);
          }
          resolve(result);
        }, reject);
      });
    },
    async return() {
      stop();
      return { value: undefined, done: true };
    },
  };
}
