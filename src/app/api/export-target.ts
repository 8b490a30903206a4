// What an export of a model of the forest reads: its store folder, and for a light expert its base, the base's
// store folder and how a PEFT adapter names it (the base's Hub repository where the catalog knows it, else its
// store address). Shared by the API's export job and `grove export`, so both export a light expert alike.
import type { Catalog } from '../catalog/catalog';
import { hubSourceOf } from '../catalog/hub-sources';
import type { StoredModel } from '../catalog/models';
import type { LightExportBase } from '../../engine/export/index';
import { storedModelFolder } from '../store/model-store';

export interface ExportTarget {
  folder: string;
  /** Set for a light expert: `folder` is its adapter. */
  light?: LightExportBase;
}

export function exportTarget(catalog: Catalog, home: string, model: StoredModel): ExportTarget {
  const folder = storedModelFolder(home, model.weightsSha256);
  if (!model.light) return { folder };
  const base = model.light.baseSha256;
  return { folder, light: { folder: storedModelFolder(home, base), peft: { hubId: hubSourceOf(catalog, base), fallback: base } } };
}
