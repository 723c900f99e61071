import type { UsageTrends } from '../../types.js';

/** Distinct, colour-blind-friendly hues (Okabe–Ito, then Tableau). */
const COLORS = ['#2454c7', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7f6a00', '#6a3d9a', '#8c564b', '#17becf', '#7f7f7f'];
/** Each AI module keeps its colour whoever looks and however the ranking falls. */
const FEATURE_COLORS: Record<string, string> = { assistant: COLORS[0]!, reports: COLORS[1]!, documents: COLORS[2]!, inspections: COLORS[3]!, analytics: COLORS[4]! };
const OTHERS_COLOR = '#9aa5b1';

export function seriesColor(groupBy: UsageTrends['group_by'], key: string | null, index: number): string {
  if (key === null) return OTHERS_COLOR;
  if (groupBy === 'feature') return FEATURE_COLORS[key] ?? COLORS[(index + 5) % COLORS.length]!;
  return COLORS[index % COLORS.length]!;
}

/** "assistant" → "Assistant" (the module names of AI Features). */
export function featureName(feature: string): string {
  return feature.charAt(0).toUpperCase() + feature.slice(1);
}

export function seriesName(groupBy: UsageTrends['group_by'], series: { key: string | null; label: string }): string {
  if (series.key === null) return series.label;
  return groupBy === 'feature' ? featureName(series.label) : series.label;
}
