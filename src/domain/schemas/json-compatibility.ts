// Can every document valid under a writer JSON Schema be read by a reader JSON Schema, i.e. is it
// valid under the reader too? Keyword by keyword, with the difference names Confluent's registry
// uses (TYPE_NARROWED, REQUIRED_ATTRIBUTE_ADDED, PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, ...).
//
// The content model decides what adding or removing a property means. In an open writer (no
// `additionalProperties: false`) old documents may already carry any property, with any value; so a
// reader that adds a typed property could meet old data it refuses. In a closed reader, a property
// the writer allowed but the reader no longer lists would be refused.

import { pointer, type Incompatibility } from './incompatibility';
import type { JsonSchemaDocument } from './schema-text';

type Schema = Record<string, unknown>;
const JSON_TYPES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'] as const;

interface Side {
  root: JsonSchemaDocument;
  schema: JsonSchemaDocument;
}

/** Every reason `reader` may refuse a document `writer` accepts; empty when it cannot. */
export function jsonIncompatibilities(reader: JsonSchemaDocument, writer: JsonSchemaDocument): Incompatibility[] {
  const found: Incompatibility[] = [];
  check({ root: reader, schema: reader }, { root: writer, schema: writer }, '', found, new Set());
  return found;
}

/** Deeper than this, a schema is recursive in a way $ref tracking did not catch; stop there. */
const MAX_DEPTH = 64;

function check(reader: Side, writer: Side, path: string, found: Incompatibility[], seen: Set<string>): void {
  // Recursive $refs: a pair of references already under examination is assumed compatible.
  const refs = `${refOf(reader.schema)}\u0000${refOf(writer.schema)}`;
  if (refs !== '\u0000') {
    if (seen.has(refs)) return;
    seen = new Set(seen).add(refs);
  }
  if (path.split('/').length > MAX_DEPTH) return;
  const r = resolve(reader);
  const w = resolve(writer);
  if (r === true || isEmpty(r)) return; // the reader takes anything
  if (w === false) return; // the writer allows nothing
  if (r === false) {
    found.push({ rule: 'SCHEMA_REMOVED', path, message: '{reader} accepts nothing here, where {writer} accepts documents' });
    return;
  }
  const ws: Schema = w === true ? {} : w;
  const rs = r;

  // Combinators: the writer's alternatives must each be readable; the reader's must cover them.
  const writerAlternatives = (ws.oneOf ?? ws.anyOf) as JsonSchemaDocument[] | undefined;
  if (Array.isArray(writerAlternatives)) {
    const base = withoutKeys(ws, ['oneOf', 'anyOf']);
    for (const branch of writerAlternatives) {
      check(reader, { root: writer.root, schema: merge(base, resolve({ root: writer.root, schema: branch })) }, path, found, seen);
    }
    return;
  }
  const readerAlternatives = (rs.oneOf ?? rs.anyOf) as JsonSchemaDocument[] | undefined;
  if (Array.isArray(readerAlternatives)) {
    const base = withoutKeys(rs, ['oneOf', 'anyOf']);
    const covering = readerAlternatives.some((branch) => {
      const probe: Incompatibility[] = [];
      check({ root: reader.root, schema: merge(base, resolve({ root: reader.root, schema: branch })) }, { root: writer.root, schema: ws }, path, probe, seen);
      return probe.length === 0;
    });
    if (!covering) {
      found.push({ rule: 'SUM_TYPE_NARROWED', path: pointer(path, rs.oneOf ? 'oneOf' : 'anyOf'), message: 'no alternative of {reader} accepts every document {writer} accepts here' });
    }
    return;
  }
  if (Array.isArray(rs.allOf)) {
    for (const [index, part] of (rs.allOf as JsonSchemaDocument[]).entries()) {
      check({ root: reader.root, schema: part }, { root: writer.root, schema: ws }, pointer(path, 'allOf', index), found, seen);
    }
  }
  if (Array.isArray(ws.allOf)) {
    // A document valid under the writer satisfies every part: one readable part suffices.
    const parts = (ws.allOf as JsonSchemaDocument[]).map((part) => merge(withoutKeys(ws, ['allOf']), resolve({ root: writer.root, schema: part })));
    const attempts = parts.map((part) => {
      const probe: Incompatibility[] = [];
      check({ root: reader.root, schema: withoutKeys(rs, ['allOf']) }, { root: writer.root, schema: part }, path, probe, seen);
      return probe;
    });
    if (!attempts.some((probe) => probe.length === 0)) found.push(...attempts.reduce((best, probe) => (probe.length < best.length ? probe : best)));
    return;
  }
  if (rs.not !== undefined) {
    if (ws.not === undefined) {
      found.push({ rule: 'NOT_TYPE_ADDED', path: pointer(path, 'not'), message: '{reader} adds a "not" that {writer} did not have, refusing documents it accepted' });
    } else {
      // Contravariant: what the reader excludes must already be excluded by the writer.
      check({ root: writer.root, schema: ws.not as JsonSchemaDocument }, { root: reader.root, schema: rs.not as JsonSchemaDocument }, pointer(path, 'not'), found, seen);
    }
  }

  const writerTypes = typesOf(ws);
  const readerTypes = typesOf(rs);
  checkTypes(readerTypes, writerTypes, path, found);
  const shared = writerTypes.filter((type) => accepts(readerTypes, type));
  checkEnum(rs, ws, path, found);
  if (shared.includes('number') || shared.includes('integer')) checkNumbers(rs, ws, path, found);
  if (shared.includes('string')) checkStrings(rs, ws, path, found);
  if (shared.includes('object')) checkObject(reader, writer, rs, ws, path, found, seen);
  if (shared.includes('array')) checkArray(reader, writer, rs, ws, path, found, seen);
}

