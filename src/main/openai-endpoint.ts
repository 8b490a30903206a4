// The desktop app's OpenAI-compatible endpoint: its own loopback server (the window talks to the engine over
// IPC, so there is no HTTP server to share), started when the forest's setting asks for it and switched from
// Settings. Its key is the forest home's kept one, as with `grove serve --openai`.
import type { GroveService } from '../app/api/service';
import { keptToken } from '../server/kept-token';
import { OPENAI_KEY_FILE, OpenAiEndpoint } from '../server/openai/endpoint';
import { standaloneHost } from '../server/openai/standalone';

export async function serveOpenAiEndpoint(api: GroveService, forestHome: string): Promise<void> {
  try {
    const key = (await keptToken(forestHome, { file: OPENAI_KEY_FILE })).token;
    const endpoint = new OpenAiEndpoint({ completions: api.completions, key });
    const view = await api.attachOpenAiEndpoint(standaloneHost(endpoint));
    if (view.problem) console.warn(`Grove: the OpenAI-compatible endpoint is not served: ${view.problem}`);
  } catch (err) {
    console.error('Grove: the OpenAI-compatible endpoint could not be set up:', err);
  }
}
