// The on/off switch of the OpenAI-compatible endpoint, for the Settings panel and `grove serve --openai`. The
// setting is the forest's (kept in its home, so the app and `grove serve` start it again next time); serving
// is the transport's (server/openai/): `grove serve` answers /v1 beside its own API, the desktop app on a port
// of its own. The transport attaches itself here; a process that attaches none (the CLI) says so.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OpenAiEndpointView } from '../../shared/api/schemas-openai';
import { writeFileDurable } from '../../engine/durable-write';

export const OPENAI_SETTING_FILE = 'openai-endpoint.json';

/** What serves the endpoint: the transport of this process. */
export interface OpenAiEndpointHost {
  /** Serves the endpoint (nothing to do when it already does): its base URL (ending in /v1) and bearer key. */
  start(): Promise<{ url: string; key: string }>;
  /** Stops serving it (new requests are refused; those running finish). */
  stop(): Promise<void>;
}

const NO_HOST =
  'Nothing in this Grove process serves the endpoint (the command line does not): start `grove serve --openai`, or switch it on in the app.';

export class OpenAiSwitch {
  private host: OpenAiEndpointHost | null = null;
  private serving: { url: string; key: string } | null = null;
  private problem: string | null = null;
  /** Changes one after the other: a quick off-on never leaves two servers or none. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly forestHome: string) {}

  /** Whether the forest's setting asks for the endpoint (off when never set). */
  async wanted(): Promise<boolean> {
    try {
      const parsed = JSON.parse(await readFile(join(this.forestHome, OPENAI_SETTING_FILE), 'utf8')) as { enabled?: unknown };
      return parsed.enabled === true;
    } catch {
      return false;
    }
  }

  /**
   * The transport that serves the endpoint in this process. It starts serving when the setting asks for it, or
   * when `enabled` (the command line's --openai / --no-openai) says so, which then becomes the setting.
   */
  attach(host: OpenAiEndpointHost, enabled?: boolean): Promise<OpenAiEndpointView> {
    this.host = host;
    return this.serial(async () => {
      if (enabled !== undefined) await this.keep(enabled);
      await this.apply(await this.wanted());
      return this.view();
    });
  }

  current(): Promise<OpenAiEndpointView> {
    return this.serial(() => this.view());
  }

  set(enabled: boolean): Promise<OpenAiEndpointView> {
    return this.serial(async () => {
      await this.keep(enabled);
      await this.apply(enabled);
      return this.view();
    });
  }

  /** Stops serving (the process is closing); the setting is kept. */
  close(): Promise<void> {
    return this.serial(() => this.apply(false));
  }

  private async view(): Promise<OpenAiEndpointView> {
    const enabled = await this.wanted();
    const problem = enabled && !this.host ? NO_HOST : enabled ? this.problem : null;
    return { enabled, url: this.serving?.url ?? null, key: this.serving?.key ?? null, problem };
  }

  private async apply(on: boolean): Promise<void> {
    this.problem = null;
    if (!this.host) return;
    if (!on) {
      if (this.serving) await this.host.stop();
      this.serving = null;
      return;
    }
    try {
      this.serving = await this.host.start();
    } catch (err) {
      this.serving = null;
      this.problem = err instanceof Error ? err.message : String(err);
    }
  }

  private async keep(enabled: boolean): Promise<void> {
    await mkdir(this.forestHome, { recursive: true });
    await writeFileDurable(join(this.forestHome, OPENAI_SETTING_FILE), `${JSON.stringify({ enabled })}\n`);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
