import Stripe from 'stripe';
import { currentRatePriority } from '../../rate-budget/priority.js';
import type { RateBudget } from '../../rate-budget/rate-budget.js';

/**
 * stripe-node's own HTTP client, with every request first taking its token from the shared rate
 * budget: the SDK sends everything through its httpClient, so no call can go around the budget.
 * The budget's wait comes before the request, outside the SDK's timeout.
 */
class BudgetedHttpClient extends Stripe.HttpClient {
  private readonly inner = Stripe.createNodeHttpClient();

  constructor(private readonly budget: RateBudget) {
    super();
  }

  override getClientName(): string {
    return `budgeted-${this.inner.getClientName()}`;
  }

  override async makeRequest(...args: Parameters<Stripe.HttpClient['makeRequest']>): Promise<Stripe.HttpClientResponse> {
    await this.budget.acquire(currentRatePriority());
    return this.inner.makeRequest(...args) as Promise<Stripe.HttpClientResponse>;
  }
}

/** stripe-node pointed at `apiBase` (Stripe itself or an emulator). Retries are ours, not the SDK's. */
export function createStripeClient(secretKey: string, apiBase: string, budget: RateBudget): Stripe {
  const url = new URL(apiBase);
  return new Stripe(secretKey, {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 0,
    timeout: 10_000,
    appInfo: { name: 'catalog-gateway' },
    httpClient: new BudgetedHttpClient(budget),
  });
}
