#!/usr/bin/env node
// The `grove` command: runs the built CLI (out/node/cli.js).
import { existsSync } from 'node:fs';

const cli = new URL('../out/node/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('grove: not built yet; run `npm run build` in the Grove folder first.');
  process.exit(1);
}
await import(cli.href);
