// `grove models` lists the curated small models known to work; `grove download <repo>` fetches one from
// the Hugging Face Hub into the forest's hub cache (resumable, hash-checked) with a progress line.
import type { Command } from 'commander';
import { hubCacheDir } from '../../engine/hub/cache';
import { CURATED_MODELS, formatBytes } from '../../engine/hub/curated';
import { downloadModel } from '../../engine/hub/download';
import { forestHomeOf } from '../options';
import { formatEta, ProgressLine } from '../progress-line';

export function registerDownload(program: Command): void {
  program
    .command('models')
    .description('list small models known to work with Grove (download them with `grove download <repo>`)')
    .action(() => {
      for (const m of CURATED_MODELS) {
        console.log(
          [
            m.repoId.padEnd(42),
            m.kind.padEnd(8),
            `${(m.parameters / 1e6).toFixed(0)} M`.padStart(7),
            formatBytes(m.downloadBytes).padStart(9),
            m.gated ? 'gated: needs a token' : '',
          ].join('  '),
        );
      }
    });
  program
    .command('download')
    .description("download a model from the Hugging Face Hub (resumable; files checked against the Hub's hashes)")
    .argument('<repo>', 'repository id, e.g. HuggingFaceTB/SmolLM2-135M')
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .option('--token <token>', 'access token for gated models (default: $HF_TOKEN)')
    .action(async (repo: string, o: { revision: string; token?: string }, cmd: Command) => {
      const line = new ProgressLine();
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      const r = await downloadModel(repo, {
        cacheDir: hubCacheDir(forestHomeOf(cmd)),
        revision: o.revision,
        ...(o.token ? { token: o.token } : {}),
        signal: controller.signal,
        onProgress: (p) =>
          line.update(
            `${p.file}  ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ${formatBytes(p.bytesPerSecond)}/s  ${formatEta(p.etaSeconds)}`,
          ),
      });
      line.done();
      console.log(
        `${repo}@${r.commit.slice(0, 10)}: ${r.files.length} files in ${r.folder}${r.offline ? ' (offline: from the cache)' : ''}`,
      );
      console.log(`Next: grove init --from ${r.folder}`);
    });
}
