import { describe, expect, it } from 'vitest';
import { FaultPlan, type FaultSpec } from '../../src/adapters/faults/fault-plan';

const spec = (overrides: Partial<FaultSpec> = {}): FaultSpec => ({ port: 'aggregates', operation: 'upsert', kind: 'ERROR', probability: 1, ...overrides });
/** Dice that roll the given numbers in turn. */
const dice = (...rolls: number[]) => () => rolls.shift() ?? 0;

describe('a fault plan', () => {
  it('hits only the port and operation it names, as often as its probability says', () => {
    const plan = new FaultPlan();
    const fault = plan.add(spec({ probability: 0.25 }), 1_000, 'ops');
    expect(fault).toMatchObject({ id: 'fault-1', until: null, hits: 0, createdBy: 'ops' });
    expect(plan.hit('aggregates', 'query', 1_000, dice(0))).toBeUndefined();
    expect(plan.hit('eventLog', 'upsert', 1_000, dice(0))).toBeUndefined();
    expect(plan.hit('aggregates', 'upsert', 1_000, dice(0.2499))).toBe(fault);
    expect(plan.hit('aggregates', 'upsert', 1_000, dice(0.25))).toBeUndefined();
    expect(fault.hits).toBe(1);
  });

  it('matches every operation with "*", and makes an OUTAGE cover all of them always', () => {
    const plan = new FaultPlan();
    const outage = plan.add(spec({ port: 'checkpoints', operation: 'load', kind: 'OUTAGE', probability: 0.01 }), 0, 'ops');
    expect(outage).toMatchObject({ operation: '*', probability: 1 });
    expect(plan.hit('checkpoints', 'save', 0, dice(0.99))).toBe(outage);
    plan.add(spec({ port: 'lineage', operation: '*', kind: 'LATENCY', latencyMs: 50 }), 0, 'ops');
    expect(plan.hit('lineage', 'traverse', 0, dice(0))).toMatchObject({ kind: 'LATENCY', latencyMs: 50 });
  });

  it('ends a fault when its duration is over, or when cleared', () => {
    const plan = new FaultPlan();
    const brief = plan.add(spec({ durationMs: 30_000 }), 10_000, 'ops');
    expect(brief.until).toBe(40_000);
    expect(plan.hit('aggregates', 'upsert', 39_999, dice(0))).toBe(brief);
    expect(plan.hit('aggregates', 'upsert', 40_000, dice(0))).toBeUndefined();
    expect(plan.active(40_000)).toEqual([]);
    const lasting = plan.add(spec(), 50_000, 'ops');
    expect(plan.clear(lasting.id)).toBe(lasting);
    expect(plan.clear(lasting.id)).toBeUndefined();
    expect(plan.hit('aggregates', 'upsert', 50_001, dice(0))).toBeUndefined();
  });

  it('puts partial writes and corruption only where they mean something', () => {
    const plan = new FaultPlan();
    const partial = plan.add(spec({ port: 'eventLog', operation: '*', kind: 'PARTIAL_WRITE' }), 0, 'ops');
    expect(plan.hit('eventLog', 'read', 0, dice(0))).toBeUndefined();
    expect(plan.hit('eventLog', 'append', 0, dice(0))).toBe(partial);
    expect(() => plan.add(spec({ port: 'checkpoints', operation: 'save', kind: 'PARTIAL_WRITE' }), 0, 'ops')).toThrow(
      /PARTIAL_WRITE applies to no operation of this port; got checkpoints.save/,
    );
    expect(() => plan.add(spec({ port: 'aggregates', operation: 'upsert', kind: 'CORRUPT' }), 0, 'ops')).toThrow(/CORRUPT applies to no operation of this port/);
    expect(() => plan.add(spec({ port: 'eventLog', operation: 'topics', kind: 'CORRUPT' }), 0, 'ops')).toThrow(
      /CORRUPT applies to eventLog.append, eventLog.read, eventLog.consume; got eventLog.topics/,
    );
  });

  it('refuses faults that name nothing real, with the field and the rule', () => {
    const plan = new FaultPlan();
    const refused = (overrides: Partial<FaultSpec>) => {
      try {
        plan.add(spec(overrides), 0, 'ops');
        return 'accepted';
      } catch (error) {
        return `${(error as { path: string }).path}: ${(error as Error).message}`;
      }
    };
    expect(refused({ port: 'disk' as FaultSpec['port'] })).toBe('port: port must be one of eventLog, aggregates, checkpoints, lineage, live; got "disk"');
    expect(refused({ operation: 'drop' })).toBe('operation: operation must be "*" or one of aggregates\'s: migrate, upsert, query, recordLate, lateEvents; got "drop"');
    expect(refused({ probability: 0 })).toBe('probability: probability must be above 0 and at most 1; got 0');
    expect(refused({ probability: 1.5 })).toMatch(/^probability:/);
    expect(refused({ kind: 'LATENCY' })).toBe('latency: a LATENCY fault needs a latency from 1 ms to 10 minutes; got 0 ms');
    expect(refused({ durationMs: -5 })).toMatch(/^duration:/);
    expect(plan.active(0)).toEqual([]);
  });
});
