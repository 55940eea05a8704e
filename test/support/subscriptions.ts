import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { authorizationHeader, type CredentialOption } from './credentials.js';

export interface Collected<Item> {
  items: Item[];
  /** Resolves with all items so far once `done(items)` holds; rejects after `timeoutMs`. */
  until(done: (items: Item[]) => boolean, timeoutMs?: number): Promise<Item[]>;
  close(): Promise<void>;
}

function collector<Item>(close: () => Promise<void>): Collected<Item> & { push(item: Item): void } {
  const items: Item[] = [];
  const waiters = new Set<() => void>();
  return {
    items,
    push(item) {
      items.push(item);
      for (const wake of waiters) wake();
    },
    until(done, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done(items)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(items);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`subscription condition not met within ${timeoutMs} ms; got ${JSON.stringify(items)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close,
  };
}

/**
 * Subscribes over graphql-ws (WebSocket), the credential in connectionParams as a browser would send
 * it (test admin key unless `options.token` says otherwise); resolves once the server acknowledged
 * the connection, rejects if it closed the socket instead (e.g. 4401).
 */
export async function subscribeWs<Data, Variables extends Record<string, unknown>>(
  httpUrl: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  options: CredentialOption = {},
): Promise<Collected<Data>> {
  let acknowledged!: () => void;
  let refused!: (error: Error) => void;
  let isAcknowledged = false;
  const connected = new Promise<void>((resolve, reject) => ((acknowledged = resolve), (refused = reject)));
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: authorizationHeader(options),
    on: {
      connected: () => ((isAcknowledged = true), acknowledged()),
      closed: (event) => refused(Object.assign(new Error(`WebSocket closed: ${(event as CloseEvent).code} ${(event as CloseEvent).reason}`), { code: (event as CloseEvent).code })),
    },
  });
  let stop = () => {};
  const collected = collector<Data>(async () => {
    stop();
    await client.dispose();
  });
  stop = client.subscribe<Data>(
    { query: print(document), variables },
    {
      next: (result) => result.data && collected.push(result.data as Data),
      // A refused connection (e.g. 4401) already rejects `connected` above.
      error: (error) => isAcknowledged && console.error('subscription error', error),
      complete: () => undefined,
    },
  );
  await connected;
  return collected;
}

/** Subscribes over Server-Sent Events (POST with Accept: text/event-stream), with the test admin key unless `options.token` says otherwise. */
export async function subscribeSse<Data, Variables extends Record<string, unknown>>(
  httpUrl: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  options: CredentialOption = {},
): Promise<Collected<Data>> {
  const abort = new AbortController();
  const collected = collector<Data>(async () => abort.abort());
  await streamSse(httpUrl, { query: print(document), variables }, options, abort.signal, (text) => {
    const parsed = JSON.parse(text) as { data?: Data };
    if (parsed.data) collected.push(parsed.data);
  });
  return collected;
}

/** One graphql-ws connection that keeps every server frame as the text it arrived as (to compare bytes). */
export async function openRawGraphqlWs(httpUrl: string, options: CredentialOption = {}) {
  const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const frames = collector<string>(async () => {
    socket.close();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const acknowledged = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const text = String(data);
      if ((JSON.parse(text) as { type: string }).type === 'connection_ack') resolve();
      else frames.push(text);
    });
    socket.once('close', (code) => reject(new Error(`closed before ack: ${code}`)));
  });
  socket.send(JSON.stringify({ type: 'connection_init', payload: authorizationHeader(options) }));
  await acknowledged;
  return {
    frames,
    subscribe(id: string, query: string, variables: Record<string, unknown> = {}) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    },
  };
}

/** Subscribes over SSE and keeps each event's data line as the text it arrived as. */
export async function openRawSse(httpUrl: string, query: string, variables: Record<string, unknown> = {}, options: CredentialOption = {}) {
  const abort = new AbortController();
  const data = collector<string>(async () => abort.abort());
  await streamSse(httpUrl, { query, variables }, options, abort.signal, (text) => data.push(text));
  return data;
}

/**
 * POSTs a GraphQL operation with Accept: text/event-stream and hands each event's data, as the text
 * it arrived as, to `onData` until `signal` aborts the stream. Throws when the server refuses it.
 */
async function streamSse(httpUrl: string, body: { query: string; variables: Record<string, unknown> }, options: CredentialOption, signal: AbortSignal, onData: (text: string) => void): Promise<void> {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...authorizationHeader(options) },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE subscription refused: HTTP ${response.status}`);
  const reader = response.body.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          // An event's data lines, joined as the SSE format says ("data:" and one optional space off).
          const data = message.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n');
          if (data) onData(data);
        }
      }
    } catch {
      // aborted by close()
    }
  })();
}
