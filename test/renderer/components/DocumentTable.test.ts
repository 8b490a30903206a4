import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import DocumentTable from '../../../src/renderer/src/components/DocumentTable.svelte';
import type { IngestedDocument } from '../../../src/shared/api';

const doc = (extra: Partial<IngestedDocument>): IngestedDocument => ({
  path: 'a.txt',
  status: 'accepted',
  type: 'text',
  reason: null,
  detail: null,
  duplicateOf: null,
  bytes: 10,
  tokens: 5,
  split: 'train',
  ...extra,
});

describe('DocumentTable', () => {
  it('shows an accepted file’s split, with the note on how its text was got when there is one, and a skipped file’s reason', () => {
    render(DocumentTable, {
      documents: [
        doc({ path: 'plain.txt' }),
        doc({ path: 'deep.html', type: 'html', detail: 'Read by stripping the tags.' }),
        doc({
          path: 'bomb.docx',
          status: 'skipped',
          type: 'docx',
          reason: 'too large',
          detail: 'likely a decompression bomb',
          tokens: 0,
          split: null,
        }),
      ],
    });
    const row = (path: string): string[] =>
      Array.from(screen.getByText(path).closest('tr')!.querySelectorAll('td'), (td) => td.textContent ?? '');
    expect(row('plain.txt')[4]).toBe('train');
    expect(row('deep.html')[4]).toBe('train: Read by stripping the tags.');
    expect(row('bomb.docx')[2]).toBe('too large');
    expect(row('bomb.docx')[4]).toBe('likely a decompression bomb');
  });
});
