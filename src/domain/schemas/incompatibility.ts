// One reason a reader schema cannot read what a writer schema allows, found by the Avro and JSON
// Schema checkers. Checkers speak of "reader" and "writer"; the compatibility mode decides which of
// the new and the old schema plays which part, and words the message accordingly.

export interface Incompatibility {
  /** The rule broken, in the registry's vocabulary (e.g. READER_FIELD_MISSING_DEFAULT, TYPE_NARROWED). */
  rule: string;
  /** JSON pointer into the reader schema, e.g. "/fields/2/type". */
  path: string;
  /** What is wrong, with {reader} and {writer} standing for the two schemas. */
  message: string;
}

export interface SchemaRoles {
  reader: string;
  writer: string;
}

export function describe(incompatibility: Incompatibility, roles: SchemaRoles): string {
  const message = incompatibility.message.replaceAll('{reader}', roles.reader).replaceAll('{writer}', roles.writer);
  return `${incompatibility.rule} at ${incompatibility.path || '/'}: ${message}`;
}

/** A JSON pointer one step further. */
export function pointer(path: string, ...steps: (string | number)[]): string {
  return path + steps.map((step) => `/${String(step).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
