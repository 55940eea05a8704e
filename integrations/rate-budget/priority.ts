import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Whose request a remote call is: `live` (a change someone just made, a webhook) goes ahead of
 * `bulk` (backfill, reconciliation), which only takes the budget live work leaves. Carried with the
 * async context, so an adapter's client sees it without every call passing it down.
 */
export type RatePriority = 'live' | 'bulk';

const priority = new AsyncLocalStorage<RatePriority>();

/** Runs `work` with every remote call it makes charged as bulk work. */
export function asBulkWork<T>(work: () => Promise<T>): Promise<T> {
  return priority.run('bulk', work);
}

/** The priority of the calling context: live unless inside asBulkWork. */
export function currentRatePriority(): RatePriority {
  return priority.getStore() ?? 'live';
}
