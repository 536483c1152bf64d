// The input rules every EventLog adapter enforces the same way.

import { GatewayError } from '../errors/gateway-error';
import type { AppendOptions } from '../ports/event-log';

export function checkAppendInput(values: readonly unknown[], options: AppendOptions): void {
  if (!Array.isArray(values)) throw new GatewayError('BAD_USER_INPUT', 'values must be an array', { path: 'values' });
  if (options.keys && options.keys.length !== values.length) {
    throw new GatewayError('BAD_USER_INPUT', `keys must have one entry per value (${values.length}); got ${options.keys.length}`, { path: 'keys' });
  }
}

/** An offset or a record count: a safe integer >= 0. */
export function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new GatewayError('BAD_USER_INPUT', `${name} must be an integer >= 0; got ${value}`, { path: name });
  }
}
