import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exportedMetricNames } from '../../core/metrics/metrics.js';

// docs/grafana/catalog-sync.json: a valid dashboard, and every metric it queries is one the code exports.

const target = z.object({ refId: z.string().min(1), expr: z.string().min(1) });
const panel = z.object({
  id: z.number().int(),
  title: z.string().min(1),
  type: z.enum(['timeseries', 'stat', 'gauge', 'table', 'bargauge']),
  datasource: z.object({ type: z.literal('prometheus'), uid: z.string().min(1) }),
  gridPos: z.object({ h: z.number(), w: z.number().max(24), x: z.number().min(0).max(23), y: z.number().min(0) }),
  targets: z.array(target).min(1),
});
const dashboard = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(30),
  panels: z.array(panel).min(1),
});

const file = JSON.parse(readFileSync(new URL('../../docs/grafana/catalog-sync.json', import.meta.url), 'utf8')) as unknown;

/** Metric names in a PromQL expression: identifiers starting with catalog_, histogram/counter suffixes removed. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bcatalog_[a-z0-9_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, ''));
}

describe('Grafana dashboard', () => {
  it('is a valid dashboard with unique panel ids', () => {
    const parsed = dashboard.parse(file);
    expect(new Set(parsed.panels.map((p) => p.id)).size).toBe(parsed.panels.length);
  });

  it('uses only metrics the processes export, and covers every catalog metric', () => {
    const parsed = dashboard.parse(file);
    const used = new Set(parsed.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))));
    const exported = new Set(exportedMetricNames());
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    const ours = [...exported].filter((name) => !name.startsWith('catalog_process_') && !name.startsWith('catalog_nodejs_'));
    expect(ours.filter((name) => !used.has(name))).toEqual([]);
  });

  it('recognises a metric that is not exported (the check can fail)', () => {
    expect(metricsIn('rate(catalog_not_a_metric_bucket[1m])')).toEqual(['catalog_not_a_metric']);
    expect(new Set(exportedMetricNames()).has('catalog_not_a_metric')).toBe(false);
  });
});
