// npm run schema:print: writes schema.graphql from the Pothos builder (a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { gatewaySchema } from '../server/schema/index.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), `${printSchema(gatewaySchema())}\n`);
console.log('schema.graphql written');
