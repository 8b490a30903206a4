// `grove mix save|list|remove`: saved mixes, a name for a way of mixing the forest (fixed weights, the live
// posterior over the top-k experts by prior, or c-BTM's routing by the discovered clusters) that the
// OpenAI-compatible endpoint and the app can call by that name. The same calls as the app's "Save this mix" (app/api/mix-calls.ts).
import type { Command } from 'commander';
import { GroveError } from '../../shared/api/errors';
import type { ChatMix } from '../../shared/api/schemas-chat';
import type { SavedMixView } from '../../shared/api/schemas-mix';
import { modelNameArg } from '../options';
import { withService } from '../with-service';
import { parseWeights } from './mix-options';

interface SaveFlags {
  weights?: string;
  topExperts?: number;
  routing?: string;
  replace?: boolean;
}

function mixOf(o: SaveFlags): ChatMix {
  if (o.weights !== undefined && o.topExperts !== undefined)
    throw new GroveError(
      'bad_input',
      'Give either --weights (a fixed mix) or --top-experts K (the posterior over the K experts of largest prior), not both.',
    );
  if (o.routing !== undefined && o.routing !== 'posterior' && o.routing !== 'clusters')
    throw new GroveError('bad_input', `--routing is posterior (the default) or clusters, not ${JSON.stringify(o.routing)}.`);
  const clusters = o.routing === 'clusters';
  if (o.weights !== undefined && clusters)
    throw new GroveError(
      'bad_input',
      '--routing clusters weighs the discovered experts by the clusterer; it takes no --weights. Leave out one of the two.',
    );
  if (o.weights !== undefined) return { kind: 'manual', weights: parseWeights(o.weights) };
  if (o.topExperts !== undefined) {
    if (!(Number.isInteger(o.topExperts) && o.topExperts >= 1 && o.topExperts <= 64))
      throw new GroveError('bad_input', `--top-experts must be a whole number from 1 to 64, not ${o.topExperts}.`);
    return { kind: 'auto', topK: o.topExperts, ...(clusters ? { routing: 'clusters' as const } : {}) };
  }
  if (clusters) return { kind: 'auto', routing: 'clusters' };
  throw new GroveError(
    'bad_input',
    'Say how the mix weighs the experts: --weights law=0.7,med=0.3 (fixed), --top-experts K (the live posterior over the K experts of largest prior), or --routing clusters (by the discovered clusters).',
  );
}

/** "law 0.7, med 0.3" or "top 2 experts by prior, live posterior". */
export function describeMix(mix: ChatMix | null): string {
  if (!mix) return '(saved by a newer Grove)';
  if (mix.kind === 'manual')
    return `fixed: ${Object.entries(mix.weights)
      .map(([name, w]) => `${name} ${w}`)
      .join(', ')}`;
  if (mix.kind === 'model') return `one model: ${mix.model}`;
  if (mix.routing === 'clusters')
    return `routed by the clusters (c-BTM) to ${mix.topK === undefined ? 'every discovered expert' : mix.topK === 1 ? 'the nearest discovered expert' : `the ${mix.topK} nearest discovered experts`}`;
  return `live posterior over ${mix.topK !== undefined ? `the top ${mix.topK} experts by prior` : 'every expert'}`;
}

const line = (m: SavedMixView): string =>
  `  ${m.name}\t${describeMix(m.mix)}${m.problem ? `\t(cannot run now: ${m.problem})` : `\t-> ${m.models.join(', ')}`}`;

export function registerMix(program: Command): void {
  const mix = program
    .command('mix')
    .description(
      'saved mixes: a name for a way of mixing the forest, callable by that name (the OpenAI-compatible endpoint lists them as models)',
    );
  mix
    .command('save <name>')
    .description(
      'save a mix: --weights name=w,... (fixed), --top-experts K (the live posterior over the K experts of largest prior), or --routing clusters',
    )
    .option('--weights <list>', 'fixed weights: law=0.7,med=0.3')
    .option(
      '--top-experts <k>',
      'run the k experts of largest prior, weighed by the live domain posterior (with --routing clusters: the k nearest)',
      Number,
    )
    .option(
      '--routing <how>',
      'clusters: weigh the experts `grove add --discover` grew by the distance of the text to their clusters (c-BTM), as `grove generate --routing clusters`; posterior: the domain posterior (default)',
    )
    .option('--replace', 'replace a mix saved under this name')
    .action(async (name: string, o: SaveFlags, cmd: Command) => {
      const saved = await withService(cmd, (s) =>
        s.saveMix({ name: modelNameArg(name), mix: mixOf(o), ...(o.replace ? { replace: true } : {}) }),
      );
      console.log(`saved mix ${saved.name}: ${describeMix(saved.mix)} (models: ${saved.models.join(', ')})`);
    });
  mix
    .command('list')
    .description('the saved mixes')
    .action(async (_o: unknown, cmd: Command) => {
      const mixes = await withService(cmd, (s) => s.mixes({}));
      if (mixes.length === 0) console.log('No saved mixes yet: `grove mix save NAME --weights a=0.5,b=0.5` saves one.');
      for (const m of mixes) console.log(line(m));
    });
  mix
    .command('remove <name>')
    .description('remove a saved mix')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { removed } = await withService(cmd, (s) => s.removeMix({ name }));
      if (!removed)
        throw new GroveError('not_found', `No saved mix named ${JSON.stringify(name)}; \`grove mix list\` shows them.`, { mix: name });
      console.log(`removed mix ${name}`);
    });
}
