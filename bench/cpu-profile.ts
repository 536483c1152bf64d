// CPU profiles of one phase of an in-process benchmark, through the inspector protocol, so the
// profile holds only the measured work (not data generation or the baselines).

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/**
 * Runs `body`; when `dir` is set, profiles it and writes `<dir>/<name>.cpuprofile`. Returns the
 * body's result and the profile's path.
 */
export async function profiled<T>(dir: string | undefined, name: string, body: () => Promise<T>): Promise<{ result: T; file?: string }> {
  if (!dir) return { result: await body() };
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 500 });
    await post(session, 'Profiler.start');
    const result = await body();
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
    const file = path.join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return { result, file };
  } finally {
    session.disconnect();
  }
}
