// What the forest commands print: a model's parents with their weights, a model in full (with its weights'
// size at each --quant choice, and the ensembles it was scored in), the forest's ensemble evaluations, the lineage tree.
import { withCatalog } from '../app/catalog/with-catalog';
import { listEvaluations } from '../app/catalog/evaluations';
import { findModel, liveModelNamed, modelById, modelOverview, modelsWithWeights, readyModelNames } from '../app/catalog/models';
import { ensembleLines, scoreText } from './print-ensembles';
import { listRuns } from '../app/catalog/runs';
import { estimateVsActual } from '../shared/api/estimate-text';
import type { LightStartRecord } from '../engine/forest/light-start';
import { lineageGraph, parentsOf } from '../app/catalog/lineage';
import { parseModelConfig } from '../engine/model/config';
import { loraParameterCount } from '../engine/model/lora';
import { parameterCount } from '../engine/model/names';
import { inferenceWeightBytes } from '../engine/quant/sizes';
import { MODEL_QUANTS, QUANT_LABELS } from '../shared/api/quant';
import { GroveError } from '../shared/api/errors';

/** How a branch or a collapse was made: one line per parent, "  0.6123  law", heaviest first. */
export function printParents(home: string, name: string): void {
  withCatalog(home, (catalog) => {
    const row = liveModelNamed(catalog, name, null);
    if (!row) return;
    const parents = parentsOf(catalog, row.id);
    if (parents.length === 0) return;
    console.log(`"${name}" (model ${row.id}) is the weighted average of:`);
    for (const p of parents) console.log(`  ${p.weight.toFixed(4)}  ${p.name}`);
  });
}

