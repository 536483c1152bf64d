// Table-driven compatibility: each pair of an old and a new schema states which rules the new one
// breaks when it must read old data (backward) and when old readers must read its data (forward).
// Every mode's verdict follows from those two lists, and is checked for all seven modes.

import { describe, expect, it } from 'vitest';
import { COMPATIBILITY_MODES, compatibilityIssues, type CompatibilityMode } from '../../src/domain/schemas/compatibility';
import { parseSchema, SchemaParseError, MAX_SCHEMA_BYTES } from '../../src/domain/schemas/schema-text';

interface Case {
  name: string;
  old: unknown;
  new: unknown;
  /** Rules broken when the new schema reads data written with the old one. */
  backward: string[];
  /** Rules broken when the old schema reads data written with the new one. */
  forward: string[];
}

const record = (fields: unknown[], extra: Record<string, unknown> = {}) => ({ type: 'record', name: 'User', namespace: 'shop', fields, ...extra });
const field = (name: string, type: unknown, extra: Record<string, unknown> = {}) => ({ name, type, ...extra });
const enumType = (symbols: string[], extra: Record<string, unknown> = {}) => ({ type: 'enum', name: 'Tier', symbols, ...extra });

const AVRO: Case[] = [
  { name: 'identical records', old: record([field('id', 'long')]), new: record([field('id', 'long')]), backward: [], forward: [] },
  { name: 'adding a field with a default', old: record([field('id', 'long')]), new: record([field('id', 'long'), field('email', 'string', { default: '' })]), backward: [], forward: [] },
  { name: 'adding a field without a default', old: record([field('id', 'long')]), new: record([field('id', 'long'), field('email', 'string')]), backward: ['READER_FIELD_MISSING_DEFAULT'], forward: [] },
  { name: 'removing a field that had a default', old: record([field('id', 'long'), field('note', 'string', { default: '' })]), new: record([field('id', 'long')]), backward: [], forward: [] },
  { name: 'removing a field without a default', old: record([field('id', 'long'), field('note', 'string')]), new: record([field('id', 'long')]), backward: [], forward: ['READER_FIELD_MISSING_DEFAULT'] },
  { name: 'int promoted to long', old: record([field('n', 'int')]), new: record([field('n', 'long')]), backward: [], forward: ['TYPE_MISMATCH'] },
  { name: 'int promoted to float', old: record([field('n', 'int')]), new: record([field('n', 'float')]), backward: [], forward: ['TYPE_MISMATCH'] },
  { name: 'long promoted to double', old: record([field('n', 'long')]), new: record([field('n', 'double')]), backward: [], forward: ['TYPE_MISMATCH'] },
  { name: 'float promoted to double', old: record([field('n', 'float')]), new: record([field('n', 'double')]), backward: [], forward: ['TYPE_MISMATCH'] },
  { name: 'long narrowed to int', old: record([field('n', 'long')]), new: record([field('n', 'int')]), backward: ['TYPE_MISMATCH'], forward: [] },
  { name: 'string read as bytes and back', old: record([field('s', 'string')]), new: record([field('s', 'bytes')]), backward: [], forward: [] },
  { name: 'string retyped to int', old: record([field('s', 'string')]), new: record([field('s', 'int')]), backward: ['TYPE_MISMATCH'], forward: ['TYPE_MISMATCH'] },
  { name: 'enum symbol added', old: record([field('tier', enumType(['GOLD', 'SILVER']))]), new: record([field('tier', enumType(['GOLD', 'SILVER', 'BRONZE']))]), backward: [], forward: ['MISSING_ENUM_SYMBOLS'] },
  { name: 'enum symbol removed', old: record([field('tier', enumType(['GOLD', 'SILVER']))]), new: record([field('tier', enumType(['GOLD']))]), backward: ['MISSING_ENUM_SYMBOLS'], forward: [] },
  {
    name: 'enum symbol removed where the new enum has a default',
    old: record([field('tier', enumType(['GOLD', 'SILVER']))]),
    new: record([field('tier', enumType(['GOLD', 'OTHER'], { default: 'OTHER' }))]),
    backward: [],
    forward: ['MISSING_ENUM_SYMBOLS'],
  },
  {
    name: 'enum symbol added where the old enum has a default',
    old: record([field('tier', enumType(['GOLD', 'OTHER'], { default: 'OTHER' }))]),
    new: record([field('tier', enumType(['GOLD', 'OTHER', 'SILVER'], { default: 'OTHER' }))]),
    backward: [],
    forward: [],
  },
  { name: 'enum renamed', old: record([field('tier', enumType(['GOLD']))]), new: record([field('tier', { type: 'enum', name: 'Level', symbols: ['GOLD'] })]), backward: ['NAME_MISMATCH'], forward: ['NAME_MISMATCH'] },
  { name: 'record renamed without an alias', old: record([field('id', 'long')]), new: record([field('id', 'long')], { name: 'Customer' }), backward: ['NAME_MISMATCH'], forward: ['NAME_MISMATCH'] },
  { name: 'record renamed with an alias for the old name', old: record([field('id', 'long')]), new: record([field('id', 'long')], { name: 'Customer', aliases: ['shop.User'] }), backward: [], forward: ['NAME_MISMATCH'] },
  { name: 'namespace changed, same simple name', old: record([field('id', 'long')]), new: record([field('id', 'long')], { namespace: 'store' }), backward: [], forward: [] },
  { name: 'field renamed with an alias', old: record([field('mail', 'string')]), new: record([field('email', 'string', { aliases: ['mail'] })]), backward: [], forward: ['READER_FIELD_MISSING_DEFAULT'] },
  { name: 'field made nullable', old: record([field('s', 'string')]), new: record([field('s', ['null', 'string'], { default: null })]), backward: [], forward: ['MISSING_UNION_BRANCH'] },
  { name: 'union branch removed', old: record([field('v', ['null', 'string', 'int'])]), new: record([field('v', ['null', 'string'])]), backward: ['MISSING_UNION_BRANCH'], forward: [] },
  { name: 'union branch promoted', old: record([field('v', ['null', 'int'])]), new: record([field('v', ['null', 'long'])]), backward: [], forward: ['MISSING_UNION_BRANCH'] },
  { name: 'union branches reordered', old: record([field('v', ['null', 'string'])]), new: record([field('v', ['string', 'null'])]), backward: [], forward: [] },
  { name: 'union narrowed to one of its branches', old: record([field('v', ['null', 'string'])]), new: record([field('v', 'string')]), backward: ['MISSING_UNION_BRANCH'], forward: [] },
  { name: 'fixed size changed', old: record([field('h', { type: 'fixed', name: 'Hash', size: 16 })]), new: record([field('h', { type: 'fixed', name: 'Hash', size: 32 })]), backward: ['FIXED_SIZE_MISMATCH'], forward: ['FIXED_SIZE_MISMATCH'] },
  { name: 'array items promoted', old: record([field('xs', { type: 'array', items: 'int' })]), new: record([field('xs', { type: 'array', items: 'long' })]), backward: [], forward: ['TYPE_MISMATCH'] },
  { name: 'map values retyped', old: record([field('m', { type: 'map', values: 'string' })]), new: record([field('m', { type: 'map', values: 'int' })]), backward: ['TYPE_MISMATCH'], forward: ['TYPE_MISMATCH'] },
  { name: 'array became a map', old: record([field('c', { type: 'array', items: 'string' })]), new: record([field('c', { type: 'map', values: 'string' })]), backward: ['TYPE_MISMATCH'], forward: ['TYPE_MISMATCH'] },
  {
    name: 'nested record gains a field without a default',
    old: record([field('id', 'long'), field('address', { type: 'record', name: 'Address', fields: [field('city', 'string')] })]),
    new: record([field('id', 'long'), field('address', { type: 'record', name: 'Address', fields: [field('city', 'string'), field('zip', 'string')] })]),
    backward: ['READER_FIELD_MISSING_DEFAULT'],
    forward: [],
  },
  {
    name: 'recursive linked list, unchanged',
    old: { type: 'record', name: 'Node', fields: [field('value', 'int'), field('next', ['null', 'Node'], { default: null })] },
    new: { type: 'record', name: 'Node', fields: [field('value', 'int'), field('next', ['null', 'Node'], { default: null })] },
    backward: [],
    forward: [],
  },
  {
    name: 'recursive linked list, value promoted',
    old: { type: 'record', name: 'Node', fields: [field('value', 'int'), field('next', ['null', 'Node'], { default: null })] },
    new: { type: 'record', name: 'Node', fields: [field('value', 'long'), field('next', ['null', 'Node'], { default: null })] },
    backward: [],
    forward: ['TYPE_MISMATCH'],
  },
  { name: 'primitive schemas string and bytes', old: 'string', new: 'bytes', backward: [], forward: [] },
  { name: 'record became a string', old: record([field('id', 'long')]), new: 'string', backward: ['TYPE_MISMATCH'], forward: ['TYPE_MISMATCH'] },
  {
    name: 'two breaks at once',
    old: record([field('id', 'long'), field('name', 'string')]),
    new: record([field('id', 'string'), field('name', 'string'), field('age', 'int')]),
    backward: ['TYPE_MISMATCH', 'READER_FIELD_MISSING_DEFAULT'],
    forward: ['TYPE_MISMATCH'],
  },
];

