// Options shared by every command.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { defaultForestHome } from '../engine/home';

export function forestHomeOf(cmd: Command): string {
  const home = cmd.optsWithGlobals<{ home?: string }>().home;
  return home ? resolve(home) : defaultForestHome();
}
