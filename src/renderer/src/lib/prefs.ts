// The app's UI preferences, kept in the renderer's localStorage (they concern this window, not the forest).
// Whatever is stored is checked on load: a bad or old value falls back to its default instead of breaking the app.
import { DEFAULT_EXPERT_PASSES } from '../../../shared/api/defaults';
import { MODEL_QUANTS, type ModelQuant } from '../../../shared/api/quant';

export type Theme = 'system' | 'light' | 'dark';
export type DevicePref = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';
const DEVICES: readonly DevicePref[] = ['auto', 'cpu', 'cuda', 'webgpu', 'dml', 'coreml'];

export interface Prefs {
  theme: Theme;
  /** Default training budget offered for a new expert (out of the box: the CLI's, passes over the domain's text). */
  budgetKind: 'passes' | 'minutes' | 'steps' | 'tokens';
  budgetValue: number;
  /** Where new experts train by default. */
  device: DevicePref;
  /** CPU threads for training (0: the forest's setting, every core unless set otherwise). */
  threads: number;
  /** CPU threads for chat replies (0: every core). */
  chatThreads: number;
  /** The weights chat replies run with: f32, or block-quantized to 8 or 4 bits (smaller and faster, a little less exact). */
  quant: ModelQuant;
  /** A training checkpoints every this many steps (0: sized to the run, a tenth of it and at least 50)... */
  checkpointSteps: number;
  /** ...or after this many minutes, whichever comes first. */
  checkpointMinutes: number;
}

export const DEFAULT_PREFS: Prefs = {
  theme: 'system',
  budgetKind: 'passes',
  budgetValue: DEFAULT_EXPERT_PASSES,
  device: 'auto',
  threads: 0,
  chatThreads: 0,
  quant: 'f32',
  checkpointSteps: 0,
  checkpointMinutes: 5,
};
const KEY = 'grove.prefs.v1';

export function loadPrefs(storage: Pick<Storage, 'getItem'>): Prefs {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(KEY) ?? 'null');
  } catch {
    return { ...DEFAULT_PREFS };
  }
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    theme: r.theme === 'light' || r.theme === 'dark' || r.theme === 'system' ? r.theme : DEFAULT_PREFS.theme,
    budgetKind:
      r.budgetKind === 'passes' || r.budgetKind === 'minutes' || r.budgetKind === 'steps' || r.budgetKind === 'tokens'
        ? r.budgetKind
        : DEFAULT_PREFS.budgetKind,
    budgetValue:
      typeof r.budgetValue === 'number' && Number.isFinite(r.budgetValue) && r.budgetValue > 0 ? r.budgetValue : DEFAULT_PREFS.budgetValue,
    device: DEVICES.includes(r.device as DevicePref) ? (r.device as DevicePref) : DEFAULT_PREFS.device,
    threads: threadCount(r.threads, DEFAULT_PREFS.threads),
    chatThreads: threadCount(r.chatThreads, DEFAULT_PREFS.chatThreads),
    quant: MODEL_QUANTS.includes(r.quant as ModelQuant) ? (r.quant as ModelQuant) : DEFAULT_PREFS.quant,
    checkpointSteps:
      typeof r.checkpointSteps === 'number' && Number.isInteger(r.checkpointSteps) && r.checkpointSteps >= 0 && r.checkpointSteps <= 1e9
        ? r.checkpointSteps
        : DEFAULT_PREFS.checkpointSteps,
    checkpointMinutes:
      typeof r.checkpointMinutes === 'number' && r.checkpointMinutes > 0 && r.checkpointMinutes <= 24 * 60
        ? r.checkpointMinutes
        : DEFAULT_PREFS.checkpointMinutes,
  };
}

/** The checkpoint intervals a training is asked for, as the API takes them. */
export function checkpointOf(prefs: Pick<Prefs, 'checkpointSteps' | 'checkpointMinutes'>): { steps?: number; minutes: number } {
  return { ...(prefs.checkpointSteps > 0 ? { steps: prefs.checkpointSteps } : {}), minutes: prefs.checkpointMinutes };
}

function threadCount(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1024 ? v : fallback;
}

export function savePrefs(storage: Pick<Storage, 'setItem'>, prefs: Prefs): void {
  storage.setItem(KEY, JSON.stringify(prefs));
}

/** 'system' leaves the choice to prefers-color-scheme; light/dark pin it (styles.css reads data-theme). */
export function applyTheme(root: HTMLElement, theme: Theme): void {
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
