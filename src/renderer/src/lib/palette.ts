// Colours the app gives experts and perplexities. Chosen to read on both the light and the dark theme.

/** One colour per expert, by position; repeats after the list (experts keep their colour across a chat). */
export const EXPERT_COLOURS = ['#2f7d4f', '#3b6fb6', '#c77c1e', '#9b4dca', '#c2410c', '#0f8b8d', '#b8336a', '#6b7d1a'];

export function expertColour(index: number): string {
  return EXPERT_COLOURS[((index % EXPERT_COLOURS.length) + EXPERT_COLOURS.length) % EXPERT_COLOURS.length]!;
}

/**
 * Where `value` lies between `min` and `max` on a log scale, 0..1 (perplexities span orders of magnitude,
 * so a linear scale would paint every model but the worst the same colour). 0 when min == max.
 */
export function logPosition(value: number, min: number, max: number): number {
  if (!(value > 0) || !(min > 0) || !(max > min)) return 0;
  return Math.min(1, Math.max(0, (Math.log(value) - Math.log(min)) / (Math.log(max) - Math.log(min))));
}

/** Good (low perplexity, t = 0) is green, bad (t = 1) is red, through yellow. */
export function heatColour(t: number): string {
  const hue = Math.round(130 * (1 - Math.min(1, Math.max(0, t))));
  return `hsl(${hue} 60% 45%)`;
}
