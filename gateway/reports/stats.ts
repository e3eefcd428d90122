/** Count, median and 90th percentile of the durations of one hop (milliseconds). */
export interface HopFigure {
  count: number;
  /** null when count is 0. */
  medianMs: number | null;
  p90Ms: number | null;
}

/**
 * Nearest-rank percentile (ADR 0031): the smallest sample such that at least `p` % of all
 * samples are at most it, i.e. the sample at rank ⌈p/100 · n⌉ of the ascending order. The
 * median is p = 50 (for an even count the lower of the two middle samples), so every figure
 * is a duration that really occurred. `sorted` must be ascending.
 */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function hopFigure(samples: readonly number[]): HopFigure {
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, medianMs: nearestRank(sorted, 50), p90Ms: nearestRank(sorted, 90) };
}
