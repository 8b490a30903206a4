// The last lines of a Slurm job's output (the task's slurm-<id>.out in the shared folder), for Grove's job
// view. It reads only the file's end, so a long training log costs no more than the lines shown.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { GroveError } from '../../../shared/api/errors';
import { slurmLogPath } from './script';
import type { SlurmSettings } from './settings';

/** Up to `lines` last lines of the job's (or array task's own id's) output; [] while the job has written nothing. */
export function slurmLogTail(settings: SlurmSettings, jobId: string, lines = 20): string[] {
  if (!/^\d+$/.test(jobId))
    throw new GroveError('bad_input', `A Slurm log belongs to one job or array task, by its own numeric id: ${JSON.stringify(jobId)}.`);
  const path = slurmLogPath(settings, jobId);
  if (!existsSync(path) || lines <= 0) return [];
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let start = size;
    let text = '';
    const chunk = 64 * 1024;
    // Read backwards until the text holds more line breaks than asked for, or the file's start.
    while (start > 0 && text.split('\n').length <= lines + 1) {
      const length = Math.min(chunk, start);
      start -= length;
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, start);
      text = buffer.toString('utf8') + text;
    }
    const all = text.split('\n');
    if (all.at(-1) === '') all.pop();
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}
