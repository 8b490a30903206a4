// `grove list`: the forest's models and domains, as tables.
import type { Command } from 'commander';
import { GroveService } from '../../app/api/service';
import { forestHomeOf } from '../options';

export function registerList(program: Command): void {
  program
    .command('list')
    .description("list the forest's models and domains")
    .action(async (_o: unknown, cmd: Command) => {
      const home = forestHomeOf(cmd);
      const service = new GroveService({ forestHome: home, transport: 'http' });
      try {
        const s = await service.forestSummary({});
        if (!s.forest) {
          console.log(`No forest in ${home} yet: \`grove init --from <model folder>\` creates one.`);
          return;
        }
        console.log(`forest "${s.forest.name}" (${home})\n\nmodels`);
        // Removed models are history (`grove lineage` still shows them), not members of the forest.
        for (const m of s.models.filter((x) => x.status !== 'removed')) {
          const domain = m.domainId !== null ? `\t${s.domains.find((d) => d.id === m.domainId)?.name ?? ''}` : '';
          console.log(`  ${m.id}\t${m.role}\t${m.name}${domain}${m.status === 'training' ? '\t(not trained yet)' : ''}`);
        }
        console.log('\ndomains');
        for (const d of s.domains)
          console.log(
            `  ${d.name}\t${d.stats ? `${d.stats.accepted} files, ${d.stats.tokens} tokens${d.stats.trainable ? '' : ' (too small to train)'}` : 'not ingested'}\t${d.sourcePath ?? ''}`,
          );
      } finally {
        service.close();
      }
    });
}
