import type { SyncEvent } from '../../core/events/sync-event.js';

/** What a replay from `since` finds: the events kept at or after it, and whether `since` was older than the window. */
export interface WindowReplay {
  events: SyncEvent[];
  /** `since` is before the window: the replay starts at the oldest event kept, not at `since`. */
  truncated: boolean;
}

/**
 * The recent sync events one gateway keeps in memory (SYNC_EVENTS_REPLAY_MINUTES), in arrival order,
 * for subscriptions that ask for `since`. It also drops a redelivered event (same id): the feed reads
 * at least once, and a subscriber must not see an event twice.
 *
 * Hand-written: a time-bounded list with an id set is a few lines; an LRU cache evicts by count or
 * by its own clock, not by the events' occurredAt.
 */
export class SyncEventWindow {
  private events: SyncEvent[] = [];
  private readonly ids = new Set<string>();

  constructor(
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.events.length;
  }

  /** Keeps the event; false when it is already kept (a redelivery) or older than the window. */
  add(event: SyncEvent): boolean {
    if (this.ids.has(event.id)) return false;
    this.prune();
    if (Date.parse(event.occurredAt) < this.cutoff()) return true; // live, but too old to keep
    this.events.push(event);
    this.ids.add(event.id);
    return true;
  }

  /** The kept events at or after `since`, oldest first (arrival order). */
  replayFrom(since: Date): WindowReplay {
    this.prune();
    const from = since.getTime();
    return { events: this.events.filter((event) => Date.parse(event.occurredAt) >= from), truncated: from < this.cutoff() };
  }

  private cutoff(): number {
    return this.now() - this.windowMs;
  }

  private prune(): void {
    const cutoff = this.cutoff();
    let drop = 0;
    while (drop < this.events.length && Date.parse(this.events[drop]!.occurredAt) < cutoff) drop += 1;
    if (drop === 0) return;
    for (const event of this.events.slice(0, drop)) this.ids.delete(event.id);
    this.events = this.events.slice(drop);
  }
}
