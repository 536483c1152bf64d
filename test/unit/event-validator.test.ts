import { describe, expect, it } from 'vitest';
import { eventValidator } from '../../src/domain/schemas/event-validator';
import { parseSchema } from '../../src/domain/schemas/schema-text';
import { encodeWireMessage, wireBodyDecoder } from '../../src/domain/schemas/wire-format';

const avro = (fields: unknown[]) => eventValidator(parseSchema('AVRO', JSON.stringify({ type: 'record', name: 'E', fields })));
const json = (schema: unknown) => eventValidator(parseSchema('JSON', JSON.stringify(schema)));

describe('event validators', () => {
  it('report Avro violations at their paths, with what was expected and got', () => {
    const validate = avro([
      { name: 'user', type: { type: 'record', name: 'U', fields: [{ name: 'age', type: 'int' }] } },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'level', type: { type: 'enum', name: 'L', symbols: ['LOW', 'HIGH'] } },
    ]);
    expect(validate({ user: { age: 30 }, tags: ['a'], level: 'LOW', extra: true })).toEqual([]);
    expect(validate({ user: { age: 'old' }, tags: ['a', 7], level: 'MID' })).toEqual([
      { path: '.user.age', message: 'must be an Avro int (a whole number); got "old"' },
      { path: '.tags[1]', message: 'must be an Avro string; got 7' },
      { path: '.level', message: 'must be one of LOW, HIGH; got "MID"' },
    ]);
  });

  it('take base64 text for Avro bytes and for fixed of the right size, as JSON must carry them', () => {
    const validate = avro([
      { name: 'blob', type: 'bytes' },
      { name: 'hash', type: { type: 'fixed', name: 'H', size: 4 } },
      { name: 'maybe', type: ['null', 'bytes'], default: null },
    ]);
    expect(validate({ blob: 'AQID', hash: Buffer.from([1, 2, 3, 4]).toString('base64'), maybe: 'AA==' })).toEqual([]);
    expect(validate({ blob: 'AQID', hash: 'AQID' }).map((v) => v.path)).toEqual(['.hash']);
    expect(validate({ blob: 12, hash: 'AQIDBA==' }).map((v) => v.path)).toEqual(['.blob']);
  });

  it('report JSON Schema violations with the missing or unexpected property named', () => {
    const validate = json({ type: 'object', properties: { n: { type: 'integer' }, 'odd key': { enum: ['x', 'y'] } }, required: ['n'], additionalProperties: false });
    expect(validate({ n: 1 })).toEqual([]);
    expect(validate({ 'odd key': 'z', surprise: 1 })).toEqual([
      { path: '.n', message: 'is required' },
      { path: '.surprise', message: 'is not a property the schema allows (additionalProperties: false)' },
      { path: '["odd key"]', message: 'must be one of "x", "y"' },
    ]);
  });
});

describe('wire format', () => {
  it('decodes an Avro body to plain JSON data, bytes as base64', () => {
    const schema = parseSchema('AVRO', JSON.stringify({ type: 'record', name: 'E', fields: [{ name: 'id', type: 'long' }, { name: 'b', type: 'bytes' }] }));
    if (schema.schemaType !== 'AVRO') throw new Error('expected Avro');
    const message = encodeWireMessage(7, schema.avro.toBuffer({ id: 42, b: Buffer.from([255]) }));
    expect(message.readInt32BE(1)).toBe(7);
    const decoded = wireBodyDecoder(schema)(message.subarray(5));
    expect(decoded).toEqual({ id: 42, b: '/w==' });
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(() => wireBodyDecoder(schema)(Buffer.from([1]))).toThrow(/cannot be decoded as Avro/);
  });
});
