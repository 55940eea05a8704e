import { readFileSync } from 'node:fs';

/** A typed failure of the CLI's call to the gateway (network, HTTP status or GraphQL errors). */
export class GatewayCallError extends Error {}

export interface GatewayClientOptions {
  url: string;
  token: string;
}

/**
 * Where the gateway is and the credential: CATALOG_GATEWAY_URL (default the local gateway) and
 * CATALOG_API_KEY, else the development key file (DEV_API_KEY_FILE, `.stack/dev-api-key`).
 */
export function clientOptionsFromEnv(env: Record<string, string | undefined> = process.env): GatewayClientOptions {
  const url = env.CATALOG_GATEWAY_URL ?? 'http://localhost:4000/graphql';
  let token = env.CATALOG_API_KEY;
  if (!token) {
    const file = env.DEV_API_KEY_FILE ?? '.stack/dev-api-key';
    try {
      token = readFileSync(file, 'utf8').trim();
    } catch {
      throw new GatewayCallError(`no credential: set CATALOG_API_KEY (a key with sync.admin) or run the gateway in development (${file})`);
    }
  }
  return { url, token };
}

/** One GraphQL operation against the gateway; throws GatewayCallError on any error. */
export async function callGateway<Data>(options: GatewayClientOptions, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new GatewayCallError(`cannot reach the gateway at ${options.url}: ${(error as Error).message}`);
  }
  const body = (await response.json().catch(() => ({}))) as { data?: Data; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new GatewayCallError(body.errors.map((error) => error.message).join('; '));
  if (!response.ok || !body.data) throw new GatewayCallError(`gateway answered HTTP ${response.status}`);
  return body.data;
}
