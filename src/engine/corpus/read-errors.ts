// Why a file or folder could not be read, as a sentence a person can act on. The one place that turns what Node,
// V8 and the OS throw (EACCES, EISDIR, ENAMETOOLONG, "Maximum call stack size exceeded", "Invalid string length")
// into report text, so no raw engine message reaches a report.
import type { SkipReason } from './types';

export interface ReadFailure {
  reason: SkipReason;
  detail: string;
}

/** What each error code means for a file that was listed a moment ago, and what to do about it. */
const BY_CODE: Record<string, string> = {
  ENOENT: 'It disappeared while the folder was being read (moved or deleted); ingest again once the folder stops changing.',
  EACCES: 'Grove is not allowed to read it (permission denied); give your user read access to it and ingest again.',
  EPERM: 'The system does not allow reading it (operation not permitted); give your user read access to it and ingest again.',
  EISDIR: 'It is a folder where a file was expected (it changed while being read); ingest again.',
  ENOTDIR: 'A folder on its path is no longer a folder (it changed while being read); ingest again.',
  ENAMETOOLONG: 'Its path is too long for this system to open; rename it or its folders to something shorter.',
  ELOOP: 'Its symbolic links lead in a circle; fix or remove the link.',
  EMFILE: 'Too many files are open on this machine right now; close other programs and ingest again.',
  ENFILE: 'Too many files are open on this machine right now; close other programs and ingest again.',
  EIO: 'The disk reported an error reading it; check the disk, or copy the file somewhere else and ingest that copy.',
  EBUSY: 'Another program holds it locked; close that program and ingest again.',
  ETXTBSY: 'Another program holds it locked; close that program and ingest again.',
  EAGAIN: 'It is not ready to be read (a locked or special file); close the program using it and ingest again.',
  ENXIO: 'It is a device or socket, not a file; only regular files are read.',
  ENODEV: 'It is a device, not a file; only regular files are read.',
  ETIMEDOUT: 'Reading it timed out (a network drive?); copy the folder to a local disk and ingest that copy.',
  ESTALE: 'It sits on a network share that went away; reconnect the share and ingest again.',
};

/**
 * The reason and sentence for an error thrown while reading one file, or undefined when it is none of the known
 * classes (a parser's own complaint about a malformed document, which the caller reports as corrupt).
 */
export function readFailure(err: unknown): ReadFailure | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code in BY_CODE) return { reason: 'unreadable', detail: BY_CODE[code]! };
  const message = err instanceof Error ? err.message : '';
  if (
    err instanceof RangeError &&
    /invalid string length|array buffer allocation failed|invalid array length|invalid typed array length/i.test(message)
  ) {
    return {
      reason: 'too large',
      detail: 'Its content is too large to hold in memory once read or unpacked; split it into smaller files.',
    };
  }
  if (/maximum call stack size exceeded/i.test(message)) {
    return {
      reason: 'corrupt',
      detail: 'Its structure is nested too deeply to read; save it in a simpler form (plain text, or flatter markup).',
    };
  }
  if (/out of memory|allocation failed/i.test(message)) {
    return { reason: 'too large', detail: 'Reading it needed more memory than this machine has free; split it into smaller files.' };
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return {
      reason: 'unreadable',
      detail: `The system could not read it (error ${code}); check the disk and its permissions, then ingest again.`,
    };
  }
  return undefined;
}

/** For a folder that cannot be listed: the same classes, said of a folder. */
export function listFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM')
    return 'Grove is not allowed to list this folder (permission denied); give your user read and execute access to it and ingest again.';
  if (code === 'ENAMETOOLONG') return 'Its path is too long for this system to open; rename it or its parent folders to something shorter.';
  return readFailure(err)?.detail ?? 'This folder could not be listed; check its permissions and the disk, then ingest again.';
}
