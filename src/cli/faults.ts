// `tributary fault inject|list|clear`: fault injection from the command line, through the same
// GraphQL operations as any client (schema/operations/faults.graphql).

import { bearer, GraphQLClient } from '../client/graphql-client';
import { ClearFaultDocument, ClearFaultsDocument, FaultsDocument, InjectFaultDocument, type FaultFieldsFragment, type FaultInput } from '../client/generated/graphql';

export interface FaultCliOptions {
  url: string;
  apiKey?: string;
}

function describe(fault: FaultFieldsFragment): string {
  const odds = fault.probability === 1 ? '' : ` p=${fault.probability}`;
  const latency = fault.latency ? ` ${fault.latency}` : '';
  const until = fault.until ? ` until ${fault.until}` : ' until cleared';
  return `${fault.id}  ${fault.kind}${latency} on ${fault.port}.${fault.operation}${odds}${until}, ${fault.hits} hits (by ${fault.createdBy})`;
}

const clientFor = (options: FaultCliOptions) => new GraphQLClient(options.url, { producer: 'tributary-cli', headers: bearer(options.apiKey) });

export async function injectFault(input: FaultInput, options: FaultCliOptions): Promise<string> {
  const { injectFault } = await clientFor(options).request(InjectFaultDocument, { input });
  return describe(injectFault);
}

export async function listFaults(options: FaultCliOptions): Promise<string> {
  const { faults } = await clientFor(options).request(FaultsDocument, {});
  return faults.length === 0 ? 'no faults active' : faults.map(describe).join('\n');
}

export async function clearFaults(id: string | undefined, options: FaultCliOptions): Promise<string> {
  const client = clientFor(options);
  const cleared = id === undefined ? (await client.request(ClearFaultsDocument, {})).clearFaults : [(await client.request(ClearFaultDocument, { id })).clearFault];
  return cleared.length === 0 ? 'no faults were active' : cleared.map((fault) => `cleared ${describe(fault)}`).join('\n');
}
