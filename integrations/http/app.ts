import { metrics, renderMetrics } from '../../core/metrics/metrics.js';
import express, { type Express } from 'express';
import { getLogger } from '../../core/logger.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { WebhookRejectedError } from '../registry/errors.js';
import type { RateBudgetSnapshot } from '../rate-budget/rate-budget.js';
import { takeWebhook, type WebhookIntakeDeps } from '../sync/webhook-intake.js';

const log = getLogger('integrations.http');

export interface IntegrationsHttpDeps extends WebhookIntakeDeps {
  adapters: ResolvedAdapter[];
  /** The public base URL senders call (INTEGRATIONS_PUBLIC_URL, or where the server listens): signed by some senders. */
  publicUrl: () => string;
  /** Whether Kafka and Postgres answer, and the state of each remote rate budget. */
  ready: () => Promise<{ kafka: boolean; postgres: boolean; rateBudgets: RateBudgetSnapshot[] }>;
}

/**
 * POST /webhooks/:integration (raw body, signature checked by the adapter): 400 when the request is
 * not a valid webhook, 503 when it cannot be made durable on Kafka (the sender retries), 200 once
 * it is. GET /health (process up), GET /ready (Kafka and Postgres reachable; the
 * rate budgets).
 */
export function createIntegrationsApp(deps: IntegrationsHttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const byName = new Map(deps.adapters.map((adapter) => [adapter.name, adapter]));

  app.get('/health', (_request, response) => {
    response.json({ status: 'ok' });
  });

  // Prometheus: no credential needed, and no personal data in any metric (core/metrics/metrics.ts).
  app.get('/metrics', async (_request, response) => {
    const { contentType, body } = await renderMetrics();
    response.type(contentType).send(body);
  });

  app.get('/ready', async (_request, response) => {
    const checks = await deps.ready();
    const ok = checks.kafka && checks.postgres;
    response.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', ...checks });
  });

  app.post('/webhooks/:integration', express.raw({ type: () => true, limit: '1mb' }), async (request, response) => {
    const adapter = byName.get(String(request.params.integration));
    if (!adapter?.instance.inbound) {
      response.status(404).json({ error: `no integration "${request.params.integration}" takes webhooks here` });
      return;
    }
    const rawBody: Buffer = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      const url = new URL(request.originalUrl, deps.publicUrl()).toString();
      const outcome = await takeWebhook(adapter, { method: request.method, url, rawBody, headers: request.headers }, deps);
      metrics.webhooks.inc({ integration: adapter.name, outcome: 'accepted' });
      response.status(200).json(outcome);
    } catch (error) {
      if (error instanceof WebhookRejectedError) {
        metrics.webhooks.inc({ integration: adapter.name, outcome: 'rejected' });
        log.warn({ integration: adapter.name, reason: error.message }, 'webhook rejected');
        response.status(400).json({ error: error.message });
        return;
      }
      metrics.webhooks.inc({ integration: adapter.name, outcome: 'unavailable' });
      log.error({ integration: adapter.name, err: error }, 'webhook could not be made durable; asking the sender to retry');
      response.status(503).json({ error: 'temporarily unable to accept the webhook; retry later' });
    }
  });

  return app;
}
