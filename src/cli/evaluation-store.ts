// Where `grove eval` keeps its scores: in the forest's catalog, for the models (and ensembles of models)
// that belong to the forest; a model given as a folder outside the forest is printed, not stored.
import { forestContextLength } from '../app/api/evaluation-plan';
import { Catalog } from '../app/catalog/catalog';
import { insertEvaluation } from '../app/catalog/evaluations';
import { findModel, modelCollapse, readyModelNames } from '../app/catalog/models';
import { collapseText } from '../shared/api/collapse-facts';
import type { Evaluation } from '../engine/eval/perplexity';
import { priorOver } from '../engine/forest/prior-over';
import { loadPrior, priorTarget } from '../app/forest/prior-store';
import { catalogPath } from '../app/home';
import type { EvaluationSpec } from '../app/store/evaluate-job';
import { routedSpec } from '../app/store/routed-ensemble';

export class EvaluationStore {
  private readonly catalog: Catalog;

  constructor(home: string) {
    this.catalog = Catalog.open(catalogPath(home));
  }

  /** Every ready model of the forest with weights, in the order they were made. */
  readyModels(): string[] {
    return readyModelNames(this.catalog, null);
  }

  domains(): string[] {
    const forest = this.catalog.forest();
    return forest
      ? this.catalog
          .domains(forest.id)
          .filter((d) => d.statsJson)
          .map((d) => d.name)
      : [];
  }

  private domainId(name: string): { forestId: number; id: number } | null {
    const forest = this.catalog.forest();
    const d = forest && this.catalog.domains(forest.id).find((x) => x.name === name);
    return forest && d ? { forestId: forest.id, id: d.id } : null;
  }

  /** How a collapsed model was made ("collapsed: ties (density 0.5), posterior weights on mix"); null for other models. */
  made(name: string): string | null {
    const m = findModel(this.catalog, name);
    if (!m || m.role !== 'collapsed') return null;
    const facts = modelCollapse(this.catalog, m.id);
    return `collapsed: ${facts ? collapseText(facts) : 'how is not recorded (made before Grove kept it)'}`;
  }

  model(name: string, domain: string, e: Evaluation): void {
    const m = findModel(this.catalog, name);
    const d = this.domainId(domain);
    if (m && d) insertEvaluation(this.catalog, d.forestId, { kind: 'model', model: m.name, modelId: m.id }, d.id, e);
  }

  ensemble(
    names: readonly string[],
    prior: 'cached' | 'uniform',
    posterior: 'context' | 'last-token',
    domain: string,
    e: Evaluation,
  ): void {
    const models = names.map((n) => findModel(this.catalog, n));
    const d = this.domainId(domain);
    if (!d || models.some((m) => !m)) return;
    const spec: EvaluationSpec = {
      kind: 'ensemble',
      models: models.map((m) => m!.name),
      modelIds: models.map((m) => m!.id),
      prior,
      posterior,
    };
    insertEvaluation(this.catalog, d.forestId, spec, d.id, e);
  }

  /** A cluster-routed ensemble's score (`grove eval --routing clusters`), kept beside the posterior ensembles' and marked as routed. */
  routed(names: readonly string[], domain: string, e: Evaluation): void {
    const models = names.map((n) => findModel(this.catalog, n));
    const d = this.domainId(domain);
    if (!d || models.some((m) => !m)) return;
    insertEvaluation(this.catalog, d.forestId, routedSpec(models.map((m) => m!)), d.id, e);
  }

  /** The cached prior of `domain:NAME` over these forest models, in their order; null when none is stored. */
  cachedPrior(names: readonly string[], domain: string): number[] | null {
    const models = names.map((n) => findModel(this.catalog, n));
    const d = this.domainId(domain);
    if (!d || models.some((m) => !m)) return null;
    const stored = loadPrior(this.catalog, d.forestId, priorTarget.domain(domain));
    const ids = models.map((m) => m!.id);
    return stored && ids.every((id) => stored.modelIds.includes(id)) ? priorOver(stored, ids) : null;
  }

  /** The forest's context length (the window the app's evaluations score with); null without a forest. */
  contextLength(): number | null {
    const forest = this.catalog.forest();
    return forest ? forestContextLength(this.catalog, forest.id) : null;
  }

  close(): void {
    this.catalog.close();
  }
}
