import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GatewayYoga } from './yoga.js';

export interface GatewayHttpServer {
  server: http.Server;
  url: string;
  /** Stops accepting connections and closes WebSocket clients; in-flight requests finish. */
  close(): Promise<void>;
}

/**
 * Serves the yoga instance over HTTP (queries, mutations, SSE subscriptions, GraphiQL) and
 * graphql-ws over WebSocket on the same path.
 */
export async function listenGateway(yoga: GatewayYoga, options: { port: number; host: string; maxBodyBytes: number }): Promise<GatewayHttpServer> {
  const server = http.createServer((request, response) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > options.maxBodyBytes) {
      response.writeHead(413, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ message: `request body over ${options.maxBodyBytes} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }));
      return;
    }
    void yoga.requestListener(request, response);
  });

  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: options.maxBodyBytes });
  const wsCleanup = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params });
        const args = {
          schema: enveloped.schema,
          operationName: params.operationName,
          document: enveloped.parse(params.query),
          variableValues: params.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies EnvelopedRoot,
        };
        const errors = enveloped.validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    wsServer,
  );

  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host}:${port}${yoga.graphqlEndpoint}`,
    async close() {
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The enveloped execute/subscribe of one operation, carried to graphql-ws in rootValue. */
interface EnvelopedRoot {
  execute: NonNullable<ServerOptions['execute']>;
  subscribe: NonNullable<ServerOptions['subscribe']>;
}
