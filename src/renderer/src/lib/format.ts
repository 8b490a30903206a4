// Numbers as people read them: durations, rates, sizes (durations and bytes shared with the CLI: shared/api/units.ts).
export { formatBytes, formatDuration } from '../../../shared/api/units';

/** 950 -> "950", 12_300 -> "12.3 k", 4_500_000 -> "4.5 M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return abs >= 100 || Number.isInteger(n) ? n.toFixed(0) : n.toFixed(2);
}

/** A model's size in parameters: "135 M", "1.24 B", "74.2 k". */
export function formatParameters(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}
