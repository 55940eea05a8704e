import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { getLogger } from '../../core/logger.js';

// A test relay between localstripe and the integrations process. localstripe delivers each webhook
// once, about 1 s after the change, in order; real Stripe delays, duplicates, reorders and retries.
// The relay adds that back: it takes each webhook (answering localstripe 200 at once, as Stripe's own
// delivery queue would own it), then delivers the exact body and signature header to the target
// after a seeded random delay, sometimes twice, retrying non-2xx answers with backoff. No library
// offers a chaos proxy that keeps a seeded, replayable schedule and can hold one event back, so it is
// hand-written (node:http, a few dozen lines).

const log = getLogger('test.webhook-relay');

export interface RelayChaos {
  /** Each delivery waits a seeded random 0..maxDelayMs (default 3000): deliveries overtake each other. */
  maxDelayMs: number;
  /** Share of webhooks delivered twice, each copy with its own delay (default 0.2). */
  duplicateRate: number;
}

export interface RelayOptions extends Partial<RelayChaos> {
  seed?: number;
  /** Attempts per delivery before it is given up and counted as failed (default 8). */
  maxAttempts?: number;
  /** First retry backoff, doubling per attempt (default 250 ms). */
  retryBaseMs?: number;
}

/** What the relay knows of a webhook: enough to match it, never its signature. */
export interface RelayedEvent {
  ordinal: number;
  eventId: string;
  type: string;
  objectId: string;
  /** The object as the event carries it (a Stripe customer). */
  object: Record<string, unknown>;
}

export interface DeliveryRecord {
  ordinal: number;
  eventId: string;
  type: string;
  objectId: string;
  copy: number;
  delayMs: number;
  attempts: number;
  status: number | 'error' | 'pending';
  /** When the target accepted it (ms since the epoch). */
  deliveredAt?: number;
}

export interface RelayStats {
  received: number;
  delivered: number;
  duplicated: number;
  retried: number;
  failed: number;
}

interface Hold {
  matches: (event: RelayedEvent) => boolean;
  waiting: Array<() => void>;
  released: boolean;
  seen: RelayedEvent[];
  onSeen: Array<() => void>;
}

export interface HeldEvents {
  /** Resolves with the first held event once one matched. */
  caught(timeoutMs?: number): Promise<RelayedEvent>;
  /** Every webhook held so far (a duplicate counts again). */
  readonly held: readonly RelayedEvent[];
  /** Lets the held deliveries (and later matches) go, each after its own delay. */
  release(): void;
}

export class WebhookRelay {
  readonly url: string;
  readonly deliveries: DeliveryRecord[] = [];
  readonly stats: RelayStats = { received: 0, delivered: 0, duplicated: 0, retried: 0, failed: 0 };
  private target: string | undefined;
  private targetSet: Array<() => void> = [];
  private random;
  private chaos: RelayChaos;
  private readonly holds = new Set<Hold>();
  private inFlight = 0;
  private heldNow = 0;
  private ordinal = 0;
  private lastActivity = Date.now();

  private constructor(
    private readonly server: http.Server,
    private readonly options: Required<Pick<RelayOptions, 'maxAttempts' | 'retryBaseMs'>>,
    seed: number,
    chaos: RelayChaos,
  ) {
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.random = xoroshiro128plus(seed);
    this.chaos = chaos;
  }

