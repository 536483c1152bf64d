// Files that settings name (certificates, keys): read at start-up, so an unreadable one stops the
// gateway with the setting to fix rather than failing the first connection that needs it.

import { readFileSync } from 'node:fs';

export function readSettingFile(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${setting}: cannot read ${file}: ${(error as Error).message}`);
  }
}
