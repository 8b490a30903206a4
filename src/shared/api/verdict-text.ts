// The verdict in words, the same in the app and the CLI: "forest 14 % better on statutes, 3 % worse on mail".
// A gain is the fraction by which the forest's test perplexity is below the baseline's, in whole percent;
// one that rounds to 0 % is said as even.
import type { DomainVerdict } from './schemas-verdict';

/**
 * How a forest of several experts is scored for the verdict (engine/forest/verdict.ts), said beside it: the
 * ensemble's posterior decides the outcome (with the last-token posterior the BTM benchmark's ensembles beat
 * the dense model where these lose: bench/results/btm-provenance-sweep.md).
 */
export const FOREST_SCORING = 'cached prior, context posterior';

/** "14 % better", "3 % worse" or "even" for a gain (a fraction; above 0 is better). */
export function gainWords(gain: number): string {
  const percent = Math.round(Math.abs(gain) * 100);
  if (percent === 0) return 'even';
  return `${percent} % ${gain > 0 ? 'better' : 'worse'}`;
}

/** One domain's line: "forest 14 % better on statutes" (with the collapsed model's, where there is one). */
export function domainVerdictLine(d: DomainVerdict): string {
  const collapsed = d.collapsedGain === null ? '' : ` (collapsed model ${gainWords(d.collapsedGain)})`;
  return `forest ${gainWords(d.forestGain)} on ${d.domain}${collapsed}`;
}

/** Every domain in one sentence, as the heatmap's summary says it: "forest 14 % better on statutes, 3 % worse on mail". */
export function verdictSentence(domains: readonly DomainVerdict[]): string {
  if (domains.length === 0) return 'no domain was scored for both the forest and the baseline';
  return `forest ${domains.map((d) => `${gainWords(d.forestGain)} on ${d.domain}`).join(', ')}`;
}
