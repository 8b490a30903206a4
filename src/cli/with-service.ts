// A GroveService over the command's forest home for the calls of one command, closed when they are done. It
// runs no jobs: commands whose calls queue jobs start theirs with run-job.ts's jobRunningService.
import type { Command } from 'commander';
import { GroveService } from '../app/api/service';
import { forestHomeOf } from './options';

export async function withService<T>(cmd: Command, use: (service: GroveService) => Promise<T>): Promise<T> {
  const service = new GroveService({ forestHome: forestHomeOf(cmd), transport: 'http' });
  try {
    return await use(service);
  } finally {
    service.close();
  }
}
