// Where the forest's new experts train (issue 19): this computer or a Slurm cluster, with the Slurm settings.
// Kept beside the training settings in the forest's settings JSON (catalog forests.settings_json), under keys
// of their own ("trainOn", "slurm"), so neither setting overwrites the other.
import type { ClusterSettingsView } from '../../shared/api/schemas-cluster';
import { GroveError } from '../../shared/api/errors';
import type { Catalog } from '../catalog/catalog';
import { forestSettingsJson, setForestSettingsJson } from '../catalog/forests';
import { parseSlurmSettings, type SlurmSettings } from '../cluster/slurm';

/** The keys of the settings JSON that are not training settings. */
export const CLUSTER_KEYS = ['trainOn', 'slurm'] as const;

/** The forest's settings JSON as an object ({} when none). */
export function forestSettingsObject(catalog: Catalog, forestId: number): Record<string, unknown> {
  const json = forestSettingsJson(catalog, forestId);
  return json ? (JSON.parse(json) as Record<string, unknown>) : {};
}

/** The training settings part alone (the cluster keys removed). */
export function withoutClusterKeys(settings: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...settings };
  for (const key of CLUSTER_KEYS) delete rest[key];
  return rest;
}

/** The cluster keys alone, to keep when the training settings are written again. */
export function clusterKeysOf(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(CLUSTER_KEYS.filter((k) => settings[k] !== undefined).map((k) => [k, settings[k]]));
}

export function forestClusterSettings(catalog: Catalog, forestId: number): ClusterSettingsView {
  const s = forestSettingsObject(catalog, forestId);
  const slurm = s.slurm ? parseSlurmSettings(s.slurm) : null;
  return { trainOn: s.trainOn === 'slurm' && slurm ? 'slurm' : 'local', slurm };
}

/** The forest's Slurm settings; a GroveError saying how to set them when there are none. */
export function forestSlurmSettings(catalog: Catalog, forestId: number): SlurmSettings {
  const { slurm } = forestClusterSettings(catalog, forestId);
  if (!slurm)
    throw new GroveError(
      'bad_input',
      'This forest has no Slurm settings yet: set them with `grove slurm config --shared-dir DIR [--partition P ...]`, or in Settings ("Train on: Slurm cluster").',
    );
  return parseSlurmSettings(slurm);
}

/** Checks and keeps the cluster settings (the Slurm fields through the backend's schema). */
export function saveForestClusterSettings(catalog: Catalog, forestId: number, view: ClusterSettingsView): ClusterSettingsView {
  if (view.trainOn === 'slurm' && !view.slurm)
    throw new GroveError(
      'bad_input',
      'Training on Slurm needs the Slurm settings: at least the shared folder both this machine and the nodes see.',
    );
  const slurm = view.slurm ? parseSlurmSettings(view.slurm) : null;
  const s = forestSettingsObject(catalog, forestId);
  setForestSettingsJson(catalog, forestId, JSON.stringify({ ...s, trainOn: view.trainOn, slurm }));
  return forestClusterSettings(catalog, forestId);
}
