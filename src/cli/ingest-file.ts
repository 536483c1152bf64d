// `tributary ingest <stream> <file.ndjson>`: streams a file to the gateway in batches, with a
// progress bar on a terminal and a summary at the end. Lines that are not JSON are reported with
// their line numbers and not sent.

import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import { bearer, GraphQLClient } from '../client/graphql-client';
import { IngestDocument } from '../client/generated/graphql';

export interface IngestFileOptions {
  stream: string;
  file: string;
  url: string;
  batchSize: number;
  producer: string;
  /** API key for a gateway that requires one. */
  apiKey?: string;
  out?: NodeJS.WritableStream;
}

export interface IngestFileSummary {
  sent: number;
  accepted: number;
  rejected: number;
  unparseable: number;
  seconds: number;
}

const SHOWN_PROBLEMS = 10;

export async function ingestFile(options: IngestFileOptions): Promise<IngestFileSummary> {
  const out = options.out ?? process.stderr;
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new Error(`--batch-size must be a positive integer; got ${options.batchSize}`);
  const client = new GraphQLClient(options.url, { producer: options.producer, headers: bearer(options.apiKey) });
  const fromStdin = options.file === '-';
  const totalBytes = fromStdin ? 0 : statSync(options.file).size;
  const input = fromStdin ? process.stdin : createReadStream(options.file);
  const bar = process.stderr.isTTY && !fromStdin ? new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} bytes | {events} events | {eta}s left' }) : undefined;
  bar?.start(totalBytes, 0, { events: 0 });

  const started = Date.now();
  const summary: IngestFileSummary = { sent: 0, accepted: 0, rejected: 0, unparseable: 0, seconds: 0 };
  const problems: string[] = [];
  let batch: unknown[] = [];
  let batchLines: number[] = [];
  let bytes = 0;
  let lineNumber = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const { ingest } = await client.request(IngestDocument, { stream: options.stream, events: batch });
    summary.sent += batch.length;
    summary.accepted += ingest.accepted;
    summary.rejected += ingest.rejected;
    for (const error of ingest.errors) {
      if (problems.length < SHOWN_PROBLEMS) problems.push(`line ${batchLines[error.index]}: ${error.code} ${error.message}`);
    }
    batch = [];
    batchLines = [];
    bar?.update(bytes, { events: summary.sent });
    if (!bar && summary.sent % (options.batchSize * 10) === 0) out.write(`  sent ${summary.sent} events\n`);
  };

  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber += 1;
    bytes += Buffer.byteLength(line) + 1;
    if (line.trim() === '') continue;
    try {
      batch.push(JSON.parse(line));
      batchLines.push(lineNumber);
    } catch {
      summary.unparseable += 1;
      if (problems.length < SHOWN_PROBLEMS) problems.push(`line ${lineNumber}: not valid JSON (not sent)`);
      continue;
    }
    if (batch.length >= options.batchSize) await flush();
  }
  await flush();
  bar?.update(totalBytes, { events: summary.sent });
  bar?.stop();
  summary.seconds = (Date.now() - started) / 1000;

  const rate = summary.seconds > 0 ? Math.round(summary.sent / summary.seconds) : summary.sent;
  out.write(
    `${options.stream}: sent ${summary.sent} events in ${summary.seconds.toFixed(1)}s (${rate}/s): ` +
      `${summary.accepted} accepted, ${summary.rejected} rejected (kept in quarantine), ${summary.unparseable} lines not JSON\n`,
  );
  for (const problem of problems) out.write(`  ${problem}\n`);
  if (summary.rejected + summary.unparseable > problems.length) out.write(`  … and ${summary.rejected + summary.unparseable - problems.length} more\n`);
  return summary;
}
