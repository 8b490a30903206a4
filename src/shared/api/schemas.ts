// GroveApi's contract as data: one zod schema per call's input and output. Both transports (Electron IPC,
// HTTP) validate every input against these before the engine sees it.
import { z } from 'zod';
import type { ApiMethodName } from './methods';

const Empty = z.object({}).strict();

export const ExecutionProviderInfo = z.object({
  name: z.string(),
  available: z.boolean(),
  reason: z.string().optional(),
});

export const EngineInfo = z.object({
  version: z.string(),
  forestHome: z.string(),
  runtime: z.object({
    onnxruntimeVersion: z.string(),
    providers: z.array(ExecutionProviderInfo),
  }),
  transport: z.enum(['electron', 'http']),
});

export const ForestSummary = z.object({
  forest: z.object({ id: z.number().int(), name: z.string(), createdAt: z.string() }).nullable(),
  domains: z.array(z.object({ id: z.number().int(), name: z.string(), sourcePath: z.string().nullable() })),
  models: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      role: z.enum(['seed', 'expert', 'collapsed', 'imported']),
      domainId: z.number().int().nullable(),
    }),
  ),
});

export const apiSchemas = {
  info: { input: Empty, output: EngineInfo },
  forestSummary: { input: Empty, output: ForestSummary },
} as const satisfies Record<ApiMethodName, { input: z.ZodType; output: z.ZodType }>;

export type ApiSchemas = typeof apiSchemas;
export type ApiInput<M extends ApiMethodName> = z.input<ApiSchemas[M]['input']>;
export type ApiOutput<M extends ApiMethodName> = z.output<ApiSchemas[M]['output']>;
export type EngineInfo = z.output<typeof EngineInfo>;
export type ForestSummary = z.output<typeof ForestSummary>;
