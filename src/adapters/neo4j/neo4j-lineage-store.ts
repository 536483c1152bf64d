// LineageStore on Neo4j over Bolt (neo4j-driver): nodes are :LineageNode {id, kind, name}, edges
// :LINEAGE {kind} relationships, written with MERGE in batched UNWIND statements. Cypher stays within
// what Neo4j 3.5 through 5 accept: no elementId(), no database name required.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import neo4j, { type Config, type Driver, type ManagedTransaction, type Node, type Relationship } from 'neo4j-driver';
import { shippedPath } from '../../config/package-root';
import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import type { LineageDirection, LineageEdge, LineageGraph, LineageNode, LineageNodeKind, LineageStore } from '../../ports/lineage-store';
import { checkTraversal, checkUpsertInput } from '../lineage-input';

export interface Neo4jOptions {
  url: string;
  user: string;
  password: string;
  /** Omit to use the server's default database (and on Neo4j 3.5, which has only one). */
  database?: string;
  /** Encrypt with these files (PEM paths; the driver reads them): a private CA, a client certificate and key for mutual TLS. */
  tls?: Neo4jTls;
}

export interface Neo4jTls {
  /** Without one, the server's certificate must be signed by a CA the system trusts. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The driver's settings: encryption on, trusting the given CA (else the system's), with a client certificate if given. */
export function neo4jDriverConfig(tls: Neo4jTls | undefined): Config {
  const config: Config = { disableLosslessIntegers: true };
  if (!tls) return config;
  config.encrypted = 'ENCRYPTION_ON';
  config.trust = tls.caFile ? 'TRUST_CUSTOM_CA_SIGNED_CERTIFICATES' : 'TRUST_SYSTEM_CA_SIGNED_CERTIFICATES';
  if (tls.caFile) config.trustedCertificates = [tls.caFile];
  // A provider, not the certificate itself: the driver turns a bare certificate into one only when the
  // URL's scheme turned encryption on (+s, +ssc), never when this config does.
  if (tls.certFile && tls.keyFile) {
    const certificate = { certfile: tls.certFile, keyfile: tls.keyFile };
    config.clientCertificate = { getClientCertificate: () => certificate, hasUpdate: () => false };
  }
  return config;
}

/** User properties are stored as `p.<name>` holding JSON, so any JSON value fits and `+=` merges them. */
const PROPERTY_PREFIX = 'p.';

export class Neo4jLineageStore implements LineageStore {
  private closed = false;

  private constructor(
    private readonly driver: Driver,
    private readonly database: string | undefined,
  ) {}

  /** Connects, checks the server answers, and applies migrations/neo4j in the server's dialect. */
  static async open(options: Neo4jOptions): Promise<Neo4jLineageStore> {
    const driver = neo4j.driver(options.url, neo4j.auth.basic(options.user, options.password), neo4jDriverConfig(options.tls));
    try {
      await driver.verifyConnectivity();
      const store = new Neo4jLineageStore(driver, options.database);
      await store.migrate();
      return store;
    } catch (error) {
      await driver.close();
      // Wrapped whatever it is: every failure here means the server cannot be used as configured.
      const reason = error instanceof Error ? error.message : String(error);
      throw new GatewayError('STORAGE_UNAVAILABLE', `cannot use the Neo4j server at ${options.url}: ${reason}`, { retriable: true, cause: error });
    }
  }

  async upsert(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): Promise<void> {
    this.assertOpen();
    checkUpsertInput(nodes, edges);
    await this.write(async (tx) => {
      if (nodes.length > 0) {
        await tx.run(
          'UNWIND $nodes AS n MERGE (x:LineageNode {id: n.id}) SET x.kind = n.kind, x.name = n.name SET x += n.props',
          { nodes: nodes.map((n) => ({ id: n.id, kind: n.kind, name: n.name, props: encodeProperties(n.properties) })) },
        );
      }
      if (edges.length === 0) return;
      const ends = [...new Set(edges.flatMap((e) => [e.from, e.to]))];
      const missing = await tx.run('UNWIND $ids AS id OPTIONAL MATCH (n:LineageNode {id: id}) WITH id, n WHERE n IS NULL RETURN id', { ids: ends });
      if (missing.records.length > 0) {
        const id = missing.records[0].get('id') as string;
        const i = edges.findIndex((e) => e.from === id || e.to === id);
        const end = edges[i].from === id ? 'from' : 'to';
        // Thrown inside the transaction function: the driver rolls back the nodes written above.
        throw new GatewayError('BAD_USER_INPUT', `edges[${i}].${end} names node "${id}", which does not exist`, { path: `edges[${i}].${end}` });
      }
      await tx.run(
        'UNWIND $edges AS e MATCH (a:LineageNode {id: e.from}) MATCH (b:LineageNode {id: e.to}) ' +
          'MERGE (a)-[r:LINEAGE {kind: e.kind}]->(b) SET r += e.props',
        { edges: edges.map((e) => ({ from: e.from, to: e.to, kind: e.kind, props: encodeProperties(e.properties) })) },
      );
    });
  }

