// Checks one event (a JSON object) against a schema version: JSON Schema through a compiled ajv
// validator, Avro by the Avro type's own rules for a JSON value (a missing field with a default is
// fine, undeclared fields are ignored as a reader would). Build one validator per schema version
// and reuse it: compiling is the expensive part.

import type avro from 'avsc';
import { compileJsonSchema, type ParsedSchema } from './schema-text';

export interface SchemaViolation {
  /** Where in the event, as a path below it: ".user.age", "[2]", or "" for the event itself. */
  path: string;
  message: string;
}

/** The violations of one event; empty when it is valid. */
export type EventValidator = (event: unknown) => SchemaViolation[];

/** Most violations reported for one event. */
const MAX_VIOLATIONS = 5;

export function eventValidator(schema: ParsedSchema): EventValidator {
  return schema.schemaType === 'AVRO' ? avroValidator(schema.avro) : jsonValidator(schema);
}

function jsonValidator(schema: Extract<ParsedSchema, { schemaType: 'JSON' }>): EventValidator {
  const validate = compileJsonSchema(schema.json, schema.draft);
  return (event) => {
    if (validate(event)) return [];
    return (validate.errors ?? []).slice(0, MAX_VIOLATIONS).map((error) => {
      let path = jsonPointerToPath(error.instancePath);
      let message = error.message ?? `breaks the ${error.keyword} rule`;
      const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
      if (error.keyword === 'required' && params.missingProperty) {
        path += memberPath(params.missingProperty);
        message = 'is required';
      } else if (error.keyword === 'additionalProperties' && params.additionalProperty) {
        path += memberPath(params.additionalProperty);
        message = 'is not a property the schema allows (additionalProperties: false)';
      } else if (error.keyword === 'enum' && params.allowedValues) {
        message = `must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return { path, message };
    });
  };
}

function avroValidator(type: avro.Type): EventValidator {
  return (event) => {
    const violations: SchemaViolation[] = [];
    type.isValid(event, {
      errorHook: (path: string[], value: unknown, expected: avro.Type) => {
        if (violations.length >= MAX_VIOLATIONS || binaryAsText(value, expected)) return;
        const got = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60);
        violations.push({ path: path.map((step) => (/^\d+$/.test(step) ? `[${step}]` : memberPath(step))).join(''), message: `must be ${describeAvro(expected)}; got ${got}` });
      },
    });
    return violations;
  };
}

/**
 * JSON has no bytes: an Avro bytes (or fixed) value travels in a JSON event as a base64 string, as
 * a decoded wire-format event carries it. Such a string is what the schema asks for.
 */
function binaryAsText(value: unknown, expected: avro.Type): boolean {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return false;
  const type = expected as avro.Type & { typeName: string; size?: number; types?: avro.Type[] };
  if (type.typeName === 'bytes') return true;
  if (type.typeName === 'fixed') return Buffer.from(value, 'base64').length === type.size;
  return type.typeName.startsWith('union') && type.types!.some((branch) => binaryAsText(value, branch));
}

function describeAvro(type: avro.Type): string {
  const named = type as avro.Type & { typeName: string; name?: string; symbols?: string[]; types?: avro.Type[] };
  if (named.typeName === 'enum') return `one of ${named.symbols!.join(', ')}`;
  if (named.typeName.startsWith('union')) return named.types!.map(describeAvro).join(' or ');
  if (named.typeName === 'record') return `a record ${named.name}`;
  if (named.typeName === 'long' || named.typeName === 'int') return `an Avro ${named.typeName} (a whole number)`;
  return `an Avro ${named.typeName}`;
}

function memberPath(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function jsonPointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => {
      const step = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      return /^\d+$/.test(step) ? `[${step}]` : memberPath(step);
    })
    .join('');
}
