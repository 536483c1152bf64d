// The input rules every EventLog adapter enforces the same way.

import { GatewayError } from '../errors/gateway-error';
import type { AppendOptions } from '../ports/event-log';

export function checkAppendInput(values: readonly unknown[], options: AppendOptions): void {
  if (!Array.isArray(values)) throw new GatewayError('BAD_USER_INPUT', 'values must be an array', { path: 'values' });
  if (options.keys && options.keys.length !== values.length) {
    throw new GatewayError('BAD_USER_INPUT', `keys must have one entry per value (${values.length}); got ${options.keys.length}`, { path: 'keys' });
  }
  if (options.partitions && options.partitions.length !== values.length) {
    throw new GatewayError('BAD_USER_INPUT', `partitions must have one entry per value (${values.length}); got ${options.partitions.length}`, { path: 'partitions' });
  }
  for (const partition of options.partitions ?? []) checkCount(partition, 'partitions');
}

/** Every partition an append names must exist in the topic. */
export function checkPartitionsExist(options: AppendOptions, topic: string, partitionCount: number): void {
  const missing = options.partitions?.find((partition) => partition >= partitionCount);
  if (missing !== undefined) {
    throw new GatewayError('BAD_USER_INPUT', `topic "${topic}" has ${partitionCount} partition${partitionCount === 1 ? '' : 's'}; got partition ${missing}`, { path: 'partitions' });
  }
}

/** An offset or a record count: a safe integer >= 0. */
export function checkCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new GatewayError('BAD_USER_INPUT', `${name} must be an integer >= 0; got ${value}`, { path: name });
  }
}
