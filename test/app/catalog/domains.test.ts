// Ingest reports in the catalog: every file's row, and an accepted file's note (how its text was got) kept as its detail.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/app/catalog/catalog';
import { domainDocuments, saveIngestReport } from '../../../src/app/catalog/domains';
import type { IngestReport } from '../../../src/engine/corpus/types';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();
const stats = { documents: 1, pieces: 1, textBytes: 10, tokens: 10, shards: 1 };

describe('saveIngestReport', () => {
  it('stores an accepted file with its note as detail, and a skipped file with its reason', () => {
    const catalog = Catalog.open(join(dir, 'catalog.sqlite'));
    const report: IngestReport = {
      folder: '/docs',
      out: '/out',
      files: [
        {
          path: 'deep.html',
          status: 'accepted',
          type: 'html',
          notes: ['Read by stripping the tags.'],
          bytes: 100,
          textBytes: 10,
          tokens: 10,
          splits: ['train'],
        },
        { path: 'plain.txt', status: 'accepted', type: 'text', bytes: 100, textBytes: 10, tokens: 10, splits: ['train'] },
        { path: 'bomb.docx', status: 'skipped', reason: 'too large', detail: 'likely a decompression bomb', bytes: 100, type: 'docx' },
      ],
      totals: { files: 3, accepted: 2, skipped: 1, bytes: 300, textBytes: 20, tokens: 20, skippedBy: { 'too large': 1 } },
      splits: { train: stats, valid: stats, test: stats },
      splitBy: 'piece',
      processed: { extracted: 3, reused: 0, removed: 0 },
      trainable: true,
      message: 'ok',
      manifest: '/out/manifest.json',
      seconds: 1,
    };
    saveIngestReport(catalog, 'web', report);
    const rows = domainDocuments(catalog, 'web')!;
    expect(rows.find((r) => r.path === 'deep.html')).toMatchObject({
      status: 'accepted',
      detail: 'Read by stripping the tags.',
      split: 'train',
    });
    expect(rows.find((r) => r.path === 'plain.txt')).toMatchObject({ status: 'accepted', detail: null });
    expect(rows.find((r) => r.path === 'bomb.docx')).toMatchObject({
      status: 'skipped',
      reason: 'too large',
      detail: 'likely a decompression bomb',
    });
    catalog.close();
  });
});
