// The one rule for the names a person gives domains and models. A domain's name becomes a folder of the forest
// home (domains/<name>/), so a name like "../../x", "a/b", "/etc" or one holding NUL would write outside it; the
// API schemas, the CLI and the store all check names here, so the rule cannot drift between them.
import { z } from 'zod';
import { GroveError } from './errors';

export const NAME_MAX_LENGTH = 64;
const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export type NameKind = 'domain' | 'model';

/** Why `name` cannot name a domain or model, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > NAME_MAX_LENGTH) return `it is ${name.length} characters long, over ${NAME_MAX_LENGTH}`;
  if (!NAME.test(name)) return 'use letters, digits, ".", "-" or "_" (no spaces, slashes or control characters, not starting with ".")';
  return undefined;
}

/** Returns `name` when it follows the rule; otherwise a GroveError saying what is wrong and what to use instead. */
export function checkName(kind: NameKind, name: string): string {
  const problem = nameProblem(name);
  if (problem === undefined) return name;
  // JSON.stringify shows NUL, newlines and other controls as escapes; a very long name is cut for the message.
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  throw new GroveError('bad_input', `${shown} cannot be a ${kind} name: ${problem}. Choose a name like "notes" or "legal-2024".`, {
    [kind]: name,
  });
}

/** The rule as a schema, for the API's inputs that create a domain or model. */
export const SafeName = z.string().superRefine((value, ctx) => {
  const problem = nameProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});