function checkTypes(readerTypes: string[], writerTypes: string[], path: string, found: Incompatibility[]): void {
  const lost = writerTypes.filter((type) => !accepts(readerTypes, type));
  if (lost.length === 0) return;
  const kept = writerTypes.some((type) => accepts(readerTypes, type)) || (writerTypes.includes('number') && readerTypes.includes('integer'));
  found.push({
    rule: kept ? 'TYPE_NARROWED' : 'TYPE_CHANGED',
    path: pointer(path, 'type'),
    message: `{reader} accepts ${list(readerTypes)} where {writer} accepts ${list(writerTypes)}: ${list(lost)} would be refused`,
  });
}

function checkEnum(rs: Schema, ws: Schema, path: string, found: Incompatibility[]): void {
  const readerValues = enumOf(rs);
  if (!readerValues) return;
  const writerValues = enumOf(ws);
  if (!writerValues) {
    found.push({ rule: 'ENUM_ARRAY_CHANGED', path: pointer(path, 'enum' in rs ? 'enum' : 'const'), message: `{reader} allows only ${list(readerValues.map((v) => JSON.stringify(v)))} where {writer} allowed any value` });
    return;
  }
  const keys = new Set(readerValues.map((v) => JSON.stringify(v)));
  const missing = writerValues.filter((v) => !keys.has(JSON.stringify(v)));
  if (missing.length > 0) {
    found.push({
      rule: missing.length === writerValues.length ? 'ENUM_ARRAY_CHANGED' : 'ENUM_ARRAY_NARROWED',
      path: pointer(path, 'enum' in rs ? 'enum' : 'const'),
      message: `{reader} no longer allows ${list(missing.map((v) => JSON.stringify(v)))}, which {writer} allows`,
    });
  }
}

/** A lower bound the reader imposes must be no higher than the writer's; an upper one no lower. */
function checkBounds(rs: Schema, ws: Schema, path: string, found: Incompatibility[], keywords: { low: string[]; high: string[] }, prefix: (keyword: string) => string): void {
  for (const keyword of keywords.low) {
    const r = rs[keyword];
    if (typeof r !== 'number') continue;
    const w = ws[keyword];
    if (typeof w !== 'number') found.push({ rule: `${prefix(keyword)}_ADDED`, path: pointer(path, keyword), message: `{reader} adds ${keyword} ${r}, which {writer} did not have` });
    else if (w < r) found.push({ rule: `${prefix(keyword)}_INCREASED`, path: pointer(path, keyword), message: `{reader} raises ${keyword} from ${w} to ${r}` });
  }
  for (const keyword of keywords.high) {
    const r = rs[keyword];
    if (typeof r !== 'number') continue;
    const w = ws[keyword];
    if (typeof w !== 'number') found.push({ rule: `${prefix(keyword)}_ADDED`, path: pointer(path, keyword), message: `{reader} adds ${keyword} ${r}, which {writer} did not have` });
    else if (w > r) found.push({ rule: `${prefix(keyword)}_DECREASED`, path: pointer(path, keyword), message: `{reader} lowers ${keyword} from ${w} to ${r}` });
  }
}

const SCREAMING = (keyword: string) => keyword.replace(/([A-Z])/g, '_$1').toUpperCase();

