// What inference weights a model runs with: f32, or block-quantized to 8 or 4 bits (ONNX Runtime's
// MatMulNBits, engine/quant). One list for every side that names the choice: the chat API and the
// OpenAI-compatible endpoint, the app's Settings and model cards, the CLI's --quant and the engine.
import { z } from 'zod';

export const MODEL_QUANTS = ['f32', '8', '4'] as const;
export type ModelQuant = (typeof MODEL_QUANTS)[number];

export const ModelQuantSchema = z.enum(MODEL_QUANTS);

/** How the app names each choice. */
export const QUANT_LABELS: Record<ModelQuant, string> = { f32: 'f32', '8': '8-bit', '4': '4-bit' };

/** Bytes of the weights a model runs with at each choice (engine/quant/sizes.ts). */
export const QuantSizes = z.object({ f32: z.number().int(), '8': z.number().int(), '4': z.number().int() });
export type QuantSizes = z.output<typeof QuantSizes>;
