import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newReport, toMarkdown, writeReport } from '../../src/bench/report';
import { tempDir } from '../helpers/tmp';

describe('bench report', () => {
  it('writes JSON and a markdown table with ratios against the reference', () => {
    const report = newReport(2);
    report.suites.push({
      suite: 'engine',
      figures: [
        { name: 'train tokens/s (tiny)', value: 2600, unit: 'tok/s', reference: { name: 'PyTorch', value: 2000 } },
        { name: 'peak RSS', value: 512.25, unit: 'MiB' },
        { name: 'KL divergence', value: 0.0000449, unit: 'nats', reference: { name: 'llama.cpp', value: 0.0000441 } },
      ],
    });
    const md = toMarkdown(report);
    expect(md).toContain('| train tokens/s (tiny) | 2600 tok/s | 2000 (PyTorch) | 1.30x |');
    expect(md).toContain('| peak RSS | 512.3 MiB |');
    expect(md).toContain('| KL divergence | 0.0000449 nats | 0.0000441 (llama.cpp) | 1.02x |');
    const dir = tempDir();
    const files = writeReport(report, join(dir, 'results'));
    expect(JSON.parse(readFileSync(files.json, 'utf8')).suites[0].figures[0].value).toBe(2600);
    expect(readFileSync(files.markdown, 'utf8')).toBe(md);
    expect(existsSync(`${files.json}.tmp`)).toBe(false);
  });
});
