// One process of npm run bench:fanout's subscribers (bench/fanout.ts forks several). Opens one
// graphql-ws socket per subscriber, each with one syncEvents subscription, filtered to a customer
// or unfiltered, and reports on IPC: when all are subscribed, then (on "report") each subscriber's
// event count and every delivery latency (receipt minus the event's occurredAt; same machine clock).
// The graphql-transport-ws messages are written by hand over `ws`: the graphql-ws client's
// reconnect and retry machinery per socket would be most of the weight of 10,000 clients here.
import WebSocket from 'ws';

interface Start {
  url: string;
  authorization: string;
  /** One entry per subscriber: a customer id, or null for no filter. */
  filters: Array<string | null>;
}

const query = 'subscription($filter: SyncEventFilter) { syncEvents(filter: $filter) { id type customerId occurredAt } }';
const counts: number[] = [];
const latencies: number[] = [];
let closedEarly = 0;
const sockets: WebSocket[] = [];

process.on('message', async (message: { start?: Start; report?: true; stop?: true }) => {
  if (message.start) {
    const { url, authorization, filters } = message.start;
    const wsUrl = url.replace(/^http/, 'ws');
    const batch = 200;
    for (let offset = 0; offset < filters.length; offset += batch) {
      await Promise.all(filters.slice(offset, offset + batch).map((filter, index) => open(wsUrl, authorization, filter, offset + index)));
    }
    process.send!({ subscribed: filters.length });
  }
  if (message.report) process.send!({ counts, latencies, closedEarly });
  if (message.stop) {
    for (const socket of sockets) socket.terminate();
    process.exit(0);
  }
});

function open(url: string, authorization: string, customerId: string | null, index: number): Promise<void> {
  counts[index] = 0;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    sockets.push(socket);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })));
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.includes('"connection_ack"')) {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { filter: customerId ? { customerId } : null } } }));
        // The subscription is live once the server has processed it; a ping round trip tells.
        socket.send(JSON.stringify({ type: 'ping' }));
        return;
      }
      if (text.includes('"pong"')) return resolve();
      const message = JSON.parse(text) as { type: string; payload?: { data?: { syncEvents?: { occurredAt: string } }; errors?: unknown } };
      if (message.type === 'next' && message.payload?.data?.syncEvents) {
        counts[index]! += 1;
        latencies.push(Date.now() - Date.parse(message.payload.data.syncEvents.occurredAt));
      } else if (message.type === 'error' || message.payload?.errors) {
        reject(new Error(`subscription refused: ${text.slice(0, 300)}`));
      }
    });
    socket.on('close', () => {
      closedEarly += 1;
    });
    socket.on('error', reject);
  });
}
