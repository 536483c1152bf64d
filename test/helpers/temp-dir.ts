// Fresh, unique data directories for tests, removed when the test file ends.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

export function tempDir(prefix = 'tributary-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
/** A name no other test in this run uses, valid as a stream or view name. */
export function uniqueName(base: string): string {
  counter += 1;
  return `${base}_${process.pid}_${counter}_${Math.floor(Math.random() * 1e6)}`;
}
