// The 'export' job kind (run in a worker): its payload, checked, and the export itself. The service resolves
// the model to a folder (and a light expert to its base) before queueing, so the worker never opens the catalog.
import { z } from 'zod';
import { GroveError } from '../../shared/api/errors';
import { EXPORT_DTYPES, EXPORT_FORMATS, exportModel, type ExportResult } from './index';
import type { ExportProgress } from './progress';

export const ExportJobPayload = z
  .object({
    folder: z.string().min(1),
    tokenizerDir: z.string().min(1).optional(),
    name: z.string().min(1),
    format: z.enum(EXPORT_FORMATS),
    out: z.string().min(1),
    dtype: z.enum(EXPORT_DTYPES),
    force: z.boolean(),
    /** A light expert: `folder` is its adapter, added to this base (export/light.ts). */
    light: z
      .object({
        folder: z.string().min(1),
        peft: z.object({ hubId: z.string().min(1).nullable(), fallback: z.string().min(1) }).strict(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ExportJobPayload = z.output<typeof ExportJobPayload>;

export async function runExportJob(payload: unknown, progress: (p: ExportProgress) => void): Promise<ExportResult> {
  const r = ExportJobPayload.safeParse(payload);
  if (!r.success)
    throw new GroveError(
      'bad_input',
      `Bad export job payload: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const p = r.data;
  return exportModel({
    folder: p.folder,
    format: p.format,
    out: p.out,
    dtype: p.dtype,
    force: p.force,
    name: p.name,
    ...(p.tokenizerDir ? { tokenizerDir: p.tokenizerDir } : {}),
    ...(p.light ? { light: p.light } : {}),
    onProgress: progress,
  });
}
