#!/usr/bin/env node
// The `tributary` command: start the gateway, send a file of events, run a demo, migrate.

import { Command, Option } from 'commander';
import { loadConfig } from './config/config';
import { runDemo } from './cli/demo';
import { makeDevCertificates } from './cli/dev-certs';
import { newApiKey } from './domain/security/api-keys';
import { clearFaults, injectFault, listFaults } from './cli/faults';
import { ingestFile } from './cli/ingest-file';
import type { FaultInput } from './client/generated/graphql';
import { runMigrate, runStart } from './cli/start';

const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';

const program = new Command()
  .name('tributary')
  .description('GraphQL data-platform gateway for real-time analytics')
  .showHelpAfterError();

program
  .command('start')
  .description('start the gateway: embedded stores (LMDB + chDB) under the data directory by default')
  .option('--data-dir <dir>', 'where all data lives (env TRIBUTARY_DATA_DIR; default ./data)')
  .option('--port <port>', 'HTTP and WebSocket port (env TRIBUTARY_PORT; default 4000)')
  .option('--host <host>', 'address to listen on (env TRIBUTARY_HOST; default 127.0.0.1)')
  .addOption(new Option('--log-level <level>', 'log level (env TRIBUTARY_LOG_LEVEL)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
  .addOption(new Option('--profile <profile>', 'embedded stores, or Kafka + ClickHouse + Neo4j (env TRIBUTARY_PROFILE)').choices(['embedded', 'production']))
  .action(async (options: { dataDir?: string; port?: string; host?: string; logLevel?: string; profile?: string }) => {
    await runStart(loadConfig(options, process.env));
  });

program
  .command('migrate')
  .description('apply pending aggregate-store migrations and exit')
  .option('--data-dir <dir>', 'data directory (env TRIBUTARY_DATA_DIR; default ./data)')
  .addOption(new Option('--profile <profile>', 'embedded or production (env TRIBUTARY_PROFILE)').choices(['embedded', 'production']))
  .action(async (options: { dataDir?: string; profile?: string }) => {
    await runMigrate(loadConfig({ ...options, logLevel: 'warn' }, process.env));
  });

program
  .command('ingest')
  .description('send a newline-delimited JSON file to a stream, in batches')
  .argument('<stream>', 'stream name')
  .argument('<file>', 'NDJSON file, one event per line ("-" for standard input)')
  .option('--url <url>', 'GraphQL endpoint', DEFAULT_URL)
  .option('--batch-size <n>', 'events per request', '1000')
  .option('--producer <name>', 'producer name recorded in lineage (a gateway that requires keys uses the key\'s name)', 'tributary-cli')
  .option('--api-key <key>', 'API key (env TRIBUTARY_API_KEY)')
  .action(async (stream: string, file: string, options: { url: string; batchSize: string; producer: string; apiKey?: string }) => {
    const apiKey = options.apiKey ?? process.env.TRIBUTARY_API_KEY;
    const summary = await ingestFile({ stream, file, url: options.url, batchSize: Number(options.batchSize), producer: options.producer, apiKey });
    process.exitCode = summary.rejected > 0 || summary.unparseable > 0 ? 2 : 0;
  });

program
  .command('keygen')
  .description('print a new, random API key (for TRIBUTARY_BOOTSTRAP_ADMIN_KEY; keys for users come from createApiKey)')
  .action(() => {
    console.log(newApiKey().token);
  });

program
  .command('certs')
  .description('make certificates: `certs dev` writes a local CA, a server certificate for localhost and a client certificate')
  .argument('<kind>', 'only "dev" for now')
  .option('--out <dir>', 'where to write them', './certs')
  .action(async (kind: string, options: { out: string }) => {
    if (kind !== 'dev') throw new Error(`unknown certificate kind "${kind}"; use "dev"`);
    const files = await makeDevCertificates(options.out);
    console.log(`wrote a development CA, a server certificate (localhost, 127.0.0.1) and a client certificate to ${options.out}
  serve HTTPS and WSS:  TRIBUTARY_TLS_CERT_FILE=${files.serverCert} TRIBUTARY_TLS_KEY_FILE=${files.serverKey}
  require client certs: TRIBUTARY_TLS_CA_FILE=${files.caCert}
  try it:               curl --cacert ${files.caCert} --cert ${files.clientCert} --key ${files.clientKey} https://127.0.0.1:4000/healthz
For development only: the CA's key is next to its certificate.`);
  });

program
  .command('demo')
  .description('create an online shop\'s streams and views and send steady live traffic')
  .option('--url <url>', 'GraphQL endpoint of a running gateway', DEFAULT_URL)
  .option('--rate <eventsPerSecond>', 'events per second across both streams', '200')
  .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)')
  .option('--api-key <key>', 'API key (env TRIBUTARY_API_KEY)')
  .action(async (options: { url: string; rate: string; duration?: string; apiKey?: string }) => {
    const apiKey = options.apiKey ?? process.env.TRIBUTARY_API_KEY;
    await runDemo({ url: options.url, rate: Number(options.rate), durationSeconds: options.duration ? Number(options.duration) : undefined, apiKey });
  });

const fault = program.command('fault').description('inject failures into a running gateway started with TRIBUTARY_FAULT_INJECTION=true (admin key)');
const gatewayOptions = (command: Command) =>
  command.option('--url <url>', 'GraphQL endpoint of a running gateway', DEFAULT_URL).option('--api-key <key>', 'admin API key (env TRIBUTARY_API_KEY)');
const connection = (options: { url: string; apiKey?: string }) => ({ url: options.url, apiKey: options.apiKey ?? process.env.TRIBUTARY_API_KEY });

gatewayOptions(
  fault
    .command('inject')
    .description('inject a fault, e.g. `fault inject aggregates upsert ERROR --probability 0.5 --duration 30s`')
    .argument('<port>', 'eventLog, aggregates, checkpoints, lineage or live')
    .argument('<operation>', 'an operation of the port, or "*"')
    .argument('<kind>', 'LATENCY, ERROR, OUTAGE, PARTIAL_WRITE or CORRUPT')
    .option('--probability <p>', 'chance each call is hit', '1')
    .option('--latency <duration>', 'for LATENCY, e.g. 250ms')
    .option('--duration <duration>', 'how long it lasts, e.g. 30s (default: until cleared)'),
).action(async (port: string, operation: string, kind: string, options: { probability: string; latency?: string; duration?: string; url: string; apiKey?: string }) => {
  const input = { port, operation, kind, probability: Number(options.probability), latency: options.latency, duration: options.duration } as FaultInput;
  console.log(await injectFault(input, connection(options)));
});
gatewayOptions(fault.command('list').description('list the faults active on the gateway')).action(async (options: { url: string; apiKey?: string }) => {
  console.log(await listFaults(connection(options)));
});
gatewayOptions(fault.command('clear').description('end one fault, or all of them').argument('[id]', 'the fault to end (default: all)')).action(
  async (id: string | undefined, options: { url: string; apiKey?: string }) => {
    console.log(await clearFaults(id, connection(options)));
  },
);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tributary: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
