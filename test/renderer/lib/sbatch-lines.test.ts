// The Settings panel's sbatch options box: one option per non-blank line, trimmed; the first line that is not one
// long option without spaces is named by its line number, blank lines counted as the person sees them.
import { describe, expect, it } from 'vitest';
import { sbatchLinesProblem, sbatchOptionLines } from '../../../src/renderer/src/lib/sbatch-lines';

describe('sbatch option lines', () => {
  it('reads one option per non-blank line', () => {
    expect(sbatchOptionLines('  --qos=high\n\n--constraint=a100\r\n--exclusive  \n')).toEqual([
      '--qos=high',
      '--constraint=a100',
      '--exclusive',
    ]);
    expect(sbatchOptionLines('')).toEqual([]);
    expect(sbatchLinesProblem('--qos=high\n\n--exclusive')).toBeNull();
  });

  it('names the first line that is not one long option', () => {
    expect(sbatchLinesProblem('--qos=high\n\n-p gpu\n--x y')).toBe(
      'Further sbatch options, line 3: "-p gpu" is not one long option such as --qos=high (two dashes, a lowercase name, =value without spaces; one option per line).',
    );
    expect(sbatchLinesProblem('--qos=high --exclusive')).toMatch(/^Further sbatch options, line 1: /);
    expect(sbatchLinesProblem('--QOS=high')).toMatch(/line 1/);
  });
});
