import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { FAULT_KINDS, FAULT_PORTS, type Fault as FaultRecord, type FaultKind, type FaultPort } from '../../../adapters/faults/fault-plan';
import { formatDuration } from '../../../domain/duration';

/** The GraphQL enums, made from the fault plan's own lists so the two cannot drift apart. */
const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };

export const FaultPortEnum = enumOf(Object.keys(FAULT_PORTS) as FaultPort[]);
registerEnumType(FaultPortEnum, {
  name: 'FaultPort',
  description: `The port a fault is put on, with its operations: ${Object.entries(FAULT_PORTS)
    .map(([port, operations]) => `${port} (${operations.join(', ')})`)
    .join('; ')}.`,
});

export const FaultKindEnum = enumOf(FAULT_KINDS);
registerEnumType(FaultKindEnum, {
  name: 'FaultKind',
  description:
    'LATENCY: the call waits, then runs. ERROR: it fails with a retriable STORAGE_UNAVAILABLE. OUTAGE: every call of the port fails. PARTIAL_WRITE: a write of several items stores the first half, then fails (eventLog.append, aggregates.upsert and recordLate, lineage.upsert). CORRUPT: event values are replaced by bytes no reader understands, as written (eventLog.append) or as delivered (eventLog.read, eventLog.consume).',
});

@InputType()
export class FaultInput {
  @Field(() => FaultPortEnum)
  port!: FaultPort;

  @Field(() => String, { defaultValue: '*', description: 'One operation of the port, or "*" for all of them (OUTAGE always means all).' })
  operation!: string;

  @Field(() => FaultKindEnum)
  kind!: FaultKind;

  @Field(() => Float, { defaultValue: 1, description: 'Chance each matching call is hit, above 0 and at most 1.' })
  probability!: number;

  @Field(() => String, { nullable: true, description: 'For LATENCY: how long each hit call waits, e.g. "250ms".' })
  latency?: string | null;

  @Field(() => String, { nullable: true, description: 'How long the fault lasts, e.g. "30s"; until cleared when omitted.' })
  duration?: string | null;
}

@ObjectType({ description: "A failure injected into one of this gateway instance's ports." })
export class Fault {
  @Field(() => String)
  id!: string;

  @Field(() => FaultPortEnum)
  port!: FaultPort;

  @Field(() => String)
  operation!: string;

  @Field(() => FaultKindEnum)
  kind!: FaultKind;

  @Field(() => Float)
  probability!: number;

  @Field(() => String, { nullable: true })
  latency!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String)
  createdBy!: string;

  @Field(() => Date, { nullable: true, description: 'When it ends by itself; null: when cleared.' })
  until!: Date | null;

  @Field(() => Int, { description: 'Calls it has hit so far.' })
  hits!: number;

  static from(fault: FaultRecord): Fault {
    return Object.assign(new Fault(), {
      ...fault,
      latency: fault.kind === 'LATENCY' ? formatDuration(fault.latencyMs) : null,
      createdAt: new Date(fault.createdAt),
      until: fault.until === null ? null : new Date(fault.until),
    });
  }
}
