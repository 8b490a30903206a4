// Reading zip containers (.docx, EPUB) with fflate: list names without inflating, inflate only the entries asked for.
import { unzipSync } from 'fflate';
import { corrupt } from './types';

export function zipNames(bytes: Uint8Array): string[] {
  const names: string[] = [];
  try {
    unzipSync(bytes, {
      filter: (file) => {
        names.push(file.name);
        return false;
      },
    });
  } catch (err) {
    throw corrupt('a zip container', err);
  }
  return names;
}

export function zipEntries(bytes: Uint8Array, want: (name: string) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter: (file) => want(file.name) });
  } catch (err) {
    throw corrupt('a zip container', err);
  }
}