const object = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ type: 'object', properties, ...extra });
const closed = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => object(properties, { additionalProperties: false, ...extra });
const str = { type: 'string' };

const JSON_CASES: Case[] = [
  { name: 'identical objects', old: object({ id: str }), new: object({ id: str }), backward: [], forward: [] },
  { name: 'optional property added to a closed model', old: closed({ id: str }), new: closed({ id: str, email: str }), backward: [], forward: ['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL'] },
  { name: 'property added to an open model', old: object({ id: str }), new: object({ id: str, email: str }), backward: ['PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'], forward: [] },
  { name: 'property with an empty schema added to an open model', old: object({ id: str }), new: object({ id: str, extra: {} }), backward: [], forward: [] },
  {
    name: 'required property added to a closed model',
    old: closed({ id: str }, { required: ['id'] }),
    new: closed({ id: str, email: str }, { required: ['id', 'email'] }),
    backward: ['REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL'],
    forward: ['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL'],
  },
  {
    name: 'required property with a default added to a closed model',
    old: closed({ id: str }),
    new: closed({ id: str, email: { type: 'string', default: '' } }, { required: ['email'] }),
    backward: [],
    forward: ['PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL'],
  },
  { name: 'existing property made required', old: object({ id: str }), new: object({ id: str }, { required: ['id'] }), backward: ['REQUIRED_ATTRIBUTE_ADDED'], forward: [] },
  { name: 'required dropped', old: object({ id: str }, { required: ['id'] }), new: object({ id: str }), backward: [], forward: ['REQUIRED_ATTRIBUTE_ADDED'] },
  { name: 'integer widened to number', old: object({ n: { type: 'integer' } }), new: object({ n: { type: 'number' } }), backward: [], forward: ['TYPE_NARROWED'] },
  { name: 'string retyped to integer', old: object({ n: str }), new: object({ n: { type: 'integer' } }), backward: ['TYPE_CHANGED'], forward: ['TYPE_CHANGED'] },
  { name: 'string made nullable', old: object({ s: str }), new: object({ s: { type: ['string', 'null'] } }), backward: [], forward: ['TYPE_NARROWED'] },
  { name: 'enum value added', old: object({ c: { enum: ['red', 'green'] } }), new: object({ c: { enum: ['red', 'green', 'blue'] } }), backward: [], forward: ['ENUM_ARRAY_NARROWED'] },
  { name: 'enum added where there was none', old: object({ c: str }), new: object({ c: { type: 'string', enum: ['red'] } }), backward: ['ENUM_ARRAY_CHANGED'], forward: [] },
  { name: 'const replaced', old: object({ v: { const: 1 } }), new: object({ v: { const: 2 } }), backward: ['ENUM_ARRAY_CHANGED'], forward: ['ENUM_ARRAY_CHANGED'] },
  { name: 'maxLength added', old: object({ s: str }), new: object({ s: { type: 'string', maxLength: 10 } }), backward: ['MAX_LENGTH_ADDED'], forward: [] },
  { name: 'maxLength raised', old: object({ s: { type: 'string', maxLength: 10 } }), new: object({ s: { type: 'string', maxLength: 20 } }), backward: [], forward: ['MAX_LENGTH_DECREASED'] },
  { name: 'minimum raised', old: object({ n: { type: 'number', minimum: 0 } }), new: object({ n: { type: 'number', minimum: 5 } }), backward: ['MINIMUM_INCREASED'], forward: [] },
  { name: 'maximum added', old: object({ n: { type: 'number' } }), new: object({ n: { type: 'number', maximum: 100 } }), backward: ['MAXIMUM_ADDED'], forward: [] },
  { name: 'multipleOf loosened', old: object({ n: { type: 'integer', multipleOf: 10 } }), new: object({ n: { type: 'integer', multipleOf: 5 } }), backward: [], forward: ['MULTIPLE_OF_CHANGED'] },
  { name: 'pattern added', old: object({ s: str }), new: object({ s: { type: 'string', pattern: '^[a-z]+$' } }), backward: ['PATTERN_ADDED'], forward: [] },
  { name: 'content model closed', old: object({ id: str }), new: closed({ id: str }), backward: ['ADDITIONAL_PROPERTIES_REMOVED'], forward: [] },
  { name: 'additional properties constrained', old: object({ id: str }), new: object({ id: str }, { additionalProperties: str }), backward: ['ADDITIONAL_PROPERTIES_NARROWED'], forward: [] },
  { name: 'array items narrowed', old: object({ xs: { type: 'array', items: { type: 'number' } } }), new: object({ xs: { type: 'array', items: { type: 'integer' } } }), backward: ['TYPE_NARROWED'], forward: [] },
  { name: 'minItems lowered', old: object({ xs: { type: 'array', minItems: 2 } }), new: object({ xs: { type: 'array', minItems: 1 } }), backward: [], forward: ['MIN_ITEMS_INCREASED'] },
  { name: 'uniqueItems added', old: object({ xs: { type: 'array' } }), new: object({ xs: { type: 'array', uniqueItems: true } }), backward: ['UNIQUE_ITEMS_ADDED'], forward: [] },
  {
    name: 'nested property retyped',
    old: object({ user: object({ age: { type: 'integer' } }) }),
    new: object({ user: object({ age: str }) }),
    backward: ['TYPE_CHANGED'],
    forward: ['TYPE_CHANGED'],
  },
  {
    name: 'anyOf gains an alternative',
    old: object({ v: { anyOf: [str, { type: 'integer' }] } }),
    new: object({ v: { anyOf: [str, { type: 'integer' }, { type: 'null' }] } }),
    backward: [],
    forward: ['SUM_TYPE_NARROWED'],
  },
  {
    name: 'a $defs type referenced by $ref changes',
    old: { type: 'object', $defs: { id: { type: 'integer' } }, properties: { id: { $ref: '#/$defs/id' } } },
    new: { type: 'object', $defs: { id: str }, properties: { id: { $ref: '#/$defs/id' } } },
    backward: ['TYPE_CHANGED'],
    forward: ['TYPE_CHANGED'],
  },
  { name: 'anything changed to the empty schema', old: object({ id: str }), new: {}, backward: [], forward: ['TYPE_NARROWED', 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL'] },
  { name: 'not added', old: object({ s: str }), new: object({ s: { type: 'string', not: { const: '' } } }), backward: ['NOT_TYPE_ADDED'], forward: [] },
  {
    name: 'recursive tree through $ref, unchanged',
    old: { type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } } },
    new: { type: 'object', properties: { value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#' } } } },
    backward: [],
    forward: [],
  },
  {
    name: 'draft 2020-12 schemas, integer widened',
    old: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'integer' } } },
    new: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'number' } } },
    backward: [],
    forward: ['TYPE_NARROWED'],
  },
];

