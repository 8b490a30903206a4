// Binds a light expert's adapter tensors (model/lora.ts) to the forward's AdapterOf, in the two ways a graph
// holds them: as PEFT's factors (the train step's trainable inputs) or as run inputs of the inference graphs,
// where one compiled graph of the base serves every light expert over it (and a batch of them, one per row)
// because the adapters are fed with each run rather than built into the graph.
import type { Graph, Value } from '../../graph';
import type { ModelConfig } from '../config';
import { LORA_TARGETS, loraScale, loraSpecs, type LoraConfig, type LoraTarget } from '../lora';
import type { AdapterOf, LowRank } from './attention';

/** tensor(name) gives the float32 value of an adapter tensor by its spec name (model.layers.N.….lora_A.weight). */
export function adapterOf(config: ModelConfig, lora: LoraConfig, tensor: (name: string) => Value): AdapterOf {
  const scale = loraScale(lora);
  const byProjection = new Map<string, LowRank>();
  for (const s of loraSpecs(config, lora)) {
    if (s.factor !== 'A') continue;
    byProjection.set(s.projection, { a: tensor(s.name), b: tensor(`${s.projection}.lora_B.weight`), scale });
  }
  return (projection) => byProjection.get(projection);
}

/** The run input holding a projection's A^T (factor A) or scaled B^T (factor B); see FedProjection. */
export const adapterInputName = (projection: string, factor: 'A' | 'B'): string =>
  `adapter.${projection}.${factor === 'A' ? 'a_t' : 'b_t_scaled'}`;

/** One adapted projection of a graph with fed adapters: its module path and its base weight's sides. */
export interface FedProjection {
  projection: string;
  in: number;
  out: number;
}

/** The projections `targets` adapt, in loraSpecs' order (layer, then the model's projection order). */
export function fedProjections(config: ModelConfig, targets: readonly LoraTarget[]): FedProjection[] {
  // Rank 1 only to read the sides: A is [r, in], B [out, r], and B follows its A.
  const specs = loraSpecs(config, { rank: 1, alpha: 1, targets });
  const out: FedProjection[] = [];
  for (let i = 0; i < specs.length; i += 2)
    out.push({ projection: specs[i]!.projection, in: specs[i]!.shape[1] as number, out: specs[i + 1]!.shape[0] as number });
  return out;
}

/** Targets in Grove's order, each once: the set a graph with fed adapters is compiled for. */
export const orderedTargets = (targets: Iterable<LoraTarget>): LoraTarget[] => {
  const set = new Set(targets);
  return LORA_TARGETS.filter((t) => set.has(t));
};

/**
 * Graph inputs for fed adapters on the projections `targets` adapt: per projection A^T [batch, in, rank]
 * and (alpha / r) B^T [batch, rank, out] (perRow: batch row j is expert j), or [in, rank] and [rank, out]
 * (one adapter for every row: the score graph's windows). The rank is a named dim, so experts of any rank
 * run on one compiled graph (a batch of different ranks is padded with zeros to the largest).
 */
export function fedAdapter(g: Graph, config: ModelConfig, targets: readonly LoraTarget[], perRow: boolean): AdapterOf {
  const byProjection = new Map<string, LowRank>();
  for (const p of fedProjections(config, targets)) {
    const lead = perRow ? ['batch'] : [];
    byProjection.set(p.projection, {
      aT: g.input(adapterInputName(p.projection, 'A'), 'float32', [...lead, p.in, 'rank']),
      bT: g.input(adapterInputName(p.projection, 'B'), 'float32', [...lead, 'rank', p.out]),
    });
  }
  return (projection) => byProjection.get(projection);
}
