// Collapse jobs (store/collapse-job.ts): the averaged weights become a model of the forest (role
// 'collapsed', ready at one model's cost) with one lineage edge per parent and its weight, and how it was made
// (merge method, settings, weights' source); a collapse kept light is recorded as a light expert is (kind light,
// its base and LoRA settings).
import { forestOfModel, insertModel, modelById } from '../../catalog/models';
import { recordLineage } from '../../forest/lineage';
import type { CollapseFacts } from '../../../shared/api/collapse-facts';
// Types only: collapse-job.ts's schema imports the prior and merge code, which reach ONNX Runtime; the owner
// (Electron main included) must not load them (test/main/bundle.test.ts).
import type { CollapsedRecord, CollapseJobPayload } from '../../store/collapse-job';
import type { PriorRecord } from '../../store/prior-job';
import { claimModelName } from '../expert-plan';
import { countedProgress, type JobKind } from './kind';
import { storePriorRecord } from './prior';

export const collapseKind: JobKind = {
  label: (job) => `Collapse ${(job.payload as CollapseJobPayload).models.length} models into “${(job.payload as CollapseJobPayload).name}”`,
  progress: countedProgress,
  onRecord(job, raw, { catalog }) {
    const record = raw as CollapsedRecord | PriorRecord;
    if (record.kind === 'prior') return storePriorRecord(catalog, record);
    // How it was made, for the heatmap and grove eval to say beside its scores (the payload the owner wrote; the
    // schema's defaults applied by hand).
    const p = job.payload as CollapseJobPayload;
    const collapse: CollapseFacts = {
      method: p.method ?? 'linear',
      settings: p.settings ?? {},
      weights: p.weighting.kind,
      target: p.weighting.kind === 'posterior' ? p.weighting.target : null,
    };
    const first = modelById(catalog, record.parents[0]!.modelId);
    const forestId = forestOfModel(catalog, first.id);
    catalog.transaction(() => {
      claimModelName(catalog, forestId, record.name);
      const id = insertModel(catalog, {
        forestId,
        name: record.name,
        role: 'collapsed',
        weightsSha256: record.sha256,
        weightsBytes: record.bytes,
        architectureJson: first.architectureJson,
        tokenizerSha256: first.tokenizerSha256,
        light: record.light,
        collapse,
      });
      recordLineage(catalog, id, record.parents);
    });
  },
};
