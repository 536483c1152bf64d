// Confluent's wire format: a magic byte 0, the schema id as a 4-byte big-endian integer, then the
// body: Avro binary for an Avro schema, UTF-8 JSON for a JSON Schema. Decoding turns the body into
// a plain JSON value, so decoded events travel like any other (Avro bytes and fixed become base64).

import { GatewayError } from '../../errors/gateway-error';
import type { ParsedSchema } from './schema-text';

export const MAGIC_BYTE = 0;

export type WireBodyDecoder = (body: Buffer) => unknown;

export function wireBodyDecoder(schema: ParsedSchema): WireBodyDecoder {
  if (schema.schemaType === 'JSON') {
    return (body) => {
      try {
        return JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw undecodable(`is not JSON: ${(error as Error).message}`);
      }
    };
  }
  return (body) => {
    let value: unknown;
    try {
      value = schema.avro.fromBuffer(body);
    } catch (error) {
      throw undecodable(`cannot be decoded as Avro: ${(error as Error).message}`);
    }
    return plain(value);
  };
}

/** A wire-format message: magic byte, schema id, body. */
export function encodeWireMessage(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** Decoded Avro as plain JSON data: records as plain objects, bytes and fixed as base64. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) out[key] = plain(field);
    return out;
  }
  return value;
}

function undecodable(why: string): GatewayError {
  return new GatewayError('SCHEMA_VIOLATION', `body ${why}`, { path: 'body' });
}