/** Bytes as MiB, or KiB below one MiB (a small adapter is not "0.0 MiB"). */
function size(bytes: number): string {
  return bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** How a light branch from light parents started, in one line. */
function startText(s: LightStartRecord): string {
  if (s.start === 'exact') return `branch start exact: the parents' average as it is (rank ${s.rank}, the sum of theirs)`;
  return `branch start svd: the best rank-${s.rank} approximation of the parents' average, relative Frobenius error ${s.relativeError.toFixed(4)}`;
}

export function printModel(home: string, nameOrId: string): void {
  withCatalog(home, (catalog) => {
    const found = findModel(catalog, nameOrId);
    const row = modelOverview(catalog, found?.id ?? -1, nameOrId);
    if (!row)
      throw new GroveError('not_found', `No model "${nameOrId}" in this forest; \`grove list\` shows the models.`, { model: nameOrId });
    const config = parseModelConfig(JSON.parse(row.architectureJson));
    console.log(
      `${row.name} (model ${row.id}): ${row.role}, ${row.status}${row.domain ? `, domain ${row.domain}` : ''}, created ${row.createdAt}`,
    );
    console.log(
      `  ${config.architecture}, ${(parameterCount(config) / 1e6).toFixed(2)} M parameters, hidden ${config.hiddenSize}, ${config.numHiddenLayers} layers, vocabulary ${config.vocabSize}`,
    );
    const light = modelById(catalog, row.id).light;
    if (light) {
      const base = modelsWithWeights(catalog, light.baseSha256).map((m) => m.name);
      const { rank, alpha, targets } = light.lora;
      console.log(
        `  kind light: LoRA rank ${rank}, alpha ${alpha}, on ${targets.join(', ')}; base ${base.length > 0 ? base.join(', ') : '(no live model)'} (${light.baseSha256})`,
      );
      const trainable = loraParameterCount(config, light.lora);
      console.log(
        `  adapter ${row.weightsSha256 ?? '(not written yet)'}${row.weightsBytes ? `, ${size(row.weightsBytes)}` : ''}, ${trainable} trainable parameters (${((100 * trainable) / parameterCount(config)).toFixed(2)} % of the base)`,
      );
      if (light.start) console.log(`  ${startText(light.start)}`);
    } else {
      console.log(`  kind full`);
      console.log(`  weights ${row.weightsSha256 ?? '(not written yet)'}${row.weightsBytes ? `, ${size(row.weightsBytes)}` : ''}`);
      const sizes = inferenceWeightBytes(config);
      console.log(`  to chat with (--quant): ${MODEL_QUANTS.map((q) => `${QUANT_LABELS[q]} ${size(sizes[q])}`).join(', ')}`);
    }
    const parents = parentsOf(catalog, row.id);
    if (parents.length > 0) console.log(`  initialised from ${parents.map((p) => `${p.weight.toFixed(4)} × ${p.name}`).join(' + ')}`);
    const forestId = catalog.forest()!.id;
    for (const r of listRuns(catalog, forestId)
      .filter((r) => r.modelId === row.id)
      .reverse()) {
      console.log(
        `  run ${r.id}: ${r.status}, step ${r.step}/${r.totalSteps} on ${r.domain ?? 'the mix'}, ${r.tokens} tokens, ${r.device}${r.lastLoss !== null ? `, loss ${r.lastLoss.toFixed(4)}` : ''}${r.lastValidLoss !== null ? `, valid ${r.lastValidLoss.toFixed(4)}` : ''}`,
      );
      const judged = estimateVsActual(r.estimate, r.actual);
      if (judged) console.log(`    ${judged}`);
    }
    const evaluations = listEvaluations(catalog, forestId);
    for (const e of evaluations.filter((e) => e.spec.kind === 'model' && e.spec.model === row.name)) console.log(`  ${scoreText(e)}`);
    const member = ensembleLines(evaluations.filter((e) => e.spec.kind !== 'model' && e.spec.models.includes(row.name)));
    if (member.length > 0) console.log(`  in ensembles:\n${member.map((l) => `    ${l}`).join('\n')}`);
  });
}

/** `grove show` without a model: the forest in a line, then its stored ensemble evaluations (the heatmap's ensemble rows). */
export function printForest(home: string): void {
  withCatalog(home, (catalog) => {
    const forest = catalog.forest();
    if (!forest) throw new GroveError('not_found', `No forest in ${home} yet.`);
    const models = readyModelNames(catalog, forest.id);
    const domains = catalog.domains(forest.id);
    console.log(
      `${forest.name}: ${models.length} ready model(s), ${domains.length} domain(s), created ${forest.createdAt}; \`grove list\` lists them, \`grove show NAME\` shows one.`,
    );
    const lines = ensembleLines(listEvaluations(catalog, forest.id));
    if (lines.length === 0) {
      console.log(
        "No ensemble evaluated yet: `grove eval` scores the experts' ensemble (`--routing clusters`: the cluster-routed one of discovered experts), as Evaluate does in the app.",
      );
      return;
    }
    console.log('Ensembles evaluated (newest score per domain and split):');
    for (const l of lines) console.log(`  ${l}`);
  });
}

/** The lineage as an indented tree: each model under the parent it took the most from. */
export function printLineage(home: string): void {
  withCatalog(home, (catalog) => {
    const forest = catalog.forest();
    if (!forest) throw new GroveError('not_found', `No forest in ${home} yet.`);
    const { nodes, edges } = lineageGraph(catalog, forest.id);
    const heaviest = new Map<number, { parentId: number; weight: number }>();
    for (const e of edges)
      if ((heaviest.get(e.childId)?.weight ?? -1) < e.weight) heaviest.set(e.childId, { parentId: e.parentId, weight: e.weight });
    const children = (id: number | null) => nodes.filter((n) => (heaviest.get(n.id)?.parentId ?? null) === id);
    const walk = (id: number | null, depth: number) => {
      for (const n of children(id)) {
        const all = edges.filter((e) => e.childId === n.id);
        const mix =
          all.length > 1
            ? `  (${all.map((e) => `${e.weight.toFixed(3)} × ${nodes.find((x) => x.id === e.parentId)?.name}`).join(' + ')})`
            : '';
        console.log(
          `${'  '.repeat(depth)}${depth > 0 ? '└ ' : ''}${n.name}  [${n.role}${n.status === 'ready' ? '' : `, ${n.status}`}${n.domain ? `, ${n.domain}` : ''}]${mix}`,
        );
        walk(n.id, depth + 1);
      }
    };
    walk(null, 0);
  });
}
