// The cluster-routed ensemble as an evaluation scores it (c-BTM: each token weighed by the distance of the text
// before it to the clusters of the forest's clusterer), and the spec its score is stored under. One path for
// `grove eval --routing clusters` and the app's evaluate job, so both score and store the same row.
import { ClusterRoutedEnsemble } from '../../engine/ensemble/cluster-routed';
import type { WindowScorer } from '../../engine/eval/perplexity';
import type { ClusterRouter } from '../../engine/forest/cluster-routing';
import { loadTokenizer } from '../../engine/tokenize/load';
import { loadClusterer, noClustererError } from '../forest/clusterer-store';
import type { EvaluationSpec } from './evaluate-job';
import { forestTokenizerDir } from './init';

/** The forest's clusterer as a router; refused (saying `then`, what to do instead) when there is none. */
export function forestRouter(home: string, then: string): ClusterRouter {
  const router = loadClusterer(home);
  if (!router) throw noClustererError(then);
  return router;
}

/**
 * The experts' ensemble weighed by the router, over the forest's tokenizer (the router embeds the text the ids
 * spell). `experts` are named as the router names them; every routed expert must be among them.
 */
export async function clusterRoutedScorer(
  home: string,
  router: ClusterRouter,
  experts: readonly { name: string; scorer: WindowScorer }[],
): Promise<ClusterRoutedEnsemble> {
  const tokenizer = await loadTokenizer(forestTokenizerDir(home));
  return new ClusterRoutedEnsemble(experts, router, (ids) => tokenizer.decode(ids));
}

/** What a cluster-routed score is stored under (the heatmap's "ensemble of N (cluster-routed)" row). */
export function routedSpec(models: readonly { name: string; id: number }[]): EvaluationSpec {
  return { kind: 'routed', routing: 'clusters', models: models.map((m) => m.name), modelIds: models.map((m) => m.id) };
}
