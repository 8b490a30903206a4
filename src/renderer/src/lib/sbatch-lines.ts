// The Settings panel's "Further sbatch options" box: one long option per line, blank lines ignored. Each line is
// checked for its shape here, so the person is told which line is wrong; the engine checks them again, and
// refuses the options Grove writes itself (app/cluster/slurm/settings.ts).

/** A long option, its value without spaces (sbatch would read a second option after a space). */
const LONG_OPTION = /^--[a-z][a-z0-9-]*(=\S*)?$/;

/** The options typed, one per non-blank line, trimmed. */
export function sbatchOptionLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** What is wrong with the first bad line (counted from 1, blank lines included), or null when every line is one option. */
export function sbatchLinesProblem(text: string): string | null {
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line && !LONG_OPTION.test(line))
      return `Further sbatch options, line ${i + 1}: ${JSON.stringify(line)} is not one long option such as --qos=high (two dashes, a lowercase name, =value without spaces; one option per line).`;
  }
  return null;
}
