// The console's only way to the gateway: its public GraphQL API, over HTTP and graphql-ws.
import { createClient } from 'graphql-ws';

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/** One GraphQL request with the user's key; GraphQL errors become an ApiError with the first code. */
export async function request(key, query, variables = {}) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => ({}));
  if (body.errors?.length) throw new ApiError(body.errors.map((error) => error.message).join('; '), body.errors[0].extensions?.code);
  if (!response.ok || !body.data) throw new ApiError(`HTTP ${response.status}`, 'HTTP');
  return body.data;
}

/** A graphql-ws client for the key (browsers cannot set headers on a WebSocket: connectionParams). */
export function wsClient(key) {
  return createClient({
    url: `${location.origin.replace(/^http/, 'ws')}/graphql`,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });
}

export const ACCESS = /* GraphQL */ `query ConsoleAccess { syncAccess { principal canResync } }`;

export const DASHBOARD = /* GraphQL */ `
  query ConsoleDashboard {
    syncOverview { generatedAt integrations { integration catalog pending synced retrying failed conflicts } }
    syncProblems(first: 50) {
      totalCount
      edges { node { id catalog entityId customerId integration remoteId status lastError attempts nextAttemptAt updatedAt } }
    }
    syncConflicts(first: 10) { edges { node { id entityId integration kind field localValue remoteValue winner policy createdAt } } }
    syncRuns(first: 5) { edges { node { id kind integration status dryRun seen created updated linked skipped failed pages createdAt finishedAt } } }
  }`;

export const RESYNC = /* GraphQL */ `
  mutation ConsoleResync($id: ID!, $integration: String!) {
    resyncCustomer(id: $id, integration: $integration) { __typename ... on Error { code message } }
  }`;

export const STREAM = /* GraphQL */ `
  subscription ConsoleStream($filter: SyncEventFilter, $since: DateTime) {
    syncEvents(filter: $filter, since: $since) { id type catalog entityId customerId integration remoteId status message causationId occurredAt }
  }`;

export const EVENT_TYPES = [
  'LOCAL_CHANGE_PUBLISHED', 'OUTBOUND_SYNCED', 'OUTBOUND_RETRYING', 'OUTBOUND_FAILED', 'INBOUND_RECEIVED', 'INBOUND_APPLIED',
  'ECHO_SUPPRESSED', 'DEAD_LETTERED', 'CONFLICT_DETECTED', 'CONFLICT_RESOLVED', 'SYNC_RUN_PROGRESS',
];
