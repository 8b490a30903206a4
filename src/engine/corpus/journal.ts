// Which file the ingester was reading when its process died. A file that kills the process (out of memory, a
// native crash) would kill it again on every resume, and the folder could never be ingested. So before a file is
// read, a line naming it is appended to a journal in the output folder, and another once it is done; a run that
// finds a file begun and never ended skips that file with the reason, and the rest of the folder goes through.
// The lines are written straight to the OS (no fsync): what must survive is a dead process, not a dead machine,
// and after a power cut retrying the file is the right thing anyway. A process stopped from outside (Ctrl-C, a
// closed terminal, an exit) ends the file's entry on its way out, so only a death inside the file (out of memory,
// a native crash, the OOM killer's SIGKILL) is blamed on it.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SkippedFile } from './types';
import type { WalkFile } from './walk';

export const JOURNAL_FILE = 'ingest-journal.jsonl';

/** Signals that stop a process from outside; a handler may run before the process goes. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface Begun {
  begin: string; // the file's path in the folder
  size: number;
  mtimeMs: number;
}

export class IngestJournal {
  private fd: number | undefined;

  private constructor(
    private readonly path: string,
    /** Files begun and never ended by earlier runs since the last complete one. */
    private readonly crashed: Map<string, Begun>,
  ) {}

  static open(out: string): IngestJournal {
    const path = join(out, JOURNAL_FILE);
    const crashed = new Map<string, Begun>();
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // no journal: the last run completed (or none ran)
    }
    for (const line of text.split('\n')) {
      let entry: Partial<Begun> & { end?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue; // a line cut short by the death it records
      }
      if (typeof entry.begin === 'string' && typeof entry.size === 'number' && typeof entry.mtimeMs === 'number')
        crashed.set(entry.begin, entry as Begun);
      else if (typeof entry.end === 'string') crashed.delete(entry.end);
    }
    return new IngestJournal(path, crashed);
  }

  /** The skip for a file an earlier run died reading, if it is still the same file (a changed file is tried again). */
  crashedOn(file: WalkFile): SkippedFile | undefined {
    const c = this.crashed.get(file.path);
    if (!c || c.size !== file.size || c.mtimeMs !== file.mtimeMs) return undefined;
    return {
      path: file.path,
      status: 'skipped',
      reason: 'corrupt',
      detail:
        'The ingester stopped while reading this file (out of memory or a crash), so it is skipped to let the rest of the folder in. Check that it opens; once it is fixed or re-saved it is read again.',
      bytes: file.size,
    };
  }

  /** Runs `read` on a file with the journal saying so: if the process dies inside, the next run knows which file did it. */
  async around<T>(file: WalkFile, read: () => Promise<T>): Promise<T> {
    this.append({ begin: file.path, size: file.size, mtimeMs: file.mtimeMs });
    let ended = false;
    const end = (): void => {
      if (!ended) this.append({ end: file.path });
      ended = true;
    };
    // Signals nobody else handles would end the process: after closing the entry they still must.
    const fatal = new Set(STOP_SIGNALS.filter((s) => process.listenerCount(s) === 0));
    const onSignal = (signal: NodeJS.Signals): void => {
      end();
      stopWatching();
      if (!fatal.has(signal)) return;
      try {
        process.kill(process.pid, signal); // no listener left: the default action, as if Grove had not looked
      } catch {
        process.exit(1); // a platform that cannot send itself this signal
      }
    };
    const stopWatching = (): void => {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      process.off('exit', end);
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
    process.on('exit', end);
    try {
      return await read();
    } finally {
      // Any way out that leaves the process alive (a result, an exception) is not the file's fault.
      stopWatching();
      end();
    }
  }

  /** Once the run's state (which records the skipped files) is saved: nothing is pending any more. */
  clear(): void {
    this.close();
    rmSync(this.path, { force: true });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(entry: Begun | { end: string }): void {
    // Synchronous: two small writes per file, and the line must be in the OS before the file is touched.
    this.fd ??= openSync(this.path, 'a');
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }
}
