// The GraphQL documents the dashboard sends: loaded from the gateway's /operations/, which serves
// schema/operations/ — the same files the CLI and tests are typed from. The whole document is sent
// with the name of the operation to run.

import { OPERATION_NAMES } from './operation-names.js';

const files = [...new Set(Object.values(OPERATION_NAMES).map(([file]) => file))];
const texts = Object.fromEntries(
  await Promise.all(
    files.map(async (file) => {
      const response = await fetch(`/operations/${file}`);
      if (!response.ok) throw new Error(`cannot load /operations/${file}: HTTP ${response.status}`);
      return [file, await response.text()];
    }),
  ),
);

const operation = ([file, operationName]) => Object.freeze({ query: texts[file], operationName });

export const STREAMS = operation(OPERATION_NAMES.STREAMS);
export const VIEWS = operation(OPERATION_NAMES.VIEWS);
export const VIEW_AGGREGATES = operation(OPERATION_NAMES.VIEW_AGGREGATES);
export const VIEW_UPDATES = operation(OPERATION_NAMES.VIEW_UPDATES);
export const LINEAGE = operation(OPERATION_NAMES.LINEAGE);
export const QUARANTINE = operation(OPERATION_NAMES.QUARANTINE);
