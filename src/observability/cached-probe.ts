// A health check that may be asked often (orchestrators, load balancers): it runs at most once per
// `ttlMs`, and its answer serves every caller in between.

export function cachedProbe<T>(ttlMs: number, check: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (!last || at - last.at >= ttlMs) last = { at, answer: check() };
    return last.answer;
  };
}
