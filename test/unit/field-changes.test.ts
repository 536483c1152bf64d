import { describe, expect, it } from 'vitest';
import { fieldChanges } from '../../src/domain/schemas/field-changes';
import { parseSchema } from '../../src/domain/schemas/schema-text';

describe('field changes between schema versions', () => {
  it('finds removed and retyped fields in nested Avro records, nullable ones included', () => {
    const before = parseSchema('AVRO', JSON.stringify({
      type: 'record', name: 'O', fields: [
        { name: 'id', type: 'string' },
        { name: 'user', type: ['null', { type: 'record', name: 'U', fields: [{ name: 'country', type: 'string' }, { name: 'age', type: 'int' }] }] },
      ],
    }));
    const after = parseSchema('AVRO', JSON.stringify({
      type: 'record', name: 'O', fields: [
        { name: 'id', type: 'string' },
        { name: 'user', type: ['null', { type: 'record', name: 'U', fields: [{ name: 'country', type: 'int' }] }] },
      ],
    }));
    expect(fieldChanges(before, after)).toEqual([
      { path: 'user.country', change: 'retyped', before: 'string', after: 'int' },
      { path: 'user.age', change: 'removed', before: 'int' },
    ]);
  });

  it('finds them in nested JSON Schema properties, and nothing for an added field', () => {
    const before = parseSchema('JSON', JSON.stringify({ type: 'object', properties: { geo: { type: 'object', properties: { lat: { type: 'number' }, city: { type: 'string' } } } } }));
    const after = parseSchema('JSON', JSON.stringify({ type: 'object', properties: { geo: { type: 'object', properties: { lat: { type: 'string' }, zip: { type: 'string' } } } } }));
    expect(fieldChanges(before, after)).toEqual([
      { path: 'geo.lat', change: 'retyped', before: 'number', after: 'string' },
      { path: 'geo.city', change: 'removed', before: 'string' },
    ]);
    expect(fieldChanges(after, after)).toEqual([]);
  });
});
