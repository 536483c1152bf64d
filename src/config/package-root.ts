// Finds files that ship with Tributary (web/, schema/, migrations/) whether the code runs from src/
// under vitest or from dist/src/ after tsc.

import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * `<package root>/<segments>`: the nearest directory above this module that holds a package.json
 * and the given path. Undefined when there is none.
 */
export function shippedPath(...segments: string[]): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, ...segments);
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}
