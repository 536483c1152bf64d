// The API is the product: the committed schema and typed documents must be what the code produces.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { schemaSdl } from '../../src/graphql/emit-schema';

const root = path.resolve(__dirname, '..', '..');

describe('committed API artifacts', () => {
  it('schema/schema.graphql is what the code emits (run `npm run schema:emit` after changing the API)', async () => {
    expect(readFileSync(path.join(root, 'schema', 'schema.graphql'), 'utf8')).toBe(await schemaSdl());
  });

  it('src/client/generated is what codegen makes of schema/operations (run `npm run codegen`)', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: path.join(root, 'codegen.yml') });
    const outputs = (await generate({ ...config, cwd: root, silent: true }, false)) as { filename: string; content: string }[];
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const committed = readFileSync(path.resolve(root, output.filename), 'utf8');
      expect(committed, `${output.filename} is stale`).toBe(output.content);
    }
  }, 60_000);
});
