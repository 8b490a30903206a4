// The whole BTM journey through the `grove` command on a tiny forest grown from scratch: init (tokenizer and
// seed on two folders, then an expert each) -> add -> add (posterior-weighted branches) -> chat -> collapse
// -> eval, with prior, show, lineage, jobs, remove and gc along the way.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/app/catalog/catalog';
import { listRuns } from '../../src/app/catalog/runs';
import { catalogPath } from '../../src/app/home';
import { assertBuilt, groveBin } from '../helpers/grove-process';
import { writeDomainFolder } from '../helpers/forest-service';
import { tempDir } from '../helpers/tmp';

const dir = tempDir();
const home = join(dir, 'home');
const grove = (...args: string[]) => {
  const r = spawnSync(process.execPath, [groveBin, '--home', home, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`grove ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return { out: r.stdout, err: r.stderr };
};

const folders = {
  law: (i: number) => `Clause ${i}: the tenant shall pay the landlord the rent on the first day of every month.`,
  med: (i: number) => `Patient ${i} was given aspirin for the fever and rested for two days in the ward.`,
  lease: (i: number) => `Section ${i}: the landlord shall return the deposit to the tenant within thirty days.`,
  clinic: (i: number) => `Nurse ${i} checked the patient's fever twice a day and wrote it in the chart.`,
};

beforeAll(() => {
  assertBuilt();
  for (const [name, sentence] of Object.entries(folders)) writeDomainFolder(dir, name, sentence);
});

// Each step runs several worker processes (a tokenizer, a seed, experts): more than the default minute on a busy CI machine.
describe('grove, end to end', { timeout: 180_000 }, () => {
  it('grows a forest from scratch: a tokenizer and a seed on the mix, then one expert per folder', () => {
    const { out, err } = grove(
      'init',
      '--domain',
      `law=${join(dir, 'law')}`,
      '--domain',
      `med=${join(dir, 'med')}`,
      '--shape',
      'micro',
      '--vocab',
      '400',
      '--steps',
      '12',
      '--experts',
      '--expert-steps',
      '6',
    );
    expect(out).toMatch(/a seed trained from scratch on 2 domain\(s\) and 2 experts/);
    expect(err).toMatch(/Grow a forest: seed on law, med/);
    expect(err).toMatch(/Train expert “law”/);
    const list = grove('list').out;
    expect(list).toMatch(/\tseed\tseed/);
    expect(list).toMatch(/\texpert\tlaw\tlaw/);
    expect(list).toMatch(/\texpert\tmed\tmed/);
  });

  it('adds domains: ingest, then branch from the posterior over the experts, train and merge', () => {
    const lease = grove('add', join(dir, 'lease'), '--domain', 'lease', '--steps', '6');
    expect(lease.out).toMatch(/"lease" \(model \d+\) is the weighted average of:\n {2}\d\.\d{4} {2}(law|med)\n {2}\d\.\d{4} {2}(law|med)/);
    const clinic = grove('add', join(dir, 'clinic'), '--domain', 'clinic', '--top-k', '1', '--steps', '6', '--threads', '1');
    expect(clinic.out).toMatch(/"clinic" \(model \d+\) is the weighted average of:\n {2}1\.0000 {2}(law|med|lease)\n/);
    // --threads is this run's; the other runs keep the forest's setting (0: every core).
    const catalog = Catalog.open(catalogPath(home));
    const threads = listRuns(catalog, catalog.forest()!.id)
      .filter((r) => r.modelName === 'lease' || r.modelName === 'clinic')
      .map((r) => ({ name: r.modelName, threads: (r.config as { settings: { threads: number } }).settings.threads }))
      .sort((a, b) => a.name.localeCompare(b.name));
    catalog.close();
    expect(threads).toEqual([
      { name: 'clinic', threads: 1 },
      { name: 'lease', threads: 0 },
    ]);
    const prior = grove('prior').out;
    expect(prior).toMatch(/^domain:lease/m);
    expect(prior).toMatch(/^domain:clinic/m);
    expect(grove('show', 'lease').out).toMatch(/run \d+: done, step 6\/6 on lease/);
    const tree = grove('lineage').out;
    expect(tree).toMatch(/^seed {2}\[seed\]/m);
    expect(tree).toMatch(/└ lease {2}\[expert, lease\] {2}\(\d\.\d{3} × (law|med) \+ \d\.\d{3} × (law|med)\)/);
  });

  it('chats with the forest’s experts, collapses them into one model, and evaluates everything', () => {
    const chat = spawnSync(
      process.execPath,
      [groveBin, '--home', home, 'chat', '--temperature', '0', '--max-tokens', '8', '--threads', '1'],
      { input: 'The tenant shall\n', encoding: 'utf8' },
    );
    expect(chat.status, chat.stderr).toBe(0);
    expect(chat.stderr).toMatch(/posterior: law \d\.\d{3}, med \d\.\d{3}, lease \d\.\d{3}, clinic \d\.\d{3}/);
    const collapsed = grove('collapse', '--name', 'merged', '--target', 'mix');
    expect(collapsed.out).toMatch(/"merged" \(model \d+\) is the weighted average of:(\n {2}\d\.\d{4} {2}\w+){4}/);
    const table = grove('eval', '--context', '32', '--threads', '1').out;
    expect(table.split('\n')[0]).toBe('model\tdomain\tsplit\ttokens\tloss\tperplexity\tbits/byte\tweights');
    for (const model of ['seed', 'law', 'med', 'lease', 'clinic', 'merged'])
      expect(table).toMatch(new RegExp(`^${model}\\tlaw\\ttest\\t\\d+\\t`, 'm'));
    expect(table).toMatch(/^ensemble \(cached prior, context posterior\)\tclinic\ttest/m);
    expect(grove('show', 'merged').out).toMatch(/clinic test: perplexity \d+\.\d\d/);
    // One cached prior: `grove eval` weighs the experts with the prior `grove prior` stored for the domain.
    const prior = grove('prior', '--target', 'domain:clinic').out;
    const stored = new Map([...prior.matchAll(/^ {2}(\d\.\d{4}) {2}(\w+)$/gm)].map((m) => [m[2]!, Number(m[1])]));
    expect([...stored.keys()].sort()).toEqual(['clinic', 'law', 'lease', 'med']);
    const experts = ['law', 'med', 'lease', 'clinic'];
    const row = grove('eval', '--model', ...experts, '--domain', 'clinic', '--context', '32', '--threads', '1')
      .out.split('\n')
      .find((l) => l.startsWith('ensemble'))!;
    const used = row.split('\t')[7]!.split(' ').map(Number);
    experts.forEach((name, j) => expect(used[j]).toBeCloseTo(stored.get(name)!, 2));
  });

  it('lists the jobs, removes an expert and collects its files', () => {
    expect(
      grove('jobs')
        .out.split('\n')
        .filter((l) => /\tdone\t/.test(l)).length,
    ).toBeGreaterThanOrEqual(8);
    expect(grove('remove', 'clinic').out).toMatch(/Removed "clinic"/);
    expect(grove('gc').out).toMatch(/Deleted [1-9]\d* file\(s\)/);
    expect(grove('list').out).not.toMatch(/\tclinic\tclinic/);
    expect(() => grove('remove', 'seed')).toThrow(/the forest's seed/);
  });
});
