import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewaySchema } from '../../server/schema/index.js';
import { testCredentials } from '../support/credentials.js';
import { startTestGateway } from '../support/gateway.js';

// Schemathesis (PyPI, installed on demand into .stack/ by scripts/ensure-schemathesis.sh) generates
// queries and mutations from the gateway's GraphQL schema (introspection) and sends them with the
// admin key. test/schemathesis/hooks.py fails on any 5xx, any GraphQL error that is not a typed
// refusal (no extensions.code, or INTERNAL_SERVER_ERROR) and any response carrying internal detail. A fixed seed and a bounded number of examples per operation keep the run
// reproducible and about a minute long on a 2-core machine.

const run = promisify(execFile);
const HOOKS = path.resolve('test/schemathesis/hooks.py');
const MAX_EXAMPLES = Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 200);
const SEED = process.env.SCHEMATHESIS_SEED ?? '20240609';

let schemathesis: string;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  schemathesis = (await run('bash', ['scripts/ensure-schemathesis.sh'], { timeout: 300_000 })).stdout.trim();
  gateway = await startTestGateway();
}, 320_000);
afterAll(() => gateway?.stop());

/** Runs schemathesis to completion; resolves with its exit code and output (it exits 1 on failures). */
function schemathesisRun(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Its working directory gets its cache (.schemathesis/): a temporary one, not the repository.
    const child = spawn(schemathesis, args, { cwd, env: { ...process.env, SCHEMATHESIS_HOOKS: HOOKS, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('schemathesis over the GraphQL schema, with an admin key', () => {
  it('the checks recognise leaks and untyped errors, and pass typed ones', async () => {
    const samples = [
      '{"errors":[{"message":"boom\\n    at CustomerStore.update (/app/server/catalog/customers/customer-store.ts:10:5)"}]}',
      '{"errors":[{"message":"Invalid `prisma.customer.update()` invocation"}]}',
      '{"errors":[{"message":"duplicate key value violates unique constraint \\"customer_email_key\\""}]}',
      '{"errors":[{"message":"No such customer: cus_123; request to https://api.stripe.com/v1/customers"}]}',
      '{"errors":[{"message":"connect ECONNREFUSED 127.0.0.1:5432"}]}',
      '{"errors":[{"message":"Unexpected error.","extensions":{"originalError":{"message":"x","stack":"y"}}}]}',
      '{"errors":[{"message":"Unexpected error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}',
      '{"errors":[{"message":"Expected value of type \\"ID!\\", found \\"\\\\u0000Ā\\"."}]}',
      '{"errors":[{"message":"query complexity 2160 exceeds the limit of 2000","path":["customers"],"extensions":{"code":"QUERY_TOO_COMPLEX"}}],"data":null}',
    ];
    const python = path.join(path.dirname(schemathesis), 'python');
    const child = spawn(python, [HOOKS]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stdin.end(samples.map((sample) => JSON.stringify(sample)).join('\n') + '\n');
    await new Promise((resolve) => child.on('close', resolve));

    const found = output.trim().split('\n').map((line) => JSON.parse(line) as { leaks: string[]; untyped: string[] });
    expect(found.map((result) => result.leaks)).toEqual([
      ['stack trace'],
      ['Prisma internals'],
      ['SQL'],
      ['Stripe internals'],
      ['service address'],
      ['stack or original error in extensions'],
      [],
      [],
      [],
    ]);
    expect(found.map((result) => result.untyped.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it(`finds no 5xx and no internal detail in ${MAX_EXAMPLES} examples per operation`, async () => {
    const reportDir = mkdtempSync(path.join(tmpdir(), 'schemathesis-'));
    const junit = path.join(reportDir, 'junit.xml');
    const { code, output } = await schemathesisRun([
      'run',
      gateway.url,
      '--header',
      `Authorization: Bearer ${testCredentials.admin}`,
      '--checks',
      'typed_errors_only,no_internal_detail',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      SEED,
      '--generation-database',
      'none',
      '--continue-on-failure',
      '--workers',
      '2',
      '--report',
      'junit',
      '--report-junit-path',
      junit,
      '--no-color',
    ], reportDir);
    console.info(output.split('\n').slice(-25).join('\n'));

    expect(code, output).toBe(0);
    // A run that tested nothing would pass too: every root query and mutation field was tested.
    const schema = gatewaySchema();
    const rootFields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((name) => `Query.${name}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((name) => `Mutation.${name}`),
    ];
    const tested = [...readFileSync(junit, 'utf8').matchAll(/<testcase name="([^"]+)"/g)].map((match) => match[1]);
    expect(tested.sort()).toEqual(rootFields.sort());
    const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
    expect(generated).toBeGreaterThanOrEqual(rootFields.length * 10);
  }, 600_000);
});
