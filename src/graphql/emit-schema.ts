// Prints the schema as SDL: `npm run schema:emit` writes schema/schema.graphql, and a test fails
// when the committed file differs from what the code builds.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildTributarySchema } from './schema';

export async function schemaSdl(): Promise<string> {
  const schema = await buildTributarySchema();
  return `# Emitted from the code by \`npm run schema:emit\`; do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

if (require.main === module) {
  void schemaSdl().then((sdl) => {
    const target = path.resolve(__dirname, '..', '..', '..', 'schema', 'schema.graphql');
    writeFileSync(target, sdl);
    process.stdout.write(`wrote ${target}\n`);
  });
}