  async node(id: string): Promise<LineageNode | undefined> {
    this.assertOpen();
    const result = await this.read((tx) => tx.run('MATCH (n:LineageNode {id: $id}) RETURN n', { id }));
    return result.records.length === 0 ? undefined : decodeNode(result.records[0].get('n') as Node);
  }

  async traverse(start: string, direction: LineageDirection, depth: number): Promise<LineageGraph | undefined> {
    this.assertOpen();
    checkTraversal(direction, depth);
    const first = await this.node(start);
    if (!first) return undefined;
    if (depth === 0) return { nodes: [first], edges: [] };
    // Variable-length bounds cannot be parameters; depth is a checked integer.
    const pattern = direction === 'DOWNSTREAM' ? `-[:LINEAGE*1..${depth}]->` : direction === 'UPSTREAM' ? `<-[:LINEAGE*1..${depth}]-` : `-[:LINEAGE*1..${depth}]-`;
    const result = await this.read((tx) =>
      tx.run(
        `MATCH p = (s:LineageNode {id: $id})${pattern}(m) UNWIND relationships(p) AS r ` +
          'WITH DISTINCT r RETURN startNode(r) AS a, r, endNode(r) AS b',
        { id: start },
      ),
    );
    const nodes = new Map<string, LineageNode>([[first.id, first]]);
    const edges = new Map<string, LineageEdge>();
    for (const record of result.records) {
      const from = decodeNode(record.get('a') as Node);
      const to = decodeNode(record.get('b') as Node);
      const relationship = record.get('r') as Relationship;
      nodes.set(from.id, from);
      nodes.set(to.id, to);
      const kind = String(relationship.properties.kind);
      edges.set(`${from.id}\u0000${kind}\u0000${to.id}`, { from: from.id, to: to.id, kind, properties: decodeProperties(relationship.properties) });
    }
    return {
      nodes: [...nodes.values()].sort((a, b) => compare(a.id, b.id)),
      edges: [...edges.entries()].sort(([a], [b]) => compare(a, b)).map(([, edge]) => edge),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }

  private async migrate(): Promise<void> {
    const version = await this.read(async (tx) => {
      const result = await tx.run('CALL dbms.components() YIELD versions RETURN versions[0] AS version');
      return String(result.records[0]?.get('version') ?? '5');
    });
    const [major, minor] = version.split('.').map(Number);
    const modern = major > 4 || (major === 4 && minor >= 4);
    const dir = shippedPath('migrations', 'neo4j');
    if (!dir) throw new GatewayError('INTERNAL', 'migrations/neo4j is missing from the installation');
    const files = readdirSync(dir)
      .filter((file) => file.endsWith(modern ? '.cypher' : '.legacy.cypher') && (!modern || !file.endsWith('.legacy.cypher')))
      .sort();
    for (const file of files) {
      const statement = readFileSync(path.join(dir, file), 'utf8').replace(/^\s*\/\/.*$/gm, '').trim();
      const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
      try {
        await session.run(statement);
      } catch (error) {
        // Neo4j 4.0-4.3 refuse to create a constraint that already exists; that is the goal state.
        if (!/already exists/i.test(error instanceof Error ? error.message : '')) throw error;
      } finally {
        await session.close();
      }
    }
  }

  private async write(work: (tx: ManagedTransaction) => Promise<void>): Promise<void> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      await session.executeWrite(work);
    } catch (error) {
      throw storageUnavailable('Neo4j write failed', error);
    } finally {
      await session.close();
    }
  }

  private async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
    try {
      return await session.executeRead(work);
    } catch (error) {
      throw storageUnavailable('Neo4j read failed', error);
    } finally {
      await session.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new GatewayError('SHUTTING_DOWN', 'the Neo4j lineage store is closed');
  }
}

function encodeProperties(properties: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(properties).map(([name, value]) => [`${PROPERTY_PREFIX}${name}`, JSON.stringify(value ?? null)]));
}

function decodeProperties(stored: Record<string, unknown>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(stored)) {
    if (name.startsWith(PROPERTY_PREFIX) && typeof value === 'string') properties[name.slice(PROPERTY_PREFIX.length)] = JSON.parse(value);
  }
  return properties;
}

function decodeNode(node: Node): LineageNode {
  const { id, kind, name } = node.properties as { id: string; kind: LineageNodeKind; name: string };
  return { id, kind, name, properties: decodeProperties(node.properties) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
