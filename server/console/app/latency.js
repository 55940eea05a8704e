// Sync latency from the events' own timestamps: a change's LOCAL_CHANGE_PUBLISHED to its
// OUTBOUND_SYNCED (same causationId, the change event's id).

/** [{ at, ms }] for each outbound sync of the last `minutes`, oldest first. */
export function latencies(events, minutes, now = Date.now()) {
  const published = new Map();
  for (const event of events) if (event.type === 'LOCAL_CHANGE_PUBLISHED' && event.causationId) published.set(event.causationId, Date.parse(event.occurredAt));
  const from = now - minutes * 60_000;
  const points = [];
  for (const event of events) {
    if (event.type !== 'OUTBOUND_SYNCED' || !event.causationId || !published.has(event.causationId)) continue;
    const at = Date.parse(event.occurredAt);
    if (at >= from) points.push({ at, ms: Math.max(at - published.get(event.causationId), 0) });
  }
  return points.sort((a, b) => a.at - b.at);
}

export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
