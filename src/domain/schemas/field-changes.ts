// Which event fields a new schema version removes or retypes, compared with the one before: the
// fields a view may read by dotted path ("user.country"). Nested records (Avro) and nested object
// properties (JSON Schema) are followed; arrays and maps are leaves.

import type avro from 'avsc';
import type { JsonSchemaDocument, ParsedSchema } from './schema-text';

export interface FieldChange {
  path: string;
  change: 'removed' | 'retyped';
  /** The field's type before and after, in the schema's own words. */
  before: string;
  after?: string;
}

export function fieldChanges(before: ParsedSchema, after: ParsedSchema): FieldChange[] {
  const old = fieldTypes(before);
  const now = fieldTypes(after);
  const changes: FieldChange[] = [];
  for (const [path, type] of old) {
    const next = now.get(path);
    if (next === undefined) changes.push({ path, change: 'removed', before: type });
    else if (next !== type) changes.push({ path, change: 'retyped', before: type, after: next });
  }
  return changes;
}

/** Every field path of a schema with a signature of its type. */
function fieldTypes(schema: ParsedSchema): Map<string, string> {
  const fields = new Map<string, string>();
  if (schema.schemaType === 'AVRO') avroFields(schema.avro, '', fields, 0);
  else jsonFields(schema.json, '', fields, 0);
  return fields;
}

const MAX_DEPTH = 16;

type AvroType = avro.Type & { typeName: string; fields?: { name: string; type: AvroType }[]; types?: AvroType[] };

function avroFields(type: AvroType, prefix: string, out: Map<string, string>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  // A nullable record is still followed: ["null", {record}].
  const record = type.typeName === 'record' ? type : type.types?.find((branch) => branch.typeName === 'record');
  for (const field of record?.fields ?? []) {
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    out.set(path, avroSignature(field.type));
    avroFields(field.type, path, out, depth + 1);
  }
}

function avroSignature(type: AvroType): string {
  if (type.typeName.startsWith('union')) return type.types!.map(avroSignature).join(' | ');
  if (type.typeName === 'record') return `record ${type.name}`;
  return type.name ? `${type.typeName} ${type.name}` : type.typeName;
}

function jsonFields(schema: JsonSchemaDocument, prefix: string, out: Map<string, string>, depth: number): void {
  if (depth > MAX_DEPTH || typeof schema !== 'object') return;
  const properties = (schema.properties ?? {}) as Record<string, JsonSchemaDocument>;
  for (const [name, property] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.set(path, jsonSignature(property));
    jsonFields(property, path, out, depth + 1);
  }
}

function jsonSignature(schema: JsonSchemaDocument): string {
  if (typeof schema === 'boolean') return String(schema);
  const type = schema.type ?? (schema.enum ? 'enum' : schema.$ref ? `ref ${String(schema.$ref)}` : 'any');
  return Array.isArray(type) ? type.join(' | ') : String(type);
}
