/**
 * An explicit-bucket histogram: one point (count, sum, min, max, bucket counts) per distinct
 * attribute set, at most `cardinalityLimit` of them. Past the limit, measurements go to the
 * spec's overflow point, `{otel.metric.overflow: true}`, which counts toward the limit, so a
 * route or status code gone wild costs bounded memory and loses no count.
 *
 * The attribute set is found by its names and values in the order the caller gives them (every
 * recorder is ours and builds its attributes in one fixed order, so sorting would be wasted work),
 * through an index of nested Maps: a lookup reads the caller's own strings, whose hashes V8 keeps,
 * where a key string built per measurement would be a new string to allocate and hash on every
 * request.
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

/** One step of the attribute-set index: attribute name → value → the next step. */
interface IndexNode {
  next: Map<string, Map<unknown, IndexNode>> | undefined;
  point: HistogramPoint | undefined;
}

const newNode = (): IndexNode => ({ next: undefined, point: undefined });

/** Arrays compare by content, not identity: an array value is indexed by its JSON. */
const indexValue = (value: unknown): unknown => (typeof value === 'object' && value !== null ? JSON.stringify(value) : value);

export class Histogram {
  private points: HistogramPoint[] = [];
  private index: IndexNode = newNode();
  private intervalStartMs: number;
  private stopped = false;
  /** Measurements since the last collection: an exit flush is only needed when there are some. */
  recordsSinceCollect = 0;
  /**
   * Changes whenever points are let go (a delta collection, stop()): a point a caller kept from
   * pointOf() is valid only while the generation it was taken in lasts.
   */
  generation = 0;

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
    this.recordAt(this.pointFor(attributes), value);
  }

  /**
   * The point of an attribute set, for a caller that records many measurements of one set and
   * keeps it (with `generation`) instead of building the attributes for each. Undefined once
   * stopped.
   */
  pointOf(attributes: Attributes): HistogramPoint | undefined {
    return this.stopped ? undefined : this.pointFor(attributes);
  }

  /** record() into a point from pointOf() of the current generation. */
  recordAt(point: HistogramPoint, value: number): void {
    if (this.stopped || !(value >= 0) || value === Infinity) return;
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
    const points = this.points;
    if (temporality === 'delta') {
      this.generation++;
      this.points = [];
      this.index = newNode();
      this.intervalStartMs = this.now();
      return { definition: this.definition, temporality, points };
    }
    return { definition: this.definition, temporality, points: points.map((p) => ({ ...p, bucketCounts: [...p.bucketCounts] })) };
  }

  /** Metric export stopped for good: every point forgotten, and nothing recorded from now on. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    this.points = [];
    this.index = newNode();
  }

  private pointFor(attributes: Attributes): HistogramPoint {
    const found = this.find(attributes, false);
    if (found !== undefined) return found;
    // One place stays for the overflow point itself.
    if (this.points.length >= this.cardinalityLimit - 1) return this.find(OVERFLOW_ATTRIBUTES, true)!;
    return this.find(attributes, true)!;
  }

  /** The set's point; with `create`, made (with its index path) when missing. */
  private find(attributes: Attributes, create: boolean): HistogramPoint | undefined {
    let node = this.index;
    for (const name in attributes) {
      const value = indexValue(attributes[name]);
      let byValue = node.next?.get(name);
      let child = byValue?.get(value);
      if (child === undefined) {
        if (!create) return undefined;
        if (byValue === undefined) (node.next ??= new Map()).set(name, (byValue = new Map()));
        byValue.set(value, (child = newNode()));
      }
      node = child;
    }
    if (node.point === undefined && create) node.point = this.newPoint(attributes === OVERFLOW_ATTRIBUTES ? OVERFLOW_ATTRIBUTES : { ...attributes });
    return node.point;
  }

  private newPoint(attributes: Attributes): HistogramPoint {
    const point: HistogramPoint = {
      attributes,
      startTimeUnixMs: this.intervalStartMs,
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      bucketCounts: new Array<number>(this.definition.boundaries.length + 1).fill(0),
    };
    this.points.push(point);
    return point;
  }
}
