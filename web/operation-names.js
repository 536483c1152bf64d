// Which operation of which schema/operations/ document each dashboard request runs.

export const OPERATION_NAMES = Object.freeze({
  STREAMS: ['streams.graphql', 'Streams'],
  VIEWS: ['views.graphql', 'Views'],
  VIEW_AGGREGATES: ['aggregates.graphql', 'ViewAggregates'],
  VIEW_UPDATES: ['aggregates.graphql', 'ViewUpdates'],
  LINEAGE: ['lineage.graphql', 'Lineage'],
  QUARANTINE: ['quarantine.graphql', 'Quarantine'],
});
