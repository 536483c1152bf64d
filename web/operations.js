// Copies of the documents in schema/operations/ that the dashboard sends. The gateway serves only
// web/, so they are repeated here; test/browser/dashboard.test.ts fails as soon as a copy drifts.

export const OPERATION_FILES = {
  'aggregates.graphql': `query ViewAggregates($view: String!, $from: DateTime, $to: DateTime, $limit: Int) {
  viewAggregates(view: $view, from: $from, to: $to, limit: $limit) {
    view
    windowStart
    windowEnd
    key
    values
    eventCount
    final
    revision
  }
}

subscription ViewUpdates($view: String!) {
  viewUpdates(view: $view) {
    view
    windowStart
    windowEnd
    key
    values
    eventCount
    final
    revision
  }
}
`,
  'lineage.graphql': `query Lineage($node: String!, $direction: LineageDirection, $depth: Int) {
  lineage(node: $node, direction: $direction, depth: $depth) {
    nodes {
      id
      kind
      name
      properties
    }
    edges {
      from
      to
      kind
      properties
    }
  }
}
`,
  'quarantine.graphql': `query Quarantine($stream: String!, $limit: Int) {
  quarantine(stream: $stream, limit: $limit) {
    offset
    index
    code
    message
    path
    producer
    receivedAt
    event
    truncated
  }
}
`,
  'streams.graphql': `mutation CreateStream($input: CreateStreamInput!) {
  createStream(input: $input) {
    name
    description
    timestampField
    watermarkDelay
    createdAt
  }
}

query Streams {
  streams {
    name
    description
    timestampField
    watermarkDelay
    eventCount
    quarantinedCount
    views {
      name
    }
  }
}
`,
  'views.graphql': `mutation CreateView($input: CreateViewInput!) {
  createView(input: $input) {
    name
    stream
    window
    hop
    groupBy
    measures {
      name
      fn
      field
    }
  }
}

query Views($stream: String) {
  views(stream: $stream) {
    name
    stream
    description
    window
    hop
    groupBy
    measures {
      name
      fn
      field
    }
    progress {
      processedEvents
      watermark
      lateEvents
      openWindows
    }
  }
}
`,
};

/** One operation of a file: the whole document is sent, with the name of the operation to run. */
const operation = (file, operationName) => Object.freeze({ query: OPERATION_FILES[file], operationName });

export const STREAMS = operation('streams.graphql', 'Streams');
export const VIEWS = operation('views.graphql', 'Views');
export const VIEW_AGGREGATES = operation('aggregates.graphql', 'ViewAggregates');
export const VIEW_UPDATES = operation('aggregates.graphql', 'ViewUpdates');
export const LINEAGE = operation('lineage.graphql', 'Lineage');
export const QUARANTINE = operation('quarantine.graphql', 'Quarantine');