function expectedRules(mode: CompatibilityMode, c: Case): string[] {
  if (mode === 'NONE') return [];
  if (mode.startsWith('BACKWARD')) return c.backward;
  if (mode.startsWith('FORWARD')) return c.forward;
  return [...c.backward, ...c.forward];
}

function text(schema: unknown): string {
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}

for (const [schemaType, cases] of [
  ['AVRO', AVRO],
  ['JSON', JSON_CASES],
] as const) {
  describe(`${schemaType} compatibility, every mode`, () => {
    for (const c of cases) {
      it.each(COMPATIBILITY_MODES.map((mode) => [mode]))(`${c.name} — %s`, (mode) => {
        const issues = compatibilityIssues(mode, parseSchema(schemaType, text(c.new)), [{ version: 1, schema: parseSchema(schemaType, text(c.old)) }]);
        expect(issues.map((issue) => issue.rule)).toEqual(expectedRules(mode, c));
        for (const issue of issues) expect(issue.description).toMatch(new RegExp(`^${issue.direction} against version 1: ${issue.rule} at /`));
      });
    }
  });
}

describe('compatibility messages', () => {
  it('name the field, its path and what to do, in new/old terms', () => {
    const [issue] = compatibilityIssues('BACKWARD', parseSchema('AVRO', text(record([field('id', 'long'), field('email', 'string')]))), [
      { version: 3, schema: parseSchema('AVRO', text(record([field('id', 'long')]))) },
    ]);
    expect(issue).toMatchObject({ rule: 'READER_FIELD_MISSING_DEFAULT', path: '/fields/1', direction: 'BACKWARD', version: 3 });
    expect(issue.description).toBe(
      'BACKWARD against version 3: READER_FIELD_MISSING_DEFAULT at /fields/1: field "email" of the new schema has no default, and version 3 has no such field: give it a default so old data can be read',
    );
  });

  it('point into nested JSON Schema properties', () => {
    const [issue] = compatibilityIssues('FORWARD', parseSchema('JSON', text(object({ user: object({ age: { type: 'number' } }) }))), [
      { version: 2, schema: parseSchema('JSON', text(object({ user: object({ age: { type: 'integer' } }) }))) },
    ]);
    expect(issue).toMatchObject({ rule: 'TYPE_NARROWED', path: '/properties/user/properties/age/type', direction: 'FORWARD' });
    expect(issue.description).toContain('version 2 accepts integer where the new schema accepts number');
  });

  it('refuse a change of schema type', () => {
    const issues = compatibilityIssues('BACKWARD', parseSchema('JSON', text(object({}))), [{ version: 1, schema: parseSchema('AVRO', '"string"') }]);
    expect(issues.map((i) => i.rule)).toEqual(['SCHEMA_TYPE_CHANGED']);
  });
});

describe('transitive modes check every earlier version', () => {
  const versions = (...schemas: unknown[]) => schemas.map((schema, i) => ({ version: i + 1, schema: parseSchema('AVRO', text(schema)) }));

  it('BACKWARD passes against the latest where BACKWARD_TRANSITIVE fails against the first', () => {
    const history = versions(record([field('id', 'long')]), record([field('id', 'long'), field('email', 'string', { default: '' })]));
    const candidate = parseSchema('AVRO', text(record([field('id', 'long'), field('email', 'string')])));
    expect(compatibilityIssues('BACKWARD', candidate, history)).toEqual([]);
    const transitive = compatibilityIssues('BACKWARD_TRANSITIVE', candidate, history);
    expect(transitive.map((i) => [i.version, i.rule])).toEqual([[1, 'READER_FIELD_MISSING_DEFAULT']]);
  });

  it('FORWARD passes against the latest where FORWARD_TRANSITIVE fails against the first', () => {
    const history = versions(record([field('id', 'long'), field('note', 'string')]), record([field('id', 'long'), field('note', 'string', { default: '' })]));
    const candidate = parseSchema('AVRO', text(record([field('id', 'long')])));
    expect(compatibilityIssues('FORWARD', candidate, history)).toEqual([]);
    expect(compatibilityIssues('FORWARD_TRANSITIVE', candidate, history).map((i) => [i.version, i.rule])).toEqual([[1, 'READER_FIELD_MISSING_DEFAULT']]);
  });

  it('FULL_TRANSITIVE reports each version that breaks, newest first', () => {
    const history = versions(record([field('n', 'int')]), record([field('n', 'int')]), record([field('n', 'int')]));
    const candidate = parseSchema('AVRO', text(record([field('n', 'long')])));
    expect(compatibilityIssues('FULL', candidate, history).map((i) => [i.version, i.direction])).toEqual([[3, 'FORWARD']]);
    expect(compatibilityIssues('FULL_TRANSITIVE', candidate, history).map((i) => [i.version, i.direction])).toEqual([
      [3, 'FORWARD'],
      [2, 'FORWARD'],
      [1, 'FORWARD'],
    ]);
  });
});

