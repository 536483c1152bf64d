// Can data written with one Avro schema be read with another? The schema-resolution rules of the
// Avro specification, reported the way Avro's own SchemaCompatibility reports them (NAME_MISMATCH,
// FIXED_SIZE_MISMATCH, MISSING_ENUM_SYMBOLS, READER_FIELD_MISSING_DEFAULT, TYPE_MISMATCH,
// MISSING_UNION_BRANCH), with every problem found rather than the first.

import type avro from 'avsc';
import { pointer, type Incompatibility } from './incompatibility';

type AnyType = avro.Type & {
  typeName: string;
  name?: string;
  aliases?: string[];
  fields?: { name: string; type: AnyType; aliases: string[]; defaultValue(): unknown }[];
  symbols?: string[];
  default?: string;
  size?: number;
  itemsType?: AnyType;
  valuesType?: AnyType;
  types?: AnyType[];
};

/** Writer types each reader type can take as it is promoted (Avro spec, "Schema Resolution"). */
const PROMOTIONS: Record<string, readonly string[]> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  bytes: ['string'],
  string: ['bytes'],
};

/** Every reason `reader` cannot read data written with `writer`; empty when it can. */
export function avroIncompatibilities(reader: avro.Type, writer: avro.Type): Incompatibility[] {
  const found: Incompatibility[] = [];
  check(reader as AnyType, writer as AnyType, '', new Set(), found);
  return found;
}

function kind(type: AnyType): string {
  if (type.typeName.startsWith('union')) return 'union';
  return type.typeName === 'error' ? 'record' : type.typeName;
}

/** How a type is named in messages: its full name when it has one. */
function label(type: AnyType): string {
  return type.name ? `${kind(type)} ${type.name}` : kind(type);
}

function simpleName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** Named types match by unqualified name, or by a reader alias naming the writer. */
function namesMatch(reader: AnyType, writer: AnyType): boolean {
  if (!reader.name || !writer.name) return true;
  return simpleName(reader.name) === simpleName(writer.name) || (reader.aliases ?? []).includes(writer.name);
}

function compatible(reader: AnyType, writer: AnyType, seen: Set<string>): boolean {
  const found: Incompatibility[] = [];
  check(reader, writer, '', seen, found);
  return found.length === 0;
}

function check(reader: AnyType, writer: AnyType, path: string, seen: Set<string>, found: Incompatibility[]): void {
  // Recursive named types: a pair already under examination is assumed to resolve.
  if (reader.name && writer.name) {
    const pair = `${reader.name}\u0000${writer.name}`;
    if (seen.has(pair)) return;
    seen = new Set(seen).add(pair);
  }
  const readerKind = kind(reader);
  const writerKind = kind(writer);
  if (readerKind === writerKind) {
    checkSameKind(readerKind, reader, writer, path, seen, found);
    return;
  }
  if (writerKind === 'union') {
    // Each branch the writer may have used must be readable.
    writer.types!.forEach((branch) => {
      if (!compatible(reader, branch, seen)) {
        found.push({ rule: 'MISSING_UNION_BRANCH', path, message: `{reader} has no type that can read the writer union's branch ${label(branch)} of {writer}` });
      }
    });
    return;
  }
  if (readerKind === 'union') {
    if (!reader.types!.some((branch) => compatible(branch, writer, seen))) {
      found.push({ rule: 'MISSING_UNION_BRANCH', path, message: `the union in {reader} has no branch that can read ${label(writer)} written by {writer}` });
    }
    return;
  }
  if (PROMOTIONS[readerKind]?.includes(writerKind)) return;
  found.push({ rule: 'TYPE_MISMATCH', path, message: `{reader} reads ${label(reader)} where {writer} writes ${label(writer)}, and Avro cannot promote one to the other` });
}

function checkSameKind(kindName: string, reader: AnyType, writer: AnyType, path: string, seen: Set<string>, found: Incompatibility[]): void {
  switch (kindName) {
    case 'record': {
      if (!namesMatch(reader, writer)) {
        found.push({ rule: 'NAME_MISMATCH', path: pointer(path, 'name'), message: `{reader} names the record ${reader.name} where {writer} names it ${writer.name}; add "${writer.name}" to its aliases to rename it` });
      }
      reader.fields!.forEach((field, index) => {
        const source = writerField(writer, field);
        if (source) {
          check(field.type, source.type, pointer(path, 'fields', index, 'type'), seen, found);
        } else if (field.defaultValue() === undefined) {
          found.push({
            rule: 'READER_FIELD_MISSING_DEFAULT',
            path: pointer(path, 'fields', index),
            message: `field "${field.name}" of {reader} has no default, and {writer} has no such field: give it a default so old data can be read`,
          });
        }
      });
      return;
    }
    case 'enum': {
      if (!namesMatch(reader, writer)) {
        found.push({ rule: 'NAME_MISMATCH', path: pointer(path, 'name'), message: `{reader} names the enum ${reader.name} where {writer} names it ${writer.name}` });
      }
      const missing = writer.symbols!.filter((symbol) => !reader.symbols!.includes(symbol));
      // A reader enum with a default reads unknown symbols as that default.
      if (missing.length > 0 && !(reader.default !== undefined && reader.symbols!.includes(reader.default))) {
        found.push({
          rule: 'MISSING_ENUM_SYMBOLS',
          path: pointer(path, 'symbols'),
          message: `enum ${reader.name} of {reader} lacks the symbol${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that {writer} may write; keep them or give the enum a default`,
        });
      }
      return;
    }
    case 'fixed': {
      if (!namesMatch(reader, writer)) {
        found.push({ rule: 'NAME_MISMATCH', path: pointer(path, 'name'), message: `{reader} names the fixed type ${reader.name} where {writer} names it ${writer.name}` });
      }
      if (reader.size !== writer.size) {
        found.push({ rule: 'FIXED_SIZE_MISMATCH', path: pointer(path, 'size'), message: `fixed ${reader.name} is ${reader.size} bytes in {reader} and ${writer.size} bytes in {writer}` });
      }
      return;
    }
    case 'array':
      check(reader.itemsType!, writer.itemsType!, pointer(path, 'items'), seen, found);
      return;
    case 'map':
      check(reader.valuesType!, writer.valuesType!, pointer(path, 'values'), seen, found);
      return;
    case 'union':
      writer.types!.forEach((branch, index) => {
        if (!compatible(reader, branch, seen)) {
          found.push({ rule: 'MISSING_UNION_BRANCH', path: pointer(path, index), message: `the union in {reader} has no branch that can read ${label(branch)}, which the union in {writer} allows` });
        }
      });
      return;
    default:
      return; // the same primitive type
  }
}

/** The writer field a reader field reads: the same name, else one of the reader field's aliases. */
function writerField(writer: AnyType, field: NonNullable<AnyType['fields']>[number]) {
  const byName = new Map(writer.fields!.map((f) => [f.name, f]));
  return byName.get(field.name) ?? field.aliases.map((alias) => byName.get(alias)).find((f) => f !== undefined);
}
