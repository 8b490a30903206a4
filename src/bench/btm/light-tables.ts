// The light forest's part of the BTM report (`--light`): per seed fraction, how its compute was counted (steps,
// FLOPs per token and per expert beside the full expert's), its rows in their own table with the seed, the
// dense model and the full forest's expert and ensemble above them for reference, and what the light forest
// shows against them; every light expert on every genre at the headline fraction; and headline figures.
import type { Figure } from '../report';
import type { BtmConfig } from './config';
import { change, matrixTable, meanFigure, pct, ppl, rowsTable } from './markdown';
import type { BtmResult, ForestResult, LightForestResult, LightRowId, Row } from './results';

/** The full forest's rows shown above the light ones, for reference. */
const REFERENCE_ROWS = ['seed', 'dense', 'expert', 'ensemble-cached-context'] as const;

const flops = (v: number) => v.toExponential(3);

function lightRow(light: LightForestResult, id: LightRowId): Row<LightRowId> {
  return light.rows.find((r) => r.id === id)!;
}

function accounting(result: BtmResult, forest: ForestResult, light: LightForestResult): string {
  const c = result.config as BtmConfig;
  const b = light.budget;
  const tokensPerStep = c.batchSize * c.contextLength;
  return [
    `Light experts: a fresh LoRA adapter each (rank ${light.rank}, alpha ${light.alpha}, on ${light.targets.join(', ')}; ${light.adapterParameters} parameters, ${((100 * light.adapterParameters) / result.model.parameters).toFixed(1)} % of the model's ${result.model.parameters}; A seeded per expert, B zero) over the seed's weights at ${pct(forest.fraction)}, which stay frozen; fresh AdamW state; the full experts' schedule (from the branch point's rate ${forest.branchLr.toExponential(2)}, linear to the same floor)${light.lrScale === 1 ? '' : ` times ${light.lrScale}`} over the light expert's steps; the same batches (${tokensPerStep} tokens per step) in the same order as the full expert of the domain.`,
    `Equal FLOPs: a full step costs ${flops(b.fullFlopsPerToken)} training FLOPs per token and a light step ${flops(b.lightFlopsPerToken)} (no weight gradients and no optimizer pass over the base; estimate.ts), ${(b.lightFlopsPerToken / b.fullFlopsPerToken).toFixed(3)} of a full step. Each full expert's ${forest.expertSteps} steps (${flops(b.fullExpertFlops)} FLOPs) buy floor(${forest.expertSteps} x ${(b.fullFlopsPerToken / b.lightFlopsPerToken).toFixed(3)}) = **${b.steps} light steps** (${flops(b.lightExpertFlops)} FLOPs, never more than the full expert's). The seed phase is the same ${forest.seedSteps} steps for both forests.`,
  ].join('\n\n');
}

function verdicts(forest: ForestResult, light: LightForestResult): string {
  const full = (id: (typeof REFERENCE_ROWS)[number]) => forest.rows.find((r) => r.id === id)!;
  const line = (what: string, b: Row<string>, w: Row<string>) =>
    `- ${what}: in domain ${ppl(b.inDomain.perplexity)} vs ${ppl(w.inDomain.perplexity)} (${change(b.inDomain.perplexity, w.inDomain.perplexity)}), out of domain ${ppl(b.outOfDomain.perplexity)} vs ${ppl(w.outOfDomain.perplexity)} (${change(b.outOfDomain.perplexity, w.outOfDomain.perplexity)}).`;
  const ensemble = lightRow(light, 'light-ensemble-cached-context');
  return [
    line('light cached-prior ensemble vs the dense model', ensemble, full('dense')),
    line('light cached-prior ensemble vs the full cached-prior ensemble', ensemble, full('ensemble-cached-context')),
    line(
      'light posterior-weighted average vs light uniform average',
      lightRow(light, 'light-average-posterior'),
      lightRow(light, 'light-average-uniform'),
    ),
    line('light domain experts vs the seed they started from', lightRow(light, 'light-expert'), full('seed')),
    line(
      'light cached-prior ensemble vs the light random-split control (same steps, random parts of the same text)',
      ensemble,
      lightRow(light, 'light-random-cached-context'),
    ),
  ].join('\n');
}

export function lightSections(result: BtmResult): { title: string; markdown: string }[] {
  const c = result.config as BtmConfig;
  const withLight = result.forests.filter((f): f is ForestResult & { light: LightForestResult } => f.light !== undefined);
  const main = withLight.find((f) => f.fraction === c.mainFraction);
  return [
    ...withLight.map((f) => ({
      title: `Light experts (LoRA rank ${f.light.rank}): test perplexity, seed phase ${pct(f.fraction)}`,
      markdown: [
        accounting(result, f, f.light),
        rowsTable(result, [...REFERENCE_ROWS.map((id) => f.rows.find((r) => r.id === id)!), ...f.light.rows], 'perplexity'),
        verdicts(f, f.light),
      ].join('\n\n'),
    })),
    ...(main
      ? [
          {
            title: `Every light expert on every genre (test perplexity), seed phase ${pct(main.fraction)}`,
            markdown: matrixTable(result, main.light, 'light '),
          },
        ]
      : []),
  ];
}

/** Per seed fraction: the light ensemble against the dense model and against the full ensemble (ratio < 1: the light side won). */
export function lightFigures(result: BtmResult): Figure[] {
  const figures: Figure[] = [];
  for (const f of result.forests) {
    if (!f.light) continue;
    const ensemble = lightRow(f.light, 'light-ensemble-cached-context');
    for (const id of ['dense', 'ensemble-cached-context'] as const) {
      const other = f.rows.find((r) => r.id === id)!;
      for (const side of ['inDomain', 'outOfDomain'] as const) {
        const where = side === 'inDomain' ? 'in-domain' : 'out-of-domain';
        figures.push(
          meanFigure(`light, seed ${pct(f.fraction)}, ${where} mean ppl vs ${other.label}: ${ensemble.label}`, ensemble[side], {
            name: other.label,
            value: other[side],
          }),
        );
      }
    }
  }
  return figures;
}
