import express, { type Express } from 'express';
import { getLogger } from '../../core/logger.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { WebhookRejectedError } from '../registry/errors.js';
import { takeWebhook, type WebhookIntakeDeps } from '../sync/webhook-intake.js';

const log = getLogger('integrations.http');

export interface IntegrationsHttpDeps extends WebhookIntakeDeps {
  adapters: ResolvedAdapter[];
  /** The public base URL senders call (INTEGRATIONS_PUBLIC_URL, or where the server listens): signed by some senders. */
  publicUrl: () => string;
  /** True when Kafka and Postgres answer. */
  ready: () => Promise<{ kafka: boolean; postgres: boolean }>;
}

/**
 * POST /webhooks/:integration (raw body, signature checked by the adapter): 400 when the request is
 * not a valid webhook, 503 when it cannot be made durable on Kafka (the sender retries), 200 once
 * it is. GET /health (process up), GET /ready (Kafka and Postgres reachable).
 */
export function createIntegrationsApp(deps: IntegrationsHttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  const byName = new Map(deps.adapters.map((adapter) => [adapter.name, adapter]));

  app.get('/health', (_request, response) => {
    response.json({ status: 'ok' });
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
      response.status(200).json(outcome);
    } catch (error) {
      if (error instanceof WebhookRejectedError) {
        log.warn({ integration: adapter.name, reason: error.message }, 'webhook rejected');
        response.status(400).json({ error: error.message });
        return;
      }
      log.error({ integration: adapter.name, err: error }, 'webhook could not be made durable; asking the sender to retry');
      response.status(503).json({ error: 'temporarily unable to accept the webhook; retry later' });
    }
  });

  return app;
}
