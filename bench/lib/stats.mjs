// Medians and formatting for the bench's reports.

/** Median of the defined, non-NaN values; undefined when there are none. */
export function median(values) {
  const sorted = values.filter((v) => v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const fmt = (value, digits = 0) =>
  value === undefined ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export const signed = (value, digits = 0) => (value === undefined ? '—' : `${value >= 0 ? '+' : '−'}${fmt(Math.abs(value), digits)}`);

export const times = (value, digits = 2) => (value === undefined ? '—' : `${fmt(value, digits)}×`);

/** An error as one line of at most 500 characters, for the report. */
export const oneLine = (err) => String(err?.message ?? err).replace(/\s+/g, ' ').slice(0, 500);
