import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const appDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'app');

let bundle: Promise<string> | undefined;

/**
 * The console's script: app/main.js with preact, htm and graphql-ws bundled by esbuild from
 * node_modules, once per process (about 50 ms) and kept in memory. Nothing is fetched from a CDN,
 * and no build step has to run before the gateway starts.
 */
export function consoleScript(): Promise<string> {
  bundle ??= build({
    entryPoints: [path.join(appDir, 'main.js')],
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    write: false,
    legalComments: 'none',
  }).then((result) => result.outputFiles[0]!.text);
  bundle.catch(() => (bundle = undefined)); // a failed build is tried again on the next request
  return bundle;
}

export const consoleStylesheet = path.join(appDir, 'console.css');
