// GroveApi's "Compare with one model" (issue 15): the dense baseline, trained on the mix of the forest's domains
// with the training tokens its experts received, then scored beside the forest on every domain; the verdict is
// how the forest did against it, per domain, as the evaluations stood when it was judged.
import { z } from 'zod';
import { CheckpointEvery, DeviceChoice, Threads } from './schemas-forest';
import { SafeName } from './names';

export const DomainVerdict = z.object({
  domain: z.string(),
  /** Test perplexity of the baseline, of the forest (its ensemble, or its one expert) and of its collapsed model. */
  baseline: z.number(),
  forest: z.number(),
  collapsed: z.number().nullable(),
  /** (baseline - forest) / baseline: above 0, the forest's perplexity is that fraction lower (better). */
  forestGain: z.number(),
  collapsedGain: z.number().nullable(),
  /** Whether any expert of the forest was trained on this domain (else it is out of domain for the forest). */
  inDomain: z.boolean(),
});

export const Verdict = z.object({
  /** The baseline model's name. */
  baseline: z.string(),
  /** What stood for the forest: the ensemble of these experts (cached prior, context posterior), or the one expert. */
  experts: z.array(z.string()),
  collapsed: z.string().nullable(),
  /** The training tokens of the experts' runs, which the baseline was given too. */
  trainingTokens: z.number().int(),
  domains: z.array(DomainVerdict),
  createdAt: z.string(),
});

/** The calls, merged into apiSchemas (the comparison is a job: it uses the shared JobView). */
export function verdictSchemas<J extends z.ZodType>(JobView: J) {
  return {
    /**
     * Trains the dense baseline (a model of role 'baseline', from the seed: `name`, default "baseline", or the
     * next free "baseline-N") and then evaluates it beside the forest on every domain; the verdict is stored.
     */
    compareWithBaseline: {
      input: z
        .object({
          name: SafeName.optional(),
          device: DeviceChoice.default('auto'),
          threads: Threads.optional(),
          checkpoint: CheckpointEvery.optional(),
        })
        .strict(),
      output: JobView,
    },
    /** The forest's last verdict, with its date; null before the first comparison. */
    verdict: { input: z.object({}).strict(), output: Verdict.nullable() },
  } as const;
}

export type DomainVerdict = z.output<typeof DomainVerdict>;
export type Verdict = z.output<typeof Verdict>;
