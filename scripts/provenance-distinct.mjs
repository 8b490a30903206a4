// How distinct the domains of a --domains folder are, measured cheaply and without any model: a byte-bigram
// language model (add-k smoothed) is fitted on each domain's training documents and scored, in bits per byte, on
// every domain's held-back documents. The diagonal is in-domain; a domain whose column is far above its diagonal
// elsewhere is one that specialising helps on. Documents are split by sorted name (every 5th held back), so the
// table is the same on every machine. Prints a markdown table.
//   node scripts/provenance-distinct.mjs DIR
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) throw new Error('usage: node scripts/provenance-distinct.mjs DIR');
const K = 0.01;
const domains = readdirSync(root)
  .filter((d) => !d.startsWith('.') && statSync(join(root, d)).isDirectory())
  .sort();

function split(domain) {
  const files = readdirSync(join(root, domain)).sort();
  const train = [];
  const test = [];
  files.forEach((f, i) => (i % 5 === 4 ? test : train).push(readFileSync(join(root, domain, f))));
  return { train, test };
}

function fit(buffers) {
  const counts = new Float64Array(256 * 256);
  const totals = new Float64Array(256);
  for (const b of buffers) {
    for (let i = 1; i < b.length; i++) {
      counts[b[i - 1] * 256 + b[i]]++;
      totals[b[i - 1]]++;
    }
  }
  const logp = new Float64Array(256 * 256);
  for (let a = 0; a < 256; a++)
    for (let c = 0; c < 256; c++) logp[a * 256 + c] = -Math.log2((counts[a * 256 + c] + K) / (totals[a] + 256 * K));
  return logp;
}

function bitsPerByte(logp, buffers) {
  let bits = 0;
  let n = 0;
  for (const b of buffers) {
    for (let i = 1; i < b.length; i++) bits += logp[b[i - 1] * 256 + b[i]];
    n += Math.max(0, b.length - 1);
  }
  return bits / n;
}

const data = new Map(domains.map((d) => [d, split(d)]));
const models = new Map(domains.map((d) => [d, fit(data.get(d).train)]));
const rows = domains.map((m) => domains.map((d) => bitsPerByte(models.get(m), data.get(d).test)));
console.log(`| model \\ test | ${domains.join(' | ')} |`);
console.log(`|---|${domains.map(() => '---:').join('|')}|`);
domains.forEach((m, i) => console.log(`| ${m} | ${rows[i].map((v, j) => (i === j ? `**${v.toFixed(2)}**` : v.toFixed(2))).join(' | ')} |`));
// For each test domain: its own model's bits/byte, the best other model's, and the ratio (how much a specialist helps).
console.log('\n| test domain | own model | best other model | best other / own |\n|---|---:|---|---:|');
domains.forEach((d, j) => {
  const own = rows[j][j];
  let best = -1;
  domains.forEach((_, i) => {
    if (i !== j && (best < 0 || rows[i][j] < rows[best][j])) best = i;
  });
  console.log(`| ${d} | ${own.toFixed(2)} | ${domains[best]} ${rows[best][j].toFixed(2)} | ${(rows[best][j] / own).toFixed(2)} |`);
});