function checkNumbers(rs: Schema, ws: Schema, path: string, found: Incompatibility[]): void {
  checkBounds(rs, ws, path, found, { low: ['minimum', 'exclusiveMinimum'], high: ['maximum', 'exclusiveMaximum'] }, SCREAMING);
  const r = rs.multipleOf;
  if (typeof r === 'number') {
    const w = ws.multipleOf;
    if (typeof w !== 'number') found.push({ rule: 'MULTIPLE_OF_ADDED', path: pointer(path, 'multipleOf'), message: `{reader} adds multipleOf ${r}, which {writer} did not have` });
    else if (!Number.isInteger(w / r)) found.push({ rule: 'MULTIPLE_OF_CHANGED', path: pointer(path, 'multipleOf'), message: `{reader} requires multiples of ${r}; {writer}'s multiples of ${w} are not all such` });
  }
}

function checkStrings(rs: Schema, ws: Schema, path: string, found: Incompatibility[]): void {
  checkBounds(rs, ws, path, found, { low: ['minLength'], high: ['maxLength'] }, SCREAMING);
  if (typeof rs.pattern === 'string' && rs.pattern !== ws.pattern) {
    found.push({
      rule: ws.pattern === undefined ? 'PATTERN_ADDED' : 'PATTERN_CHANGED',
      path: pointer(path, 'pattern'),
      message: ws.pattern === undefined ? `{reader} adds the pattern ${rs.pattern}` : `{reader} changes the pattern from ${String(ws.pattern)} to ${rs.pattern}`,
    });
  }
}

