// GroveApi's switch for the OpenAI-compatible endpoint (GET /v1/models, POST /v1/chat/completions and
// /v1/completions): whether it is on, where it listens and the key clients send, for the Settings panel.
// `grove serve` serves it beside Grove's own API; the desktop app on a port of its own.
import { z } from 'zod';

export const OpenAiEndpointView = z.object({
  /** Whether the forest's setting asks for the endpoint (kept in the forest home). */
  enabled: z.boolean(),
  /** The base URL clients use (ends in /v1) while it is served; null when off. */
  url: z.string().nullable(),
  /** The bearer key clients send (Authorization: Bearer <key>); null when off. */
  key: z.string().nullable(),
  /** Why it is not served although asked for (a port in use, a process that cannot serve it); null otherwise. */
  problem: z.string().nullable(),
});

export const openAiSchemas = {
  openaiEndpoint: { input: z.object({}).strict(), output: OpenAiEndpointView },
  /** Turns the endpoint on or off, now and for the next start (the setting is kept in the forest home). */
  setOpenaiEndpoint: { input: z.object({ enabled: z.boolean() }).strict(), output: OpenAiEndpointView },
} as const;

export type OpenAiEndpointView = z.output<typeof OpenAiEndpointView>;
