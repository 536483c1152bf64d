import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig();
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', dataDir: path.resolve('./data') });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('takes flags over environment over defaults', () => {
    const config = loadConfig({ port: '5001' }, { TRIBUTARY_PORT: '5000', TRIBUTARY_DATA_DIR: '/tmp/x' });
    expect(config.port).toBe(5001);
    expect(config.dataDir).toBe('/tmp/x');
  });

  it('names the setting and where it came from when a value is wrong', () => {
    expect(() => loadConfig({}, { TRIBUTARY_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { TRIBUTARY_PORT: 'eighty' })).toThrow(/TRIBUTARY_PORT/);
    expect(() => loadConfig({ port: '70000' })).toThrow(/--port/);
  });

  it('picks every adapter from the profile, and lets each be set on its own', () => {
    expect(loadConfig()).toMatchObject({ eventLog: 'lmdb', aggregates: 'chdb', lineage: 'lmdb' });
    const production = loadConfig({ profile: 'production' }, { TRIBUTARY_KAFKA_BROKERS: 'k1:9092, k2:9092' });
    expect(production).toMatchObject({ eventLog: 'kafka', aggregates: 'clickhouse', lineage: 'neo4j', kafkaBrokers: ['k1:9092', 'k2:9092'] });
    const mixed = loadConfig({}, { TRIBUTARY_PROFILE: 'production', TRIBUTARY_LINEAGE: 'lmdb', TRIBUTARY_KAFKA_BROKERS: 'k1:9092' });
    expect(mixed).toMatchObject({ eventLog: 'kafka', aggregates: 'clickhouse', lineage: 'lmdb' });
  });

  it('refuses Kafka without brokers, naming the setting and the profile that asked for Kafka', () => {
    expect(() => loadConfig({}, { TRIBUTARY_EVENT_LOG: 'kafka' })).toThrow(/TRIBUTARY_KAFKA_BROKERS: is required when the event log is kafka/);
    expect(() => loadConfig({ profile: 'production' })).toThrow(/TRIBUTARY_KAFKA_BROKERS/);
    expect(() => loadConfig({}, { TRIBUTARY_KAFKA_BROKERS: 'localhost' })).toThrow(/TRIBUTARY_KAFKA_BROKERS: must be a comma-separated list of host:port/);
    expect(() => loadConfig({}, { TRIBUTARY_EVENT_LOG: 'pulsar' })).toThrow(/TRIBUTARY_EVENT_LOG/);
  });

  it('checks Kafka security settings that belong together', () => {
    const env = { TRIBUTARY_EVENT_LOG: 'kafka', TRIBUTARY_KAFKA_BROKERS: 'k:9093' };
    expect(() => loadConfig({}, { ...env, TRIBUTARY_KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(/TRIBUTARY_KAFKA_SASL_USERNAME: and TRIBUTARY_KAFKA_SASL_PASSWORD are required/);
    expect(() => loadConfig({}, { ...env, TRIBUTARY_KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/TRIBUTARY_KAFKA_SASL_MECHANISM/);
    expect(() => loadConfig({}, { ...env, TRIBUTARY_KAFKA_SSL_CERT_FILE: '/c.pem' })).toThrow(/must be set together/);
    expect(loadConfig({}, { ...env, TRIBUTARY_KAFKA_SSL: 'true', TRIBUTARY_KAFKA_REPLICATION_FACTOR: '3' })).toMatchObject({ kafkaSsl: true, kafkaReplicationFactor: 3 });
    expect(() => loadConfig({}, { ...env, TRIBUTARY_KAFKA_REPLICATION_FACTOR: '0' })).toThrow(/TRIBUTARY_KAFKA_REPLICATION_FACTOR: must be -1/);
  });

  it('checks the gateway\'s own TLS and query-limit settings', () => {
    expect(() => loadConfig({}, { TRIBUTARY_TLS_CERT_FILE: '/s.crt' })).toThrow(/TRIBUTARY_TLS_CERT_FILE: and TRIBUTARY_TLS_KEY_FILE must be set together/);
    expect(() => loadConfig({}, { TRIBUTARY_TLS_CA_FILE: '/ca.crt' })).toThrow(/TRIBUTARY_TLS_CA_FILE: needs TRIBUTARY_TLS_CERT_FILE/);
    expect(loadConfig({}, { TRIBUTARY_TLS_CERT_FILE: '/s.crt', TRIBUTARY_TLS_KEY_FILE: '/s.key' })).toMatchObject({ tlsCertFile: '/s.crt', tlsCaFile: '' });
    expect(() => loadConfig({}, { TRIBUTARY_MAX_QUERY_DEPTH: '0' })).toThrow(/TRIBUTARY_MAX_QUERY_DEPTH/);
    expect(loadConfig({}, { TRIBUTARY_INTROSPECTION: 'false' })).toMatchObject({ introspection: false, landingPage: true, maxQueryDepth: 20 });
    expect(loadConfig({}, { TRIBUTARY_RATE_LIMITS: 'producer=5:10' }).rateLimits).toEqual({ producer: { perSecond: 5, burst: 10 } });
    expect(() => loadConfig({}, { TRIBUTARY_RATE_LIMITS: 'producer=lots' })).toThrow(/TRIBUTARY_RATE_LIMITS: "producer=lots" is not <role>=<requests per second>:<burst>/);
    expect(loadConfig({}, {}).auth).toBe('required');
    expect(() => loadConfig({}, { TRIBUTARY_JWT_SECRET: 'short' })).toThrow(/TRIBUTARY_JWT_SECRET: must be at least 32 bytes/);
    expect(() => loadConfig({}, { TRIBUTARY_JWT_SECRET: 'x'.repeat(32), TRIBUTARY_JWT_JWKS_URL: 'https://id.example/jwks' })).toThrow(/set one of them/);
  });

  it('checks TLS settings for ClickHouse and Neo4j connections', () => {
    const https = { TRIBUTARY_CLICKHOUSE_URL: 'https://ch.example:8443' };
    expect(() => loadConfig({}, { TRIBUTARY_CLICKHOUSE_TLS_CA_FILE: '/ca.crt' })).toThrow(/TRIBUTARY_CLICKHOUSE_URL: must be an https:\/\/ URL when TRIBUTARY_CLICKHOUSE_TLS_CA_FILE is set/);
    expect(() => loadConfig({}, { ...https, TRIBUTARY_CLICKHOUSE_TLS_CERT_FILE: '/c.crt', TRIBUTARY_CLICKHOUSE_TLS_KEY_FILE: '/c.key' })).toThrow(/TRIBUTARY_CLICKHOUSE_TLS_CA_FILE: is required with TRIBUTARY_CLICKHOUSE_TLS_CERT_FILE/);
    expect(() => loadConfig({}, { ...https, TRIBUTARY_CLICKHOUSE_TLS_CA_FILE: '/ca.crt', TRIBUTARY_CLICKHOUSE_TLS_KEY_FILE: '/c.key' })).toThrow(/TRIBUTARY_CLICKHOUSE_TLS_CERT_FILE: and TRIBUTARY_CLICKHOUSE_TLS_KEY_FILE must be set together/);
    expect(loadConfig({}, { ...https, TRIBUTARY_CLICKHOUSE_TLS_CA_FILE: '/ca.crt' })).toMatchObject({ clickhouseTlsCaFile: '/ca.crt', clickhouseTlsCertFile: '' });
    expect(() => loadConfig({}, { TRIBUTARY_NEO4J_URL: 'bolt+ssc://db:7687', TRIBUTARY_NEO4J_TLS_CERT_FILE: '/c.crt', TRIBUTARY_NEO4J_TLS_KEY_FILE: '/c.key' })).toThrow(/TRIBUTARY_NEO4J_URL: has a \+s or \+ssc scheme/);
    expect(loadConfig({}, { TRIBUTARY_NEO4J_URL: 'neo4j+s://db:7687' }).neo4jUrl).toBe('neo4j+s://db:7687');
  });
});