describe('schema parsing refuses bad schemas with the rule broken', () => {
  const refusal = (schemaType: string, schema: string) => {
    try {
      parseSchema(schemaType, schema);
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaParseError);
      return (error as SchemaParseError).violation;
    }
    throw new Error('expected the schema to be refused');
  };

  it.each([
    ['AVRO', '{"type": "record", "name": "X", "fields": [', 'json', 'not valid JSON'],
    ['AVRO', '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}', 'avro', 'undefined type name: nope'],
    ['AVRO', '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "int", "default": "x"}]}', 'avro', 'default'],
    ['AVRO', '{"type": "enum", "name": "E", "symbols": ["A", "A"]}', 'avro', 'duplicate'],
    ['JSON', '{"type": "strin"}', 'json-schema', 'not a valid JSON Schema'],
    ['JSON', '[1, 2]', 'json-schema', 'must be an object or a boolean'],
    ['PROTOBUF', 'syntax = "proto3";', 'schema-type', 'Protobuf is not supported'],
    ['AVRO', '', 'required', 'non-empty'],
  ])('%s %s → %s', (schemaType, schema, rule, words) => {
    const violation = refusal(schemaType, schema);
    expect(violation.rule).toBe(rule);
    expect(violation.message).toContain(words);
  });

  it('refuses a schema over the size limit and one nested too deeply', () => {
    const huge = JSON.stringify(record([field('a', 'string', { doc: 'x'.repeat(MAX_SCHEMA_BYTES) })]));
    expect(refusal('AVRO', huge).rule).toBe('size');
    let deep: unknown = { type: 'string' };
    for (let i = 0; i < 100; i++) deep = { type: 'object', properties: { a: deep } };
    expect(refusal('JSON', JSON.stringify(deep)).rule).toBe('nesting');
  });

  it('keeps the schema as minified JSON, so whitespace does not make a new schema', () => {
    expect(parseSchema('AVRO', '{ "type" : "string" }').text).toBe(parseSchema('AVRO', '{"type":"string"}').text);
    expect(parseSchema('AVRO', 'string').text).toBe('"string"');
  });
});
