// What the app shows of the engine's ONNX Runtime: its version and the execution providers that really run
// on this machine (probed with a one-node graph). Asked of the inference worker, so that the process that owns
// a window never loads ONNX Runtime or opens a session (a GPU driver fault there would take the window down).
import { onnxruntimeVersion, type ProviderInfo } from './ort';
import { usableProviders } from './providers';

export interface RuntimeFacts {
  onnxruntimeVersion: string;
  providers: ProviderInfo[];
}

export async function runtimeFacts(): Promise<RuntimeFacts> {
  return { onnxruntimeVersion, providers: await usableProviders() };
}
