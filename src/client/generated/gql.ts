/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query ViewAggregates($view: String!, $from: DateTime, $to: DateTime, $limit: Int) {\n  viewAggregates(view: $view, from: $from, to: $to, limit: $limit) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}\n\nsubscription ViewUpdates($view: String!) {\n  viewUpdates(view: $view) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}": typeof types.ViewAggregatesDocument,
    "mutation Ingest($stream: String!, $events: [JSON!]!, $schemaVersion: Int) {\n  ingest(stream: $stream, events: $events, schemaVersion: $schemaVersion) {\n    accepted\n    rejected\n    eventIds\n    errors {\n      index\n      code\n      message\n      path\n    }\n  }\n}": typeof types.IngestDocument,
    "query Lineage($node: String!, $direction: LineageDirection, $depth: Int) {\n  lineage(node: $node, direction: $direction, depth: $depth) {\n    nodes {\n      id\n      kind\n      name\n      properties\n    }\n    edges {\n      from\n      to\n      kind\n      properties\n    }\n  }\n}": typeof types.LineageDocument,
    "query Quarantine($stream: String!, $limit: Int) {\n  quarantine(stream: $stream, limit: $limit) {\n    offset\n    index\n    code\n    message\n    path\n    producer\n    receivedAt\n    event\n    truncated\n  }\n}": typeof types.QuarantineDocument,
    "mutation CreateStream($input: CreateStreamInput!) {\n  createStream(input: $input) {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    createdAt\n  }\n}\n\nquery Streams {\n  streams {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    eventCount\n    quarantinedCount\n    views {\n      name\n    }\n  }\n}": typeof types.CreateStreamDocument,
    "mutation CreateView($input: CreateViewInput!) {\n  createView(input: $input) {\n    name\n    stream\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n  }\n}\n\nquery Views($stream: String) {\n  views(stream: $stream) {\n    name\n    stream\n    description\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n    progress {\n      processedEvents\n      watermark\n      lateEvents\n      openWindows\n    }\n  }\n}": typeof types.CreateViewDocument,
};
const documents: Documents = {
    "query ViewAggregates($view: String!, $from: DateTime, $to: DateTime, $limit: Int) {\n  viewAggregates(view: $view, from: $from, to: $to, limit: $limit) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}\n\nsubscription ViewUpdates($view: String!) {\n  viewUpdates(view: $view) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}": types.ViewAggregatesDocument,
    "mutation Ingest($stream: String!, $events: [JSON!]!, $schemaVersion: Int) {\n  ingest(stream: $stream, events: $events, schemaVersion: $schemaVersion) {\n    accepted\n    rejected\n    eventIds\n    errors {\n      index\n      code\n      message\n      path\n    }\n  }\n}": types.IngestDocument,
    "query Lineage($node: String!, $direction: LineageDirection, $depth: Int) {\n  lineage(node: $node, direction: $direction, depth: $depth) {\n    nodes {\n      id\n      kind\n      name\n      properties\n    }\n    edges {\n      from\n      to\n      kind\n      properties\n    }\n  }\n}": types.LineageDocument,
    "query Quarantine($stream: String!, $limit: Int) {\n  quarantine(stream: $stream, limit: $limit) {\n    offset\n    index\n    code\n    message\n    path\n    producer\n    receivedAt\n    event\n    truncated\n  }\n}": types.QuarantineDocument,
    "mutation CreateStream($input: CreateStreamInput!) {\n  createStream(input: $input) {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    createdAt\n  }\n}\n\nquery Streams {\n  streams {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    eventCount\n    quarantinedCount\n    views {\n      name\n    }\n  }\n}": types.CreateStreamDocument,
    "mutation CreateView($input: CreateViewInput!) {\n  createView(input: $input) {\n    name\n    stream\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n  }\n}\n\nquery Views($stream: String) {\n  views(stream: $stream) {\n    name\n    stream\n    description\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n    progress {\n      processedEvents\n      watermark\n      lateEvents\n      openWindows\n    }\n  }\n}": types.CreateViewDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ViewAggregates($view: String!, $from: DateTime, $to: DateTime, $limit: Int) {\n  viewAggregates(view: $view, from: $from, to: $to, limit: $limit) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}\n\nsubscription ViewUpdates($view: String!) {\n  viewUpdates(view: $view) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}"): (typeof documents)["query ViewAggregates($view: String!, $from: DateTime, $to: DateTime, $limit: Int) {\n  viewAggregates(view: $view, from: $from, to: $to, limit: $limit) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}\n\nsubscription ViewUpdates($view: String!) {\n  viewUpdates(view: $view) {\n    view\n    windowStart\n    windowEnd\n    key\n    values\n    eventCount\n    final\n    revision\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Ingest($stream: String!, $events: [JSON!]!, $schemaVersion: Int) {\n  ingest(stream: $stream, events: $events, schemaVersion: $schemaVersion) {\n    accepted\n    rejected\n    eventIds\n    errors {\n      index\n      code\n      message\n      path\n    }\n  }\n}"): (typeof documents)["mutation Ingest($stream: String!, $events: [JSON!]!, $schemaVersion: Int) {\n  ingest(stream: $stream, events: $events, schemaVersion: $schemaVersion) {\n    accepted\n    rejected\n    eventIds\n    errors {\n      index\n      code\n      message\n      path\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Lineage($node: String!, $direction: LineageDirection, $depth: Int) {\n  lineage(node: $node, direction: $direction, depth: $depth) {\n    nodes {\n      id\n      kind\n      name\n      properties\n    }\n    edges {\n      from\n      to\n      kind\n      properties\n    }\n  }\n}"): (typeof documents)["query Lineage($node: String!, $direction: LineageDirection, $depth: Int) {\n  lineage(node: $node, direction: $direction, depth: $depth) {\n    nodes {\n      id\n      kind\n      name\n      properties\n    }\n    edges {\n      from\n      to\n      kind\n      properties\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Quarantine($stream: String!, $limit: Int) {\n  quarantine(stream: $stream, limit: $limit) {\n    offset\n    index\n    code\n    message\n    path\n    producer\n    receivedAt\n    event\n    truncated\n  }\n}"): (typeof documents)["query Quarantine($stream: String!, $limit: Int) {\n  quarantine(stream: $stream, limit: $limit) {\n    offset\n    index\n    code\n    message\n    path\n    producer\n    receivedAt\n    event\n    truncated\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateStream($input: CreateStreamInput!) {\n  createStream(input: $input) {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    createdAt\n  }\n}\n\nquery Streams {\n  streams {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    eventCount\n    quarantinedCount\n    views {\n      name\n    }\n  }\n}"): (typeof documents)["mutation CreateStream($input: CreateStreamInput!) {\n  createStream(input: $input) {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    createdAt\n  }\n}\n\nquery Streams {\n  streams {\n    name\n    description\n    timestampField\n    watermarkDelay\n    partitionKey\n    partitions\n    eventCount\n    quarantinedCount\n    views {\n      name\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateView($input: CreateViewInput!) {\n  createView(input: $input) {\n    name\n    stream\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n  }\n}\n\nquery Views($stream: String) {\n  views(stream: $stream) {\n    name\n    stream\n    description\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n    progress {\n      processedEvents\n      watermark\n      lateEvents\n      openWindows\n    }\n  }\n}"): (typeof documents)["mutation CreateView($input: CreateViewInput!) {\n  createView(input: $input) {\n    name\n    stream\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n  }\n}\n\nquery Views($stream: String) {\n  views(stream: $stream) {\n    name\n    stream\n    description\n    window\n    hop\n    groupBy\n    measures {\n      name\n      fn\n      field\n    }\n    progress {\n      processedEvents\n      watermark\n      lateEvents\n      openWindows\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;