import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BROWN_GENRES, brownDocuments, brownGenreDocuments, writeBrownGenreFolder } from '../../../src/engine/tokenize/brown';
import { tempDir } from '../../helpers/tmp';

describe('Brown corpus', () => {
  it('has 15 genres that together hold the 500 texts', () => {
    const counts = Object.values(BROWN_GENRES).map((g) => brownGenreDocuments(g).length);
    expect(counts).toHaveLength(15);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(500);
    expect(brownGenreDocuments('science_fiction').map((d) => d.name)).toEqual(['cm01', 'cm02', 'cm03', 'cm04', 'cm05', 'cm06']);
  });

  it('reads as prose: tags dropped, punctuation and quotes glued back', () => {
    const [first] = brownDocuments(1);
    expect(
      first!.startsWith(
        'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.',
      ),
    ).toBe(true);
    expect(first).not.toMatch(/\/(at|nn|vbd)\b/);
    expect(first).not.toMatch(/ [,.;:?!]/);
  });

  it('refuses a genre it does not have, naming the ones it has', () => {
    expect(() => brownGenreDocuments('poetry' as never)).toThrow(/news, editorial/);
  });

  it('writes a genre as a folder of text files, and keeps a folder that is already there', () => {
    const dir = join(tempDir(), 'humor');
    writeBrownGenreFolder('humor', dir);
    expect(readdirSync(dir).sort()).toEqual([
      'cr01.txt',
      'cr02.txt',
      'cr03.txt',
      'cr04.txt',
      'cr05.txt',
      'cr06.txt',
      'cr07.txt',
      'cr08.txt',
      'cr09.txt',
    ]);
    expect(readFileSync(join(dir, 'cr01.txt'), 'utf8')).toBe(`${brownGenreDocuments('humor')[0]!.text}\n`);
    writeFileSync(join(dir, 'note.txt'), 'mine');
    writeBrownGenreFolder('humor', dir);
    expect(existsSync(join(dir, 'note.txt'))).toBe(true);
    expect(readdirSync(join(dir, '..')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
