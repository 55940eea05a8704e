import { GraphQLError } from 'graphql';
import type { SyncEvent, SyncEventType } from '../../core/events/sync-event.js';
import type { SyncEventWindow } from './sync-event-window.js';

/** A subscription's events; `return()` ends it (the client went away). */
export type SyncEventStream = AsyncIterableIterator<SyncEvent> & { return(): Promise<IteratorResult<SyncEvent>> };

export interface SyncEventFilter {
  customerId?: string | null;
  integration?: string | null;
  types?: readonly SyncEventType[] | null;
}

/**
 * Fans sync events out to live GraphQL subscriptions. Each subscriber has its own bounded buffer:
 * one that falls more than `maxBuffered` events behind is ended with a SLOW_SUBSCRIBER error (it
 * may resubscribe), so a slow client neither stalls the others nor grows memory without bound.
 *
 * Hand-written rather than a Repeater/PubSub: those either block the publisher or drop silently
 * when a buffer fills; here the overflow ends that one subscription, with a message saying why.
 */
export class SyncEventHub {
  /**
   * Subscribers indexed by their most selective filter: by customer id, else by integration, else
   * by event type, else unfiltered. An event visits only the buckets it can match (its customer,
   * its integration, its type, and the unfiltered ones), so 10,000 clients each watching their own
   * customer cost one lookup per event, not 10,000 filter checks. Each subscriber sits in one bucket
   * and still checks the rest of its filter.
   */
  private readonly byCustomer = new Map<string, Set<Subscriber>>();
  private readonly byIntegration = new Map<string, Set<Subscriber>>();
  private readonly byType = new Map<SyncEventType, Set<Subscriber>>();
  private readonly unfiltered = new Set<Subscriber>();
  private count = 0;
  /** Events still being offered, in order, each with the subscribers it was matched to on arrival. */
  private readonly pending: { event: SyncEvent; targets: Subscriber[]; next: number }[] = [];
  private draining = false;

  /**
   * @param window recent events for `since` (replay); without it, subscriptions are live only.
   * @param yieldEvery how many subscribers are offered an event before the hub yields to the event
   *   loop (`setImmediate`): each offer starts that subscription's pipeline (execute, serialise,
   *   send), so a fan-out to 10,000 in one macrotask would hold queries and mutations for its whole
   *   length; in chunks, their I/O runs between chunks. Order per subscriber is kept (FIFO).
   */
  constructor(
    private readonly maxBuffered = 1_000,
    private readonly window?: SyncEventWindow,
    private readonly yieldEvery = 250,
  ) {}

  get subscriberCount(): number {
    return this.count;
  }

  /** Offers `event` to its subscribers: the first `yieldEvery` now, the rest in later macrotasks. */
  publish(event: SyncEvent): void {
    if (this.window && !this.window.add(event)) return; // a redelivery: subscribers already have it
    // Subscribers are matched now, synchronously: one that subscribes later gets this event from
    // the replay window instead, so none is missed or doubled even while delivery is chunked.
    const targets: Subscriber[] = [];
    if (event.entityId) collect(targets, this.byCustomer.get(event.entityId));
    if (event.integration) collect(targets, this.byIntegration.get(event.integration));
    collect(targets, this.byType.get(event.type));
    collect(targets, this.unfiltered);
    if (targets.length === 0) return;
    this.pending.push({ event, targets, next: 0 });
    if (!this.draining) this.drain();
  }

  /** Offers pending events until `yieldEvery` offers are made, then continues after I/O. */
  private readonly drain = (): void => {
    this.draining = false;
    let budget = this.yieldEvery;
    while (this.pending.length > 0) {
      const job = this.pending[0]!;
      while (job.next < job.targets.length) {
        if (budget === 0) {
          this.draining = true;
          setImmediate(this.drain);
          return;
        }
        budget -= 1;
        job.targets[job.next++]!.offer(job.event);
      }
      this.pending.shift();
    }
  };

