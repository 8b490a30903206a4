// A GroveService with real job workers (out/node/job-worker.js child processes) over a tiny forest whose
// seed was planted from a model folder, and helpers to wait for its jobs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GroveService } from '../../src/app/api/service';
import { nodeWorkerLauncher } from '../../src/app/jobs/node-launcher';
import { initForestFromModel } from '../../src/app/store/init';
import type { GroveEvent, JobView } from '../../src/shared/api';
import { TINY_CHAT_CONFIG } from './chat-forest';
import { assertBuilt, repoRoot } from './grove-process';
import { writeTestModel } from './model';
import { writeTestTokenizer } from './tokenizer';

export function jobService(home: string): GroveService {
  assertBuilt();
  return new GroveService({ forestHome: home, transport: 'http', workers: nodeWorkerLauncher(join(repoRoot, 'out/node/job-worker.js')) });
}

/** Resolves with the job's view once it is done, failed, cancelled or paused. */
export function jobSettled(
  service: GroveService,
  id: number,
  settled: readonly JobView['status'][] = ['done', 'failed', 'cancelled', 'paused'],
): Promise<JobView> {
  return new Promise((resolve) => {
    const check = (job: JobView) => {
      if (job.id === id && settled.includes(job.status)) {
        off();
        resolve(job);
      }
    };
    const off = service.onEvent((e: GroveEvent) => e.type === 'job.changed' && check(e.job));
    void service.jobs({}).then((jobs) => jobs.forEach(check));
  });
}

/** A forest home with a tiny seed (random weights) and its tokenizer, as `grove init --from` makes one. */
export async function plantTinyForest(dir: string): Promise<string> {
  const tokenizer = await writeTestTokenizer(dir, 320);
  await writeTestModel(join(dir, 'seed'), TINY_CHAT_CONFIG, { seed: 1, tokenizer });
  const home = join(dir, 'home');
  await initForestFromModel(home, join(dir, 'seed'));
  return home;
}

/** A folder of small documents on one theme: enough text for a trainable domain. */
export function writeDomainFolder(dir: string, name: string, sentence: (i: number) => string, files = 30): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(folder, `${name}-${i}.txt`), `${sentence(i)}\n`.repeat(60));
  return folder;
}

/**
 * A tiny Hugging Face-layout seed (with its tokenizer) in `dir/tiny-seed` and a folder of 25 poems in `dir/poems`:
 * what the CLI tests of multi-step operations (init, add, a killed training) start from.
 */
export async function writeSeedAndPoems(dir: string): Promise<{ seed: string; poems: string }> {
  const tokenizer = await writeTestTokenizer(dir, 320);
  const seed = join(dir, 'tiny-seed');
  await writeTestModel(
    seed,
    {
      architecture: 'LlamaForCausalLM',
      vocabSize: 320,
      hiddenSize: 32,
      intermediateSize: 64,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
      tieWordEmbeddings: true,
    },
    { seed: 9, tokenizer },
  );
  const poems = join(dir, 'poems');
  mkdirSync(poems);
  for (let i = 0; i < 25; i++)
    writeFileSync(
      join(poems, `p${i}.txt`),
      `Poem ${i}: the willow bends, the river ${i} runs, and the heron waits by the stone.\n`.repeat(80),
    );
  return { seed, poems };
}

/** Two themes (law, med) as a test forest's domains, each ingested through the service to the end. */
export const LAW_AND_MED = {
  law: (i: number) => `Clause ${i}: the tenant shall pay the landlord the rent on the first day of the month.`,
  med: (i: number) => `Patient ${i} was given aspirin for the fever and rested for two days in the ward.`,
} as const;

/** Writes and ingests one domain folder per entry of `domains`; throws unless every ingest job ends done. */
export async function ingestDomains(
  service: GroveService,
  dir: string,
  domains: Readonly<Record<string, (i: number) => string>>,
): Promise<void> {
  for (const [name, sentence] of Object.entries(domains)) {
    const job = await jobSettled(service, (await service.addDomain({ folder: writeDomainFolder(dir, name, sentence), domain: name })).id);
    if (job.status !== 'done') throw new Error(`ingest of ${name} ended ${job.status}: ${job.error ?? ''}`);
  }
}
