// The forest judged against one dense model (btm.md "What the paper measured"): on each domain where both were
// scored on the test split, how much lower the forest's perplexity is than the compute-matched baseline's. The
// forest is its experts' ensemble under the cached prior with the context posterior (what the evaluate job
// scores); a forest of one expert is that expert. Its collapsed model, where it has one, is judged the same way.
import { GroveError } from '../../shared/api/errors';
import type { EvaluationView } from '../../shared/api/schemas-forest';
import type { DomainVerdict, Verdict } from '../../shared/api/schemas-verdict';

export interface VerdictParties {
  baseline: string;
  /** The forest's experts, by name; with two or more, their ensemble stands for the forest. */
  experts: readonly string[];
  collapsed: string | null;
  /** The domains the experts were trained on (the others are out of domain for the forest). */
  expertDomains: readonly string[];
  trainingTokens: number;
}

/** (baseline - other) / baseline: the fraction by which the other's perplexity is lower. */
export function perplexityGain(baseline: number, other: number): number {
  return (baseline - other) / baseline;
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Whether an evaluation scored the forest: the ensemble of exactly these experts (cached prior, context posterior), or the one expert. */
function scoresForest(e: EvaluationView, experts: readonly string[]): boolean {
  if (experts.length === 1) return e.spec.kind === 'model' && e.spec.model === experts[0];
  return e.spec.kind === 'ensemble' && e.spec.prior === 'cached' && e.spec.posterior === 'context' && sameMembers(e.spec.models, experts);
}

/** The newest test perplexity per domain of the evaluations `pick` selects. */
function perplexities(evaluations: readonly EvaluationView[], pick: (e: EvaluationView) => boolean): Map<string, EvaluationView> {
  const newest = new Map<string, EvaluationView>();
  for (const e of evaluations) {
    if (e.split !== 'test' || !pick(e)) continue;
    const known = newest.get(e.domain);
    if (!known || known.createdAt <= e.createdAt) newest.set(e.domain, e);
  }
  return newest;
}

/** The verdict, domain by domain in the order the evaluations name them; refused when no domain has both scores. */
export function judgeForest(evaluations: readonly EvaluationView[], p: VerdictParties): Omit<Verdict, 'createdAt'> {
  if (p.experts.length === 0)
    throw new GroveError('conflict', 'The forest has no trained experts to judge against the baseline: train an expert first.');
  const model = (name: string) => (e: EvaluationView) => e.spec.kind === 'model' && e.spec.model === name;
  const baseline = perplexities(evaluations, model(p.baseline));
  const forest = perplexities(evaluations, (e) => scoresForest(e, p.experts));
  const collapsed = p.collapsed === null ? new Map<string, EvaluationView>() : perplexities(evaluations, model(p.collapsed));
  const domains: DomainVerdict[] = [];
  for (const [domain, b] of baseline) {
    const f = forest.get(domain);
    if (!f) continue;
    const c = collapsed.get(domain);
    domains.push({
      domain,
      baseline: b.perplexity,
      forest: f.perplexity,
      collapsed: c ? c.perplexity : null,
      forestGain: perplexityGain(b.perplexity, f.perplexity),
      collapsedGain: c ? perplexityGain(b.perplexity, c.perplexity) : null,
      inDomain: p.expertDomains.includes(domain),
    });
  }
  if (domains.length === 0) {
    throw new GroveError(
      'conflict',
      `No domain has test scores for both the baseline "${p.baseline}" and the forest (${p.experts.join(', ')}): evaluate them on the same domains (the Evaluate button, or \`grove eval\`), then compare again.`,
      { baseline: p.baseline },
    );
  }
  return { baseline: p.baseline, experts: [...p.experts], collapsed: p.collapsed, trainingTokens: p.trainingTokens, domains };
}
