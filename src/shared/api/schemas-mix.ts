// GroveApi's saved mixes: a way of mixing the forest (fixed weights, the posterior over the top-k experts, or
// one model), kept under a name in the catalog, so that it can be called by that name (the OpenAI-compatible
// endpoint lists every saved mix as a model). Saved from the chat panel ("Save this mix") or `grove mix save`.
import { z } from 'zod';
import { SafeName } from './names';
import { ChatMix } from './schemas-chat';

export const SavedMixView = z.object({
  name: z.string(),
  /** Null when it was saved by a newer Grove, in a form this one cannot read. */
  mix: ChatMix.nullable(),
  /** The models the mix resolves to now, in the order of its weights (an auto mix follows the forest's experts). */
  models: z.array(z.string()),
  /** Why the mix cannot run now (a model of it was removed); null when it can. */
  problem: z.string().nullable(),
  createdAt: z.string(),
});

export const mixSchemas = {
  /** The forest's saved mixes, by name. */
  mixes: { input: z.object({}).strict(), output: z.array(SavedMixView) },
  /**
   * Saves a mix under a name (the rule of model names; not `forest`, nor the name of a model). The mix must
   * resolve now: its models exist and are ready. A taken name is refused unless `replace` is true.
   */
  saveMix: { input: z.object({ name: SafeName, mix: ChatMix, replace: z.boolean().optional() }).strict(), output: SavedMixView },
  removeMix: { input: z.object({ name: z.string().min(1).max(200) }).strict(), output: z.object({ removed: z.boolean() }) },
} as const;

export type SavedMixView = z.output<typeof SavedMixView>;
