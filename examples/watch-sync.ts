// A typed client: subscribes to syncEvents over graphql-ws with a document typed by graphql-codegen,
// and prints each event. Run it next to `npm run dev`:
//
//   npx tsx examples/watch-sync.ts [customerId]
//
// GATEWAY_URL overrides the endpoint (default http://localhost:4000/graphql); GATEWAY_TOKEN is the
// API key or JWT (default: the development key `npm run dev` keeps in .stack/dev-api-key). It needs
// the sync.read scope.
import { readFileSync } from 'node:fs';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../generated/graphql/gql.js';
import type { ExampleWatchSyncSubscription } from '../generated/graphql/graphql.js';

const WatchSync = graphql(`
  subscription ExampleWatchSync($filter: SyncEventFilter) {
    syncEvents(filter: $filter) { type customerId integration remoteId status message occurredAt }
  }
`);

const url = (process.env.GATEWAY_URL ?? 'http://localhost:4000/graphql').replace(/^http/, 'ws');
const customerId = process.argv[2];
const token = process.env.GATEWAY_TOKEN ?? readFileSync('.stack/dev-api-key', 'utf8').trim();
// Sent in connection_init, as browsers must (they cannot set headers on a WebSocket).
const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });

console.log(`watching sync events on ${url}${customerId ? ` for customer ${customerId}` : ''} (Ctrl-C to stop)`);
const unsubscribe = client.subscribe<ExampleWatchSyncSubscription>(
  { query: print(WatchSync), variables: customerId ? { filter: { customerId } } : {} },
  {
    next: ({ data }) => {
      const event = data?.syncEvents;
      if (!event) return;
      // `event` is fully typed: event.type is the SyncEventType union, event.status SyncStatus | null.
      console.log(`${event.occurredAt}  ${event.type.padEnd(22)} customer=${event.customerId ?? '-'} ${event.integration ?? ''} ${event.remoteId ?? ''} ${event.message ?? ''}`);
    },
    error: (error) => {
      console.error('subscription failed:', error);
      process.exit(1);
    },
    complete: () => process.exit(0),
  },
);

process.on('SIGINT', () => {
  unsubscribe();
  void client.dispose();
  process.exit(0);
});
