// docker/ cannot run here (no Docker engine on these machines), so its files are checked against the
// code instead: every setting the compose file gives the gateway exists and parses, services it names
// exist with matching credentials, images are pinned, and ports bind to loopback.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_NAMES, loadConfig } from '../../src/config/config';

const root = path.resolve(__dirname, '..', '..');
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
}
const compose = parse(readFileSync(path.join(root, 'docker', 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const gatewayEnv = compose.services.gateway.environment ?? {};

describe('docker/docker-compose.yml', () => {
  it('gives the gateway only settings Tributary knows, and they parse', () => {
    const known = new Set(Object.values(ENV_NAMES));
    for (const name of Object.keys(gatewayEnv)) expect(known, `${name} is not a Tributary setting`).toContain(name);
    const config = loadConfig({}, gatewayEnv);
    expect(config).toMatchObject({ aggregates: 'clickhouse', lineage: 'neo4j', host: '0.0.0.0' });
  });

  it('points the gateway at services of the file, with the credentials those services are given', () => {
    const config = loadConfig({}, gatewayEnv);
    const clickhouse = new URL(config.clickhouseUrl);
    expect(Object.keys(compose.services)).toContain(clickhouse.hostname);
    expect(compose.services[clickhouse.hostname].environment).toMatchObject({
      CLICKHOUSE_USER: config.clickhouseUser,
      CLICKHOUSE_PASSWORD: config.clickhousePassword,
    });
    const neo4j = new URL(config.neo4jUrl);
    expect(neo4j.protocol).toBe('bolt:');
    expect(Object.keys(compose.services)).toContain(neo4j.hostname);
    expect(compose.services[neo4j.hostname].environment?.NEO4J_AUTH).toBe(`${config.neo4jUser}/${config.neo4jPassword}`);
  });

  it('pins every image to a version: a ClickHouse release and Neo4j 5', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/:\d+(\.\d+)+/);
    }
    expect(compose.services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    expect(compose.services.neo4j.image).toMatch(/^neo4j:5\./);
  });

  it('publishes ports on loopback only, the gateway on the port it listens on', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    expect(compose.services.gateway.ports).toContain(`127.0.0.1:4000:${loadConfig({}, gatewayEnv).port}`);
  });

  it('builds the gateway from a Dockerfile that ships what the code looks for at run time', () => {
    const { build } = compose.services.gateway;
    const dockerfile = readFileSync(path.resolve(root, 'docker', build!.context, build!.dockerfile), 'utf8');
    for (const shipped of ['migrations', 'schema', 'web', 'dist', 'node_modules', 'package.json']) {
      expect(dockerfile).toMatch(new RegExp(`^COPY .*\\b${shipped}\\b`, 'm'));
    }
    expect(dockerfile).toMatch(/^FROM node:20/m);
  });
});
