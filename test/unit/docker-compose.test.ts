// docker/ cannot run here (no Docker engine on these machines), so its files are checked against the
// code and against each other instead: every setting a gateway is given exists and parses to the
// production adapters, the services they name exist with matching credentials and listeners, nginx
// fronts both gateways and passes WebSocket upgrades, images are pinned, and ports bind to loopback.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_NAMES, loadConfig, type Config } from '../../src/config/config';

const root = path.resolve(__dirname, '..', '..');
const dockerDir = path.join(root, 'docker');
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}
// Compose resolves `<<` merge keys, so the test must too.
const compose = parse(readFileSync(path.join(dockerDir, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const GATEWAYS = ['gateway-a', 'gateway-b'];
const envOf = (name: string): Record<string, string> => services[name]?.environment ?? {};
const configOf = (name: string): Config => loadConfig({}, envOf(name));

/** `NAME://host:port,...` as in KAFKA_LISTENERS and KAFKA_ADVERTISED_LISTENERS. */
function listeners(value: string | undefined): Map<string, { host: string; port: string }> {
  const found = new Map<string, { host: string; port: string }>();
  for (const entry of (value ?? '').split(',')) {
    const match = /^([A-Z_]+):\/\/([^:]*):(\d+)$/.exec(entry.trim());
    if (match) found.set(match[1], { host: match[2], port: match[3] });
  }
  return found;
}

const kafka = services.kafka ?? {};
const kafkaEnv = kafka.environment ?? {};
const bound = listeners(kafkaEnv.KAFKA_LISTENERS);
const advertised = listeners(kafkaEnv.KAFKA_ADVERTISED_LISTENERS);

/** The nginx config the compose file mounts, with comments removed. */
const nginx = (() => {
  const mount = (services.nginx?.volumes ?? []).find((volume) => volume.split(':')[1] === '/etc/nginx/conf.d/default.conf');
  const file = mount === undefined ? '' : path.resolve(dockerDir, mount.split(':')[0]);
  const text = existsSync(file) ? readFileSync(file, 'utf8').replace(/#.*$/gm, '') : '';
  const args = (body: string, directive: string): string[] =>
    [...body.matchAll(new RegExp(`(?:^|[;{}\\s])${directive}\\s+([^;]+);`, 'g'))].map((match) => match[1].trim());
  const block = (kind: string, name: string): string =>
    new RegExp(`${kind}\\s+${name.replace(/[/.]/g, '\\$&')}\\s*\\{([^}]*)\\}`).exec(text)?.[1] ?? '';
  // The prefix location that serves /graphql, as nginx picks it: the longest matching prefix.
  const prefixes = [...text.matchAll(/location\s+(\/\S*)\s*\{/g)].map((match) => match[1]).filter((prefix) => '/graphql'.startsWith(prefix));
  const graphql = block('location', prefixes.sort((a, b) => b.length - a.length)[0] ?? '(none)');
  return { file, text, args, block, graphql, listen: args(text, 'listen')[0] ?? '' };
})();

/** An nginx time such as `90s` or `1h`, in seconds. */
function seconds(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!match) return Number.NaN;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? 's']!;
  return Number(match[1]) * unit;
}

/** An nginx size such as `32m`, in bytes. */
function bytes(value: string): number {
  const match = /^(\d+)([kKmMgG])?$/.exec(value);
  if (!match) return Number.NaN;
  return Number(match[1]) * 1024 ** ' kmg'.indexOf((match[2] ?? ' ').toLowerCase());
}

describe('docker/docker-compose.yml', () => {
  it('runs two gateway instances from the Dockerfile, each on its own volume, once the stores are healthy', () => {
    const volumes = new Set<string>();
    for (const name of GATEWAYS) {
      const gateway = services[name];
      expect(gateway, `service ${name}`).toBeDefined();
      expect(gateway.build?.dockerfile).toBe('docker/Dockerfile');
      for (const store of ['kafka', 'clickhouse', 'neo4j']) {
        expect(gateway.depends_on?.[store], `${name} waits for ${store}`).toEqual({ condition: 'service_healthy' });
      }
      const dataVolume = (gateway.volumes ?? []).find((volume) => volume.endsWith(`:${configOf(name).dataDir}`));
      expect(dataVolume, `${name} mounts a volume at its data directory`).toBeDefined();
      volumes.add(dataVolume!.split(':')[0]);
    }
    expect(volumes.size).toBe(GATEWAYS.length);
  });

  it('gives the gateways only settings Tributary knows, and they pick Kafka, ClickHouse and Neo4j', () => {
    const known = new Set(Object.values(ENV_NAMES));
    for (const name of GATEWAYS) {
      for (const setting of Object.keys(envOf(name))) expect(known, `${name}: ${setting} is not a Tributary setting`).toContain(setting);
      expect(configOf(name)).toMatchObject({
        profile: 'production',
        eventLog: 'kafka',
        aggregates: 'clickhouse',
        lineage: 'neo4j',
        host: '0.0.0.0',
      });
    }
  });

  it('has the gateways agree on everything but their Kafka client id, so they form one deployment', () => {
    const [first, ...others] = GATEWAYS.map((name) => ({ ...configOf(name), kafkaClientId: '' }));
    for (const other of others) expect(other).toEqual(first);
  });

  it('points the gateways at the Kafka listener meant for containers', () => {
    const internal = advertised.get(kafkaEnv.KAFKA_INTER_BROKER_LISTENER_NAME);
    expect(internal, 'the inter-broker listener is advertised').toBeDefined();
    expect(services[internal!.host]?.image).toMatch(/^apache\/kafka:/);
    expect(bound.get(kafkaEnv.KAFKA_INTER_BROKER_LISTENER_NAME)?.port).toBe(internal!.port);
    for (const name of GATEWAYS) expect(configOf(name).kafkaBrokers).toEqual([`${internal!.host}:${internal!.port}`]);
  });

  it('points the gateways at ClickHouse and Neo4j of the file, with the credentials those services are given', () => {
    for (const name of GATEWAYS) {
      const config = configOf(name);
      const clickhouse = new URL(config.clickhouseUrl);
      expect(services[clickhouse.hostname]?.environment).toMatchObject({
        CLICKHOUSE_USER: config.clickhouseUser,
        CLICKHOUSE_PASSWORD: config.clickhousePassword,
      });
      const neo4j = new URL(config.neo4jUrl);
      expect(neo4j.protocol).toBe('bolt:');
      expect(services[neo4j.hostname]?.environment?.NEO4J_AUTH).toBe(`${config.neo4jUser}/${config.neo4jPassword}`);
    }
  });

  it('runs Kafka 3.9.1 as one KRaft node, broker and controller at once', () => {
    expect(kafka.image).toBe('apache/kafka:3.9.1');
    expect(kafkaEnv.KAFKA_PROCESS_ROLES?.split(',').sort()).toEqual(['broker', 'controller']);
    expect(kafkaEnv).not.toHaveProperty('KAFKA_ZOOKEEPER_CONNECT');
    const controller = bound.get(kafkaEnv.KAFKA_CONTROLLER_LISTENER_NAMES);
    expect(controller, 'the controller listener is bound').toBeDefined();
    expect(kafkaEnv.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${kafkaEnv.KAFKA_NODE_ID}@kafka:${controller!.port}`);
    expect(Buffer.from(kafkaEnv.CLUSTER_ID ?? '', 'base64url')).toHaveLength(16);
    expect(kafkaEnv).toMatchObject({
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    });
    const internalPort = bound.get(kafkaEnv.KAFKA_INTER_BROKER_LISTENER_NAME)?.port;
    expect(kafka.healthcheck?.test.join(' ')).toContain(`kafka-broker-api-versions.sh --bootstrap-server localhost:${internalPort}`);
  });

  it('lets the host reach Kafka through a listener advertised on the loopback port it is published on', () => {
    const forHost = [...advertised].find(([, address]) => address.host === '127.0.0.1');
    expect(forHost, 'a listener advertised on 127.0.0.1').toBeDefined();
    const [listener, address] = forHost!;
    expect(kafka.ports).toContain(`127.0.0.1:${address.port}:${bound.get(listener)?.port}`);
  });

  it('pins every image to a version: Kafka, a ClickHouse release, Neo4j 5 and nginx', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/:\d+(\.\d+)+/);
    }
    expect(services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    expect(services.neo4j.image).toMatch(/^neo4j:5\./);
    expect(services.nginx?.image).toMatch(/^nginx:\d+\.\d+/);
  });

  it('publishes ports on loopback only, and the gateways only through nginx on 4000', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    for (const name of GATEWAYS) expect(services[name].ports, name).toBeUndefined();
    expect(services.nginx?.ports).toEqual([`127.0.0.1:4000:${nginx.listen}`]);
    for (const name of GATEWAYS) expect(services.nginx?.depends_on?.[name]).toEqual({ condition: 'service_healthy' });
  });

  it('builds the gateways from a Dockerfile that ships what the code looks for at run time', () => {
    const { build } = services[GATEWAYS[0]];
    const dockerfile = readFileSync(path.resolve(dockerDir, build!.context, build!.dockerfile), 'utf8');
    for (const shipped of ['migrations', 'schema', 'web', 'dist', 'node_modules', 'package.json']) {
      expect(dockerfile).toMatch(new RegExp(`^COPY .*\\b${shipped}\\b`, 'm'));
    }
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/readyz/m);
  });
});

describe('docker/nginx.conf', () => {
  it('is the file the nginx service mounts in place of the default server', () => {
    expect(nginx.file).toBe(path.join(dockerDir, 'nginx.conf'));
    expect(nginx.text).toMatch(/\bserver\s*\{/);
  });

  it('spreads /graphql round-robin over both gateways, at the port they listen on', () => {
    const target = /^http:\/\/([\w-]+)$/.exec(nginx.args(nginx.graphql, 'proxy_pass')[0] ?? '');
    expect(target, 'proxy_pass to an upstream group').not.toBeNull();
    const upstream = nginx.block('upstream', target![1]);
    const servers = nginx.args(upstream, 'server').map((server) => server.split(/\s+/)[0]);
    expect(servers.sort()).toEqual(GATEWAYS.map((name) => `${name}:${configOf(name).port}`).sort());
    expect(upstream).not.toMatch(/\b(ip_hash|hash|least_conn|random)\b/);
  });

  it('passes WebSocket upgrades through, so graphql-ws subscriptions work on /graphql', () => {
    const headers = new Map(nginx.args(nginx.graphql, 'proxy_set_header').map((header) => header.split(/\s+/) as [string, string]));
    expect(nginx.args(nginx.graphql, 'proxy_http_version')).toEqual(['1.1']);
    expect(headers.get('Upgrade')).toBe('$http_upgrade');
    const connection = headers.get('Connection') ?? '';
    if (connection.startsWith('$')) {
      const map = new RegExp(`map\\s+\\$http_upgrade\\s+\\${connection}\\s*\\{([^}]*)\\}`).exec(nginx.text)?.[1] ?? '';
      expect(map, `${connection} is mapped from $http_upgrade`).toMatch(/\bdefault\s+upgrade\s*;/);
    } else {
      expect(connection.toLowerCase()).toBe('upgrade');
    }
    expect(seconds(nginx.args(nginx.graphql, 'proxy_read_timeout')[0] ?? '')).toBeGreaterThanOrEqual(3600);
  });

  it('accepts request bodies as large as the gateway does', () => {
    const limit = nginx.args(nginx.text, 'client_max_body_size')[0] ?? '1m';
    expect(bytes(limit)).toBeGreaterThanOrEqual(configOf(GATEWAYS[0]).maxRequestBytes);
  });
});
