// PostGraphile v5 over the benchmark database, for npm run bench:api's side-by-side figures. Copied
// into .stack/runtimes/postgraphile/ (where postgraphile is installed on demand) and run there with
// Node 22+, in production mode, one process. Prints "PostGraphile: <url>" when it listens.
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';

const port = Number(process.env.PORT ?? 4910);
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'] })],
  grafserv: { port, graphqlPath: '/graphql', graphiql: false },
  grafast: { explain: false },
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(port, '127.0.0.1', () => console.log(`PostGraphile: http://127.0.0.1:${port}/graphql`));
process.on('SIGTERM', () => server.close(() => pgl.release().then(() => process.exit(0))));
