// Which base a collapse of light experts is over: the rule the service checks before queuing a collapse (so a bad
// choice is refused at once, by name) and the collapse job checks again. Its own small module, so that the
// service (and Electron main through it) imports the rule without the collapse job's merge and runtime code.
import { GroveError } from '../../shared/api/errors';
import type { CollapseKeep } from '../../shared/api/schemas-forest';

/** The one base every chosen model is a light expert over, or the refusal that says which models are not. */
export function sharedLightBase(models: readonly { name: string; base: string | null }[], keep: CollapseKeep): string {
  const full = models.filter((m) => m.base === null).map((m) => m.name);
  const bases = new Set(models.flatMap((m) => (m.base === null ? [] : [m.base])));
  if (keep === 'light' && (full.length > 0 || bases.size !== 1)) {
    const why =
      full.length > 0
        ? `${full.join(', ')} ${full.length > 1 ? 'are full models' : 'is a full model'}`
        : 'they are light experts over different bases';
    throw new GroveError(
      'unsupported',
      `A collapse stays light only when every model chosen is a light expert over one base: ${why}. Choose light experts over one base, or collapse into a full model.`,
      { full },
    );
  }
  if (full.length > 0 || bases.size !== 1)
    throw new GroveError(
      'unsupported',
      'Collapse light experts together, over one base: this choice mixes light experts with full models (or light experts over different bases). Choose the light experts alone, or the full models alone.',
    );
  return [...bases][0]!;
}
