import { WebSocket } from 'ws';
import type { SharedResult } from './shared-results.js';

// graphql-ws writes every `next` frame with JSON.stringify({ id, type, payload }), so a payload
// already serialised once for all its subscribers would be serialised again for each. graphql-ws
// has no raw-payload hook (and JSON.rawJSON takes primitives only), so the splice is hand-written
// in two small steps: the message replacer puts a fixed token where the payload goes (and keeps
// the payload's cached text), and the server's WebSocket class swaps the token for that text
// right before the frame goes out. graphql-ws calls the replacer and then socket.send for the same
// frame synchronously (stringifyMessage, then send in the same tick), so the text is the frame's.

/** What graphql-ws's onNext returns for a shared result: an object (as its validation wants). */
export class SplicedPayload {
  constructor(readonly result: SharedResult) {}
}

const TOKEN = '\u0000spliced-payload';
/** The frame's end as JSON.stringify writes it: payload is the last key of a `next` message. */
const TOKEN_TAIL = `"payload":${JSON.stringify(TOKEN)}}`;

let pendingJson: string | undefined;

/** graphql-ws's jsonMessageReplacer: a SplicedPayload becomes the token, its text is kept. */
export function splicingReplacer(this: unknown, key: string, value: unknown): unknown {
  if (key === 'payload' && value instanceof SplicedPayload) {
    pendingJson = value.result.stringify(value.result);
    return TOKEN;
  }
  return value;
}

/** The frame with the kept payload text in place of the token; any other frame as it is. */
export function spliceFrame(frame: string): string {
  if (!frame.endsWith(TOKEN_TAIL)) return frame;
  const json = pendingJson;
  pendingJson = undefined;
  if (json === undefined) throw new Error('a spliced graphql-ws frame without its payload text');
  return `${frame.slice(0, -TOKEN_TAIL.length)}"payload":${json}}`;
}

/** The `ws` class the gateway's WebSocketServer creates (its `WebSocket` option): splices on send. */
export class SplicingWebSocket extends WebSocket {
  override send(data: unknown, ...rest: unknown[]): void {
    (super.send as (data: unknown, ...rest: unknown[]) => void)(typeof data === 'string' ? spliceFrame(data) : data, ...rest);
  }
}
