// The merge methods Grove offers, one entry per method (mergekit-style): adding TIES, DARE or SLERP is
// one new file beside linear.ts and one line here.
import { GroveError } from '../../../shared/api/errors';
import { linear } from './linear';
import type { MergeMethod } from './method';

export const MERGE_METHODS: readonly MergeMethod[] = [linear];

export function mergeMethod(name: string): MergeMethod {
  const method = MERGE_METHODS.find((m) => m.name === name);
  if (!method) throw new GroveError('not_found', `merge method "${name}" does not exist. Use one of: ${MERGE_METHODS.map((m) => m.name).join(', ')}.`, { method: name });
  return method;
}
