import { describe, expect, it } from 'vitest';
import { applyCatalogCommand, emptyCatalog } from '../../src/domain/catalog';
import { checkStreamDraft, checkViewDraft, type StreamDefinition, type ViewDefinition } from '../../src/domain/definitions';
import { formatDuration, parseDuration } from '../../src/domain/duration';

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m', 60_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['0s', 0],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '1', 'm', '1.5m', '-1m', '1 m', '1w', '1mm'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());

  it.each([
    [60_000, '1m'],
    [90_000, '90s'],
    [1_500, '1500ms'],
    [86_400_000, '1d'],
    [0, '0ms'],
  ])('formats %d as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});

describe('stream drafts', () => {
  it('accepts a plain stream', () => expect(checkStreamDraft({ name: 'orders' })).toEqual([]));

  it.each(['Orders', '1orders', 'or-ders', 'a'.repeat(64), '_meta', 'with.dot', ''])('refuses the name %j', (name) => {
    expect(checkStreamDraft({ name })).toEqual([expect.objectContaining({ path: 'name', rule: 'name' })]);
  });

  it('refuses a bad timestamp field and watermark delay, naming both', () => {
    const problems = checkStreamDraft({ name: 'orders', timestampField: 'a..b', watermarkDelay: '2 days' });
    expect(problems.map((p) => p.path)).toEqual(['timestampField', 'watermarkDelay']);
  });

  it('takes an idle timeout from "1s" up to "1d", and refuses zero or more, naming the field and the rule', () => {
    expect(checkStreamDraft({ name: 'orders', idleTimeout: '30s' })).toEqual([]);
    expect(checkStreamDraft({ name: 'orders', idleTimeout: '1d' })).toEqual([]);
    for (const idleTimeout of ['0s', '2d', 'soon']) {
      expect(checkStreamDraft({ name: 'orders', idleTimeout })).toEqual([expect.objectContaining({ path: 'idleTimeout', rule: 'duration' })]);
    }
  });

  it('accepts a partition key, partition count and replication factor in range', () => {
    expect(checkStreamDraft({ name: 'orders', partitionKey: 'customer.id', partitions: 1_024, replicationFactor: 3 })).toEqual([]);
    expect(checkStreamDraft({ name: 'orders', partitions: 1, replicationFactor: -1 })).toEqual([]);
  });

  it.each([
    [{ partitionKey: 'customer id' }, 'partitionKey', 'field-path'],
    [{ partitions: 0 }, 'partitions', 'range'],
    [{ partitions: 1_025 }, 'partitions', 'range'],
    [{ partitions: 2.5 }, 'partitions', 'range'],
    [{ replicationFactor: 0 }, 'replicationFactor', 'range'],
    [{ replicationFactor: -2 }, 'replicationFactor', 'range'],
    [{ replicationFactor: 33 }, 'replicationFactor', 'range'],
  ])('refuses %j, naming %s', (draft, path, rule) => {
    expect(checkStreamDraft({ name: 'orders', ...draft })).toEqual([expect.objectContaining({ path, rule })]);
  });
});

describe('view drafts', () => {
  const base = { name: 'per_minute', stream: 'orders', window: '1m', groupBy: ['country'], measures: [{ name: 'orders', fn: 'COUNT' as const }] };

  it('accepts a tumbling and a hopping view', () => {
    expect(checkViewDraft(base)).toEqual([]);
    expect(checkViewDraft({ ...base, window: '5m', hop: '1m' })).toEqual([]);
  });

  it('requires a field for every function but COUNT', () => {
    expect(checkViewDraft({ ...base, measures: [{ name: 'revenue', fn: 'SUM' }] })).toEqual([
      expect.objectContaining({ path: 'measures[0].field', rule: 'required' }),
    ]);
  });

  it('refuses duplicate measures, duplicate group fields, bad windows and hops', () => {
    const problems = checkViewDraft({
      ...base,
      window: '1x',
      hop: '0s',
      groupBy: ['country', 'country'],
      measures: [
        { name: 'n', fn: 'COUNT' },
        { name: 'n', fn: 'MAX', field: 'amount' },
      ],
    });
    expect(problems.map((p) => `${p.path}:${p.rule}`)).toEqual(['window:duration', 'hop:duration', 'groupBy:unique', 'measures[1].name:unique']);
  });

  it('refuses a hop longer than the window or one that makes too many windows per event', () => {
    expect(checkViewDraft({ ...base, hop: '2m' })[0]).toMatchObject({ path: 'hop', rule: 'hop-range' });
    expect(checkViewDraft({ ...base, window: '1h', hop: '1s' })[0]).toMatchObject({ path: 'hop', rule: 'hop-range' });
  });

  it('accepts session windows instead of fixed ones, and refuses both at once or a bad gap', () => {
    const { window: _window, ...sessions } = { ...base, session: '30m' };
    expect(checkViewDraft(sessions)).toEqual([]);
    expect(checkViewDraft({ ...base, session: '30m' }).map((p) => [p.path, p.rule])).toEqual([['session', 'one-window-kind']]);
    expect(checkViewDraft({ ...sessions, session: '2d' }).map((p) => [p.path, p.rule])).toEqual([['session', 'duration']]);
    const { window: _none, ...neither } = base;
    expect(checkViewDraft(neither).map((p) => [p.path, p.rule])).toEqual([['window', 'duration']]);
  });

  it('refuses a view with no measures', () => {
    expect(checkViewDraft({ ...base, measures: [] })[0]).toMatchObject({ path: 'measures', rule: 'non-empty' });
  });
});

describe('catalog state machine', () => {
  const stream: StreamDefinition = { name: 'orders', description: '', timestampField: 'ts', watermarkDelayMs: 0, createdAt: 1, createdBy: 'a' };
  const view: ViewDefinition = {
    name: 'v',
    stream: 'orders',
    description: '',
    windowMs: 60_000,
    hopMs: null,
    groupBy: [],
    measures: [{ name: 'n', fn: 'COUNT' }],
    createdAt: 2,
    createdBy: 'a',
  };

  it('first writer wins on a name conflict', () => {
    const state = emptyCatalog();
    expect(applyCatalogCommand(state, { type: 'CreateStream', stream })).toMatchObject({ ok: true });
    expect(applyCatalogCommand(state, { type: 'CreateStream', stream: { ...stream, description: 'second' } })).toMatchObject({ ok: false, code: 'ALREADY_EXISTS' });
    expect(state.streams.get('orders')?.description).toBe('');
  });

  it('refuses a view of an unknown stream, and one grouped by the timestamp field', () => {
    const state = emptyCatalog();
    expect(applyCatalogCommand(state, { type: 'CreateView', view })).toMatchObject({ ok: false, code: 'UNKNOWN_STREAM' });
    applyCatalogCommand(state, { type: 'CreateStream', stream });
    expect(applyCatalogCommand(state, { type: 'CreateView', view: { ...view, groupBy: ['ts'] } })).toMatchObject({ ok: false, path: 'groupBy' });
    expect(applyCatalogCommand(state, { type: 'CreateView', view })).toMatchObject({ ok: true, type: 'ViewCreated' });
  });
});