  /**
   * A live stream; with `since`, the kept events at or after it first. The replay is read and the
   * subscriber registered in one synchronous step, and subscribers are matched to an event when it
   * is published, so no event falls between them (no gap) and none is in both (no duplicate).
   */
  subscribe(filter: SyncEventFilter = {}, options: { since?: Date | null } = {}): SyncEventStream {
    const [map, key] = this.indexFor(filter);
    const bucket = map && key !== undefined ? bucketIn(map, key) : this.unfiltered;
    const replay = options.since ? this.replayFor(filter, options.since) : [];
    const subscriber = new Subscriber(filter, this.maxBuffered, replay, () => {
      if (bucket.delete(subscriber)) this.count -= 1;
      // No key stays behind for every customer ever watched.
      if (map && key !== undefined && bucket.size === 0 && map.get(key) === bucket) map.delete(key);
    });
    bucket.add(subscriber);
    this.count += 1;
    return subscriber;
  }

  private replayFor(filter: SyncEventFilter, since: Date): SyncEvent[] {
    if (!this.window) return [];
    const { events, truncated } = this.window.replayFrom(since);
    const matching = events.filter((event) => matches(filter, event));
    const [first] = matching;
    if (truncated && first) {
      const minutes = Math.round(this.window.windowMs / 60_000);
      const note = `Replay starts at the oldest event kept (${minutes}-minute window), not at since.`;
      matching[0] = { ...first, message: first.message ? `${note} ${first.message}` : note };
    }
    return matching;
  }

  /** Ends every subscription (server shutdown). */
  close(): void {
    const all = [...this.byCustomer.values(), ...this.byIntegration.values(), ...this.byType.values(), this.unfiltered].flatMap((set) => [...set]);
    for (const subscriber of all) void subscriber.return();
  }

  /** The index a filter is found by (several types: none, the subscriber checks them itself). */
  private indexFor(filter: SyncEventFilter): [Map<string, Set<Subscriber>> | undefined, string | undefined] {
    if (filter.customerId) return [this.byCustomer, filter.customerId];
    if (filter.integration) return [this.byIntegration, filter.integration];
    if (filter.types?.length === 1) return [this.byType as Map<string, Set<Subscriber>>, filter.types[0]];
    return [undefined, undefined];
  }
}

function bucketIn<Key>(map: Map<Key, Set<Subscriber>>, key: Key): Set<Subscriber> {
  let bucket = map.get(key);
  if (!bucket) {
    bucket = new Set();
    map.set(key, bucket);
  }
  return bucket;
}

function collect(targets: Subscriber[], subscribers: Set<Subscriber> | undefined): void {
  if (subscribers) for (const subscriber of subscribers) targets.push(subscriber);
}

class Subscriber implements AsyncIterableIterator<SyncEvent> {
  private readonly buffer: SyncEvent[];
  /** The replay does not count against the live allowance. */
  private readonly limit: number;
  private waiting: ((result: IteratorResult<SyncEvent>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private failure: GraphQLError | undefined;
  private done = false;

  constructor(
    private readonly filter: SyncEventFilter,
    private readonly maxBuffered: number,
    replay: SyncEvent[],
    private readonly onEnd: () => void,
  ) {
    this.buffer = replay;
    this.limit = maxBuffered + replay.length;
  }

  offer(event: SyncEvent): void {
    if (this.done || !matches(this.filter, event)) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.clearWaiting();
      resolve({ value: event, done: false });
      return;
    }
    if (this.buffer.length >= this.limit) {
      this.fail(new GraphQLError(`subscriber fell more than ${this.maxBuffered} events behind; events were dropped. Subscribe again.`, { extensions: { code: 'SLOW_SUBSCRIBER' } }));
      return;
    }
    this.buffer.push(event);
  }

  next(): Promise<IteratorResult<SyncEvent>> {
    const event = this.buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<SyncEvent>> {
    this.end();
    this.buffer.length = 0;
    this.waiting?.({ value: undefined, done: true });
    this.clearWaiting();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<SyncEvent>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SyncEvent> {
    return this;
  }

  private fail(error: GraphQLError): void {
    this.end();
    this.buffer.length = 0;
    if (this.failWaiting) {
      this.failWaiting(error);
      this.clearWaiting();
    } else {
      this.failure = error;
    }
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd();
  }

  private clearWaiting(): void {
    this.waiting = undefined;
    this.failWaiting = undefined;
  }
}

function matches(filter: SyncEventFilter, event: SyncEvent): boolean {
  if (filter.customerId && event.entityId !== filter.customerId) return false;
  if (filter.integration && event.integration !== filter.integration) return false;
  if (filter.types && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  return true;
}
