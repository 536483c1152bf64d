// Kills a process that is appending to the embedded event log with SIGKILL, mid-stream, and checks
// that every acknowledged record survives intact and no batch is ever half-written. Every batch has
// a shape of its own, so kills also land around the saving of new shared structures.

import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmdbEventLog } from '../../src/adapters/embedded/lmdb-event-log';
import { openLmdbRoot } from '../../src/adapters/embedded/lmdb-root';
import { tempDir } from '../helpers/temp-dir';

const DIST = path.resolve(__dirname, '..', '..', 'dist', 'src', 'adapters', 'embedded');
const TOPIC = 'events.kill_test';
const ROUNDS = 6;
const PAD = 'x'.repeat(2_000);

interface Ack {
  batch: number;
  base: number;
  count: number;
}

interface Row {
  [shape: `shape_${number}_${number}`]: number;
  writer: number;
  batch: number;
  i: number;
  size: number;
  pad: string;
}

/**
 * Appends batches of varying size from four concurrent writers, printing each ack. With a nonzero
 * `selfKillAt` the writer SIGKILLs itself the instant it has printed that many acks: the harshest
 * moment, when the batches acked last have only just been reported durable.
 */
const WRITER_SCRIPT = `
const { openLmdbRoot } = require(${JSON.stringify(path.join(DIST, 'lmdb-root.js'))});
const { LmdbEventLog } = require(${JSON.stringify(path.join(DIST, 'lmdb-event-log.js'))});
const [dataDir, topic, writer, selfKillAt] = process.argv.slice(2);
let acks = 0;
const log = new LmdbEventLog(openLmdbRoot(dataDir));
let next = 0;
async function writeForever() {
  for (;;) {
    const batch = next++;
    const size = 20 + (batch % 9) * 40;
    // A field named for the batch: every batch brings a new shape, so a new shared structure is saved just before it.
    const values = Array.from({ length: size }, (_, i) => ({ writer: Number(writer), batch, i, size, pad: ${JSON.stringify(PAD)}, ['shape_' + writer + '_' + batch]: batch }));
    const ack = await log.append(topic, values);
    process.stdout.write(JSON.stringify({ batch, base: ack.baseOffset, count: ack.count }) + '\\n');
    if (++acks === Number(selfKillAt)) process.kill(process.pid, 'SIGKILL');
  }
}
for (let w = 0; w < 4; w++) writeForever().catch((e) => { console.error(e); process.exit(1); });
`;

/** Runs one writer until it has acknowledged `acks` batches and is SIGKILLed; returns the acks. */
function runAndKill(script: string, dataDir: string, writer: number, acks: number, selfKill: boolean): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const args = [script, dataDir, TOPIC, String(writer), String(selfKill ? acks : 0)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: Ack[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      // An ack is only counted once its whole line arrived: a line cut by the kill was never promised.
      for (const line of lines) if (line) seen.push(JSON.parse(line) as Ack);
      if (!killed && seen.length >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    // 'close', not 'exit': the acks printed just before the kill must have been read.
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL' && (killed || selfKill)) resolve(seen);
      else reject(new Error(`writer exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

/**
 * Everything wrong with the log after a crash: offsets must be gapless from 0, every acknowledged
 * batch complete where its ack put it, and every other batch (in flight at the kill) whole or absent.
 */
function problemsIn(records: { offset: number; value: Row }[], acked: (Ack & { writer: number })[]): string[] {
  const problems: string[] = [];
  records.forEach((record, n) => {
    if (record.offset !== n) problems.push(`record ${n} has offset ${record.offset}`);
    if (record.value.pad !== PAD || record.value[`shape_${record.value.writer}_${record.value.batch}`] !== record.value.batch) problems.push(`record ${n} is damaged: ${JSON.stringify({ ...record.value, pad: record.value.pad?.length })}`);
  });
  for (const ack of acked) {
    for (let i = 0; i < ack.count; i++) {
      const row = records[ack.base + i]?.value;
      if (row?.writer !== ack.writer || row.batch !== ack.batch || row.i !== i || row.size !== ack.count) {
        problems.push(`acknowledged batch ${ack.writer}/${ack.batch} lacks row ${i} at offset ${ack.base + i}`);
        break;
      }
    }
  }
  for (let n = 0; n < records.length; ) {
    const { writer, batch, size } = records[n].value;
    for (let i = 0; i < size; i++) {
      const row = records[n + i]?.value;
      if (row?.writer !== writer || row.batch !== batch || row.i !== i) {
        problems.push(`batch ${writer}/${batch} starting at offset ${n} is partial (row ${i} missing)`);
        return problems;
      }
    }
    n += size;
  }
  return problems;
}

describe('embedded event log under kill -9', () => {
  const dir = tempDir('tributary-lmdb-kill-');

  it('keeps every acknowledged record and never half a batch, across repeated kills', async () => {
    expect(existsSync(path.join(DIST, 'lmdb-event-log.js')), `build first: ${DIST} is missing`).toBe(true);
    const dataDir = path.join(dir, 'data');
    const script = path.join(dir, 'writer.cjs');
    writeFileSync(script, WRITER_SCRIPT);

    const acked: (Ack & { writer: number })[] = [];
    // Several short rounds, so kills land at different points of a commit; every other round the
    // writer kills itself right after an ack instead of waiting for this process to react.
    for (let writer = 0; writer < ROUNDS; writer++) {
      const acks = await runAndKill(script, dataDir, writer, 10 + writer * 5, writer % 2 === 1);
      acked.push(...acks.map((ack) => ({ ...ack, writer })));

      const root = openLmdbRoot(dataDir);
      const log = new LmdbEventLog(root);
      try {
        const end = await log.endOffset(TOPIC);
        const records = await log.read<Row>(TOPIC, 0, end + 1);
        expect(records).toHaveLength(end);
        expect(problemsIn(records, acked).join('\n')).toBe('');
        // The log stays writable where it left off.
        expect(await log.append(TOPIC, [{ writer: -1, batch: -1, i: 0, size: 1, pad: PAD, 'shape_-1_-1': -1 }])).toEqual({ baseOffset: end, count: 1 });
      } finally {
        await log.close();
        await root.close();
      }
    }
    expect(acked.length).toBeGreaterThanOrEqual(10 * ROUNDS);
  });
});
