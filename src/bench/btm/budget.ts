// `--budget` of the BTM benchmark: the compute C every system gets, in optimizer steps ("1120") or in
// training tokens ("2M", "500k", "2000000 tokens"). Tokens become steps of batch x context tokens, moved to
// the nearest budget that splits into a whole seed phase and whole expert budgets at every seed fraction.
import { GroveError } from '../../shared/api/errors';
import { nearestWholeBudgets } from './config';

export type Budget = { steps: number } | { tokens: number };

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

export function parseBudget(text: string): Budget {
  const t = text.trim().toLowerCase();
  const steps = /^(\d+)\s*(steps?)?$/.exec(t);
  if (steps) return { steps: Number(steps[1]) };
  const tokens = /^(\d+(?:\.\d+)?)\s*([kmg])?\s*(tokens?)?$/.exec(t);
  if (tokens && (tokens[2] || tokens[3])) return { tokens: Math.round(Number(tokens[1]) * (tokens[2] ? SUFFIX[tokens[2]]! : 1)) };
  throw new GroveError(
    'bad_input',
    `BTM benchmark: --budget ${JSON.stringify(text)} is neither steps nor tokens; write steps as a whole number (--budget 1120) or tokens with k, M or G (--budget 2M).`,
    { budget: text },
  );
}

/** C in steps: as given, or the whole-splitting step count nearest the tokens' (ties go to the larger). */
export function budgetSteps(budget: Budget, tokensPerStep: number, fractions: readonly number[], experts: number): number {
  if ('steps' in budget) {
    if (budget.steps < 1)
      throw new GroveError('bad_input', 'BTM benchmark: --budget 0 steps trains nothing; give at least one step per expert.');
    return budget.steps;
  }
  const wanted = budget.tokens / tokensPerStep;
  const near = nearestWholeBudgets(Math.max(1, Math.round(wanted)), fractions, experts);
  const best = near.sort((a, b) => Math.abs(a - wanted) - Math.abs(b - wanted) || b - a)[0];
  if (best === undefined) {
    throw new GroveError(
      'bad_input',
      `BTM benchmark: no step count near ${budget.tokens} tokens (${wanted.toFixed(1)} steps of ${tokensPerStep} tokens) splits whole at seed fractions ${fractions.join(', ')} over ${experts} experts; give --budget in steps.`,
      { tokens: budget.tokens },
    );
  }
  return best;
}
