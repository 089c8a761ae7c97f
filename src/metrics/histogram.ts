/**
 * An explicit-bucket histogram: one point (count, sum, min, max, bucket counts) per distinct
 * attribute set, at most `cardinalityLimit` of them. Past the limit, measurements go to the
 * spec's overflow point, `{otel.metric.overflow: true}`, which counts toward the limit, so a
 * route or status code gone wild costs bounded memory and loses no count.
 *
 * The attribute set is keyed by its values in the order the caller gives them: every recorder is
 * ours and builds its attributes in one fixed order, which makes a sorted key unnecessary work
 * on every request.
 */
import type { Attributes } from '../sdk/types';
import type { HistogramDefinition } from './instruments';

export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

export interface HistogramPoint {
  readonly attributes: Attributes;
  /** When this point's accumulation started: the instrument's creation (cumulative) or the last collection (delta). */
  readonly startTimeUnixMs: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** boundaries.length + 1 counts; the last is the (bound, +Inf) bucket. */
  readonly bucketCounts: number[];
}

export type Temporality = 'cumulative' | 'delta';

export interface HistogramSnapshot {
  readonly definition: HistogramDefinition;
  readonly temporality: Temporality;
  readonly points: readonly HistogramPoint[];
}

function attributeKey(attributes: Attributes): string {
  let key = '';
  for (const name in attributes) key += `${name}\u0000${String(attributes[name])}\u0001`;
  return key;
}

export class Histogram {
  private points = new Map<string, HistogramPoint>();
  private intervalStartMs: number;
  private stopped = false;
  /** Measurements since the last collection: an exit flush is only needed when there are some. */
  recordsSinceCollect = 0;

  constructor(
    readonly definition: HistogramDefinition,
    private readonly cardinalityLimit: number,
    private readonly now: () => number,
  ) {
    this.intervalStartMs = now();
  }

  /** One measurement, in the definition's unit. Never throws on odd input; NaN and negatives are dropped. */
  record(value: number, attributes: Attributes): void {
    if (this.stopped || !(value >= 0) || value === Infinity) return;
    const point = this.pointFor(attributes);
    this.recordsSinceCollect++;
    point.count++;
    point.sum += value;
    if (value < point.min) point.min = value;
    if (value > point.max) point.max = value;
    const boundaries = this.definition.boundaries;
    let bucket = 0;
    while (bucket < boundaries.length && value > boundaries[bucket]!) bucket++;
    point.bucketCounts[bucket]!++;
  }

  /**
   * The points, for an export. Delta: handed over and forgotten (the next interval starts
   * empty, so memory is only what one interval saw). Cumulative: copies of running totals.
   */
  collect(temporality: Temporality): HistogramSnapshot {
    this.recordsSinceCollect = 0;
    const points = [...this.points.values()];
    if (temporality === 'delta') {
      this.points = new Map();
      this.intervalStartMs = this.now();
      return { definition: this.definition, temporality, points };
    }
    return { definition: this.definition, temporality, points: points.map((p) => ({ ...p, bucketCounts: [...p.bucketCounts] })) };
  }

  /** Metric export stopped for good: every point forgotten, and nothing recorded from now on. */
  stop(): void {
    this.stopped = true;
    this.points = new Map();
  }

  private pointFor(attributes: Attributes): HistogramPoint {
    const key = attributeKey(attributes);
    let point = this.points.get(key);
    if (point !== undefined) return point;
    // One place stays for the overflow point itself.
    if (this.points.size >= this.cardinalityLimit - 1) {
      const overflowKey = attributeKey(OVERFLOW_ATTRIBUTES);
      point = this.points.get(overflowKey);
      if (point !== undefined) return point;
      return this.newPoint(overflowKey, OVERFLOW_ATTRIBUTES);
    }
    return this.newPoint(key, { ...attributes });
  }

  private newPoint(key: string, attributes: Attributes): HistogramPoint {
    const point: HistogramPoint = {
      attributes,
      startTimeUnixMs: this.intervalStartMs,
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      bucketCounts: new Array<number>(this.definition.boundaries.length + 1).fill(0),
    };
    this.points.set(key, point);
    return point;
  }
}
