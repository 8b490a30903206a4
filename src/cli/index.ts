// `grove`: every operation of the app, headless. Each command lives in its own file under commands/.
import { Command } from 'commander';
import { GROVE_VERSION } from '../engine/version';
import { registerAdd } from './commands/add';
import { registerBaseline } from './commands/baseline';
import { registerBench } from './commands/bench';
import { registerBranch } from './commands/branch';
import { registerBundle } from './commands/bundle';
import { registerChat } from './commands/chat';
import { registerCollapse } from './commands/collapse';
import { registerDownload } from './commands/download';
import { registerEval } from './commands/eval';
import { registerExport } from './commands/export';
import { registerGenerate } from './commands/generate';
import { registerImport } from './commands/import';
import { registerImportAdapter } from './commands/import-adapter';
import { registerIngest } from './commands/ingest';
import { registerInit } from './commands/init';
import { registerJobs } from './commands/jobs';
import { registerList } from './commands/list';
import { registerMaintenance } from './commands/maintenance';
import { registerMix } from './commands/mix';
import { registerPrior } from './commands/prior';
import { registerServe } from './commands/serve';
import { registerTrain } from './commands/train';

export function buildProgram(): Command {
  const program = new Command('grove')
    .description('Grove: local expert forests (Branch-Train-Merge) on your own documents.')
    .version(GROVE_VERSION, '-v, --version', 'print the version')
    .option('--home <dir>', 'forest home folder (default: $GROVE_HOME or the per-user data folder)')
    .showHelpAfterError('(run `grove --help` for the commands)');
  registerServe(program);
  registerInit(program);
  registerDownload(program);
  registerImport(program);
  registerImportAdapter(program);
  registerList(program);
  registerIngest(program);
  registerAdd(program);
  registerBranch(program);
  registerTrain(program);
  registerPrior(program);
  registerGenerate(program);
  registerChat(program);
  registerEval(program);
  registerCollapse(program);
  registerBaseline(program);
  registerMix(program);
  registerMaintenance(program);
  registerJobs(program);
  registerExport(program);
  registerBench(program);
  registerBundle(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    console.error(`grove: ${err instanceof Error ? err.message : String(err)}${code ? ` [${code}]` : ''}`);
    process.exit(1);
  });