  /** Listens on a free port. Give `url` to the integrations process as INTEGRATIONS_PUBLIC_URL. */
  static async start(options: RelayOptions = {}): Promise<WebhookRelay> {
    let relay!: WebhookRelay;
    const server = http.createServer((request, response) => relay.receive(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay = new WebhookRelay(
      server,
      { maxAttempts: options.maxAttempts ?? 8, retryBaseMs: options.retryBaseMs ?? 250 },
      options.seed ?? 1,
      { maxDelayMs: options.maxDelayMs ?? 3000, duplicateRate: options.duplicateRate ?? 0.2 },
    );
    return relay;
  }

  /** Where deliveries go (the integrations process's own URL); deliveries wait until it is set. */
  setTarget(url: string): void {
    this.target = url;
    for (const wake of this.targetSet.splice(0)) wake();
  }

  /** Restarts the random schedule: the same seed gives the same delays and duplicates, in arrival order. */
  reseed(seed: number): void {
    this.random = xoroshiro128plus(seed);
    this.ordinal = 0;
  }

  /** Changes the injected delay and duplication from now on; returns the previous settings. */
  setChaos(chaos: Partial<RelayChaos>): RelayChaos {
    const previous = this.chaos;
    this.chaos = { ...this.chaos, ...chaos };
    return previous;
  }

  /** Holds every matching webhook (by type and object id, or any predicate) until released. */
  hold(match: { type: string; objectId?: string } | ((event: RelayedEvent) => boolean)): HeldEvents {
    const matches = typeof match === 'function' ? match : (event: RelayedEvent) => event.type === match.type && (match.objectId === undefined || event.objectId === match.objectId);
    const hold: Hold = { matches, waiting: [], released: false, seen: [], onSeen: [] };
    this.holds.add(hold);
    return {
      held: hold.seen,
      caught: (timeoutMs = 15_000) =>
        new Promise<RelayedEvent>((resolve, reject) => {
          if (hold.seen[0]) return resolve(hold.seen[0]);
          const timer = setTimeout(() => reject(new Error(`no webhook matched the hold within ${timeoutMs} ms`)), timeoutMs);
          hold.onSeen.push(() => {
            clearTimeout(timer);
            resolve(hold.seen[0]!);
          });
        }),
      release: () => {
        hold.released = true;
        this.holds.delete(hold);
        for (const go of hold.waiting.splice(0)) go();
      },
    };
  }

  /** True when nothing is queued, delayed, being delivered or awaiting a retry (held webhooks wait for the test, not counted). */
  idle(): boolean {
    return this.inFlight - this.heldNow === 0;
  }

  /** Milliseconds since a webhook last arrived or a delivery last finished (0 while not idle). */
  quietForMs(): number {
    return this.idle() ? Date.now() - this.lastActivity : 0;
  }

  /** Releases every hold (a test's clean-up, so one test's hold cannot stall the next). */
  releaseAll(): void {
    for (const hold of [...this.holds]) {
      hold.released = true;
      this.holds.delete(hold);
      for (const go of hold.waiting.splice(0)) go();
    }
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private receive(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      let parsed: { id?: string; type?: string; data?: { object?: Record<string, unknown> } };
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        response.writeHead(400).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"relayed":true}');
      const object = parsed.data?.object ?? {};
      const event: RelayedEvent = { ordinal: this.ordinal++, eventId: String(parsed.id), type: String(parsed.type), objectId: String(object.id), object };
      // Exactly the headers a signature check and the body parser need, unchanged.
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'stripe-signature', 'user-agent']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      this.stats.received += 1;
      this.lastActivity = Date.now();
      const copies = uniformInt(this.random, 0, 999) < this.chaos.duplicateRate * 1000 ? 2 : 1;
      if (copies === 2) this.stats.duplicated += 1;
      for (let copy = 0; copy < copies; copy++) {
        const delayMs = this.chaos.maxDelayMs > 0 ? uniformInt(this.random, 0, this.chaos.maxDelayMs) : 0;
        void this.deliver(event, copy, delayMs, request.url ?? '/', headers, body);
      }
    });
  }

  private async deliver(event: RelayedEvent, copy: number, delayMs: number, path: string, headers: Record<string, string>, body: Buffer): Promise<void> {
    this.inFlight += 1;
    const record: DeliveryRecord = { ordinal: event.ordinal, eventId: event.eventId, type: event.type, objectId: event.objectId, copy, delayMs, attempts: 0, status: 'pending' };
    this.deliveries.push(record);
    try {
      await this.heldBack(event);
      if (!this.target) await new Promise<void>((resolve) => this.targetSet.push(resolve));
      await sleep(delayMs);
      for (;;) {
        record.attempts += 1;
        try {
          const response = await fetch(new URL(path, this.target), { method: 'POST', headers, body: new Uint8Array(body) });
          await response.arrayBuffer();
          record.status = response.status;
          if (response.ok) {
            record.deliveredAt = Date.now();
            this.stats.delivered += 1;
            return;
          }
        } catch (error) {
          record.status = 'error';
          log.debug({ eventId: event.eventId, err: error }, 'delivery failed');
        }
        if (record.attempts >= this.options.maxAttempts) {
          this.stats.failed += 1;
          log.warn({ eventId: event.eventId, type: event.type, attempts: record.attempts, status: record.status }, 'webhook delivery given up');
          return;
        }
        this.stats.retried += 1;
        await sleep(this.options.retryBaseMs * 2 ** (record.attempts - 1));
      }
    } finally {
      this.inFlight -= 1;
      this.lastActivity = Date.now();
    }
  }

  private heldBack(event: RelayedEvent): Promise<void> {
    for (const hold of this.holds) {
      if (hold.released || !hold.matches(event)) continue;
      this.heldNow += 1;
      return new Promise<void>((resolve) => {
        hold.waiting.push(() => {
          this.heldNow -= 1;
          this.lastActivity = Date.now();
          resolve();
        });
        hold.seen.push(event);
        for (const wake of hold.onSeen.splice(0)) wake();
      });
    }
    return Promise.resolve();
  }
}