function checkObject(reader: Side, writer: Side, rs: Schema, ws: Schema, path: string, found: Incompatibility[], seen: Set<string>): void {
  const readerProps = (rs.properties ?? {}) as Record<string, JsonSchemaDocument>;
  const writerProps = (ws.properties ?? {}) as Record<string, JsonSchemaDocument>;
  const readerRequired = new Set((rs.required ?? []) as string[]);
  const writerRequired = new Set((ws.required ?? []) as string[]);
  const writerExtra = ws.additionalProperties as JsonSchemaDocument | undefined; // undefined = open
  const readerExtra = rs.additionalProperties as JsonSchemaDocument | undefined;

  for (const [name, readerProp] of Object.entries(readerProps)) {
    const at = pointer(path, 'properties', name);
    if (name in writerProps) {
      check({ root: reader.root, schema: readerProp }, { root: writer.root, schema: writerProps[name] }, at, found, seen);
      if (readerRequired.has(name) && !writerRequired.has(name) && !hasDefault(readerProp)) {
        found.push({ rule: 'REQUIRED_ATTRIBUTE_ADDED', path: pointer(path, 'required'), message: `{reader} requires "${name}", which {writer} left optional` });
      }
      continue;
    }
    if (writerExtra === false) {
      // A closed writer never wrote this property: only requiring it breaks old documents.
      if (readerRequired.has(name) && !hasDefault(readerProp)) {
        found.push({ rule: 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', path: at, message: `{reader} adds the required property "${name}", which documents of {writer} never have` });
      }
      continue;
    }
    if (readerRequired.has(name) && !hasDefault(readerProp)) {
      found.push({ rule: 'REQUIRED_ATTRIBUTE_ADDED', path: pointer(path, 'required'), message: `{reader} requires the new property "${name}", which documents of {writer} need not have` });
    }
    if (writerExtra === undefined || writerExtra === true) {
      if (!isEmpty(readerProp) && readerProp !== true) {
        found.push({
          rule: 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL',
          path: at,
          message: `{reader} adds the property "${name}", but {writer} is open (additionalProperties not false), so its documents may hold "${name}" with any value; close {writer} first, or add the property with an empty schema`,
        });
      }
    } else {
      check({ root: reader.root, schema: readerProp }, { root: writer.root, schema: writerExtra }, at, found, seen);
    }
  }
  for (const [name, writerProp] of Object.entries(writerProps)) {
    if (name in readerProps || writerProp === false) continue;
    const at = pointer(path, 'properties', name);
    if (readerExtra === false) {
      found.push({ rule: 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', path: at, message: `{reader} is closed and no longer lists "${name}", which documents of {writer} may hold` });
    } else if (readerExtra !== undefined && readerExtra !== true) {
      check({ root: reader.root, schema: readerExtra }, { root: writer.root, schema: writerProp }, pointer(path, 'additionalProperties'), found, seen);
    }
  }
  if (readerExtra === false && writerExtra !== false) {
    found.push({ rule: 'ADDITIONAL_PROPERTIES_REMOVED', path: pointer(path, 'additionalProperties'), message: '{reader} closes the content model (additionalProperties: false) where {writer} allowed other properties' });
  } else if (readerExtra !== undefined && readerExtra !== true && readerExtra !== false) {
    if (writerExtra === undefined || writerExtra === true) {
      if (!isEmpty(readerExtra)) found.push({ rule: 'ADDITIONAL_PROPERTIES_NARROWED', path: pointer(path, 'additionalProperties'), message: '{reader} constrains additional properties that {writer} left free' });
    } else if (writerExtra !== false) {
      check({ root: reader.root, schema: readerExtra }, { root: writer.root, schema: writerExtra }, pointer(path, 'additionalProperties'), found, seen);
    }
  }
  checkBounds(rs, ws, path, found, { low: ['minProperties'], high: ['maxProperties'] }, SCREAMING);
  const readerDependencies = (rs.dependentRequired ?? rs.dependencies ?? {}) as Record<string, unknown>;
  const writerDependencies = (ws.dependentRequired ?? ws.dependencies ?? {}) as Record<string, unknown>;
  for (const [name, needs] of Object.entries(readerDependencies)) {
    if (JSON.stringify(needs) !== JSON.stringify(writerDependencies[name])) {
      found.push({ rule: 'DEPENDENCY_ADDED', path: pointer(path, 'dependencies', name), message: `{reader} adds or changes what "${name}" depends on` });
    }
  }
}

function checkArray(reader: Side, writer: Side, rs: Schema, ws: Schema, path: string, found: Incompatibility[], seen: Set<string>): void {
  const readerItems = rs.items;
  if (readerItems !== undefined && !Array.isArray(readerItems)) {
    const writerItems = ws.items !== undefined && !Array.isArray(ws.items) ? (ws.items as JsonSchemaDocument) : true;
    check({ root: reader.root, schema: readerItems as JsonSchemaDocument }, { root: writer.root, schema: writerItems }, pointer(path, 'items'), found, seen);
  }
  checkBounds(rs, ws, path, found, { low: ['minItems'], high: ['maxItems'] }, SCREAMING);
  if (rs.uniqueItems === true && ws.uniqueItems !== true) {
    found.push({ rule: 'UNIQUE_ITEMS_ADDED', path: pointer(path, 'uniqueItems'), message: '{reader} requires unique items where {writer} allowed repeats' });
  }
}

/** Follows local `$ref`s (#/definitions/..., #/$defs/...) to the schema they name. */
function resolve(side: Side): JsonSchemaDocument {
  let schema = side.schema;
  for (let hops = 0; hops < 32 && typeof schema === 'object' && typeof schema.$ref === 'string'; hops++) {
    const target = lookup(side.root, schema.$ref as string);
    if (target === undefined) return schema;
    schema = Object.keys(schema).length > 1 ? merge(withoutKeys(schema, ['$ref']), target) : target;
  }
  return schema;
}

function refOf(schema: JsonSchemaDocument): string {
  return typeof schema === 'object' && typeof schema.$ref === 'string' ? schema.$ref : '';
}

function lookup(root: JsonSchemaDocument, ref: string): JsonSchemaDocument | undefined {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const step = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !(step in node)) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node as JsonSchemaDocument;
}

function merge(base: Schema, extra: JsonSchemaDocument): JsonSchemaDocument {
  if (extra === false) return false;
  if (extra === true) return base;
  return { ...base, ...extra };
}

function withoutKeys(schema: Schema, keys: string[]): Schema {
  const copy = { ...schema };
  for (const key of keys) delete copy[key];
  return copy;
}

const ANNOTATIONS = new Set(['$schema', '$id', 'id', 'title', 'description', 'default', 'examples', '$comment', 'definitions', '$defs', 'readOnly', 'writeOnly', 'deprecated']);

/** A schema with no constraining keyword accepts every document. */
function isEmpty(schema: JsonSchemaDocument): boolean {
  return schema === true || (typeof schema === 'object' && Object.keys(schema).every((key) => ANNOTATIONS.has(key)));
}

function hasDefault(schema: JsonSchemaDocument): boolean {
  return typeof schema === 'object' && 'default' in schema;
}

/** The JSON types a schema admits; every type when it says nothing about types. */
function typesOf(schema: Schema): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type as string[];
  const values = enumOf(schema);
  if (values) return [...new Set(values.map(jsonType))];
  return [...JSON_TYPES];
}

function accepts(types: string[], type: string): boolean {
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

function enumOf(schema: Schema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum as unknown[];
  if ('const' in schema) return [schema.const];
  return undefined;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function list(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `[${items.join(', ')}]`;
}
