// Schema documents as the registry takes them: Avro (JSON text parsed by avsc) or JSON Schema
// (draft-07 or 2020-12, compiled by ajv). Parsing refuses a malformed schema with the path and the
// rule it broke; what is kept is the schema's minified JSON, which also decides whether two
// registrations are "the same schema".

import Ajv, { type AnySchema } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import avro from 'avsc';
import type { RuleViolation } from '../definitions';

export const SCHEMA_TYPES = ['AVRO', 'JSON'] as const;
export type SchemaType = (typeof SCHEMA_TYPES)[number];

/** Largest schema document taken, in bytes of its text. */
export const MAX_SCHEMA_BYTES = 256 * 1024;
const MAX_NESTING = 64;

export type JsonSchemaDocument = boolean | Record<string, unknown>;

export type ParsedSchema =
  | { schemaType: 'AVRO'; text: string; avro: avro.Type }
  | { schemaType: 'JSON'; text: string; json: JsonSchemaDocument; draft: '2020-12' | 'draft-07' };

export class SchemaParseError extends Error {
  constructor(readonly violation: RuleViolation) {
    super(violation.message);
    this.name = 'SchemaParseError';
  }
}

const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema';

/** Parses `text` as a schema of `schemaType`, or throws SchemaParseError. */
export function parseSchema(schemaType: string, text: string): ParsedSchema {
  if (!(SCHEMA_TYPES as readonly string[]).includes(schemaType)) {
    throw invalid('schemaType', 'schema-type', `schemaType must be one of ${SCHEMA_TYPES.join(', ')}; got ${JSON.stringify(schemaType)} (Protobuf is not supported)`);
  }
  if (typeof text !== 'string' || text.trim() === '') throw invalid('schema', 'required', 'schema must be a non-empty string holding the schema document');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SCHEMA_BYTES) throw invalid('schema', 'size', `schema is ${bytes} bytes; the limit is ${MAX_SCHEMA_BYTES} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // A bare Avro primitive name ("string") is also a valid Avro schema text.
    if (schemaType === 'AVRO' && /^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) document = text.trim();
    else throw invalid('schema', 'json', `schema is not valid JSON: ${(error as Error).message}`);
  }
  checkNesting(document, 'schema', 0);
  const minified = JSON.stringify(document);
  if (schemaType === 'AVRO') {
    try {
      return { schemaType: 'AVRO', text: minified, avro: avro.Type.forSchema(document as avro.Schema, { wrapUnions: false }) };
    } catch (error) {
      throw invalid('schema', 'avro', `schema is not a valid Avro schema: ${(error as Error).message}`);
    }
  }
  if (typeof document !== 'boolean' && (typeof document !== 'object' || document === null || Array.isArray(document))) {
    throw invalid('schema', 'json-schema', 'a JSON Schema must be an object or a boolean');
  }
  const json = document as JsonSchemaDocument;
  const draft = typeof json === 'object' && json.$schema === DRAFT_2020 ? '2020-12' : 'draft-07';
  try {
    compileJsonSchema(json, draft);
  } catch (error) {
    throw invalid('schema', 'json-schema', `schema is not a valid JSON Schema (${draft}): ${(error as Error).message}`);
  }
  return { schemaType: 'JSON', text: minified, json, draft };
}

/** A validator for a JSON Schema document; compile once per schema version and reuse it. */
export function compileJsonSchema(document: JsonSchemaDocument, draft: '2020-12' | 'draft-07') {
  const ajv = draft === '2020-12' ? new Ajv2020({ allErrors: true, strict: false }) : new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(document as AnySchema);
}

function checkNesting(value: unknown, path: string, depth: number): void {
  if (depth > MAX_NESTING) throw invalid(path, 'nesting', `schema nests deeper than ${MAX_NESTING} levels at ${path}`);
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) checkNesting(child, `${path}.${key}`, depth + 1);
}

function invalid(path: string, rule: string, message: string): SchemaParseError {
  return new SchemaParseError({ path, rule, message });
}
