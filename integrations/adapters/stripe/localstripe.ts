/**
 * localstripe has no webhook-endpoint API; it takes endpoints at POST /_config/webhooks/<id>.
 * Registering under a fixed id replaces our previous registration instead of adding another.
 */
export async function registerLocalstripeWebhook(apiBase: string, url: string, secret: string, id = 'catalog-gateway'): Promise<void> {
  const body = new URLSearchParams({ url, secret });
  for (const event of ['customer.created', 'customer.updated', 'customer.deleted']) body.append('events[]', event);
  const response = await fetch(new URL(`/_config/webhooks/${encodeURIComponent(id)}`, apiBase), { method: 'POST', body });
  if (!response.ok) throw new Error(`localstripe refused the webhook registration: HTTP ${response.status}`);
}
