import { format } from 'node:util';
import type { Metric, OpenMetricsContentType, PrometheusContentType, Registry } from 'prom-client';

// Counters and histograms for the per-request metrics, rendered by prom-client's registry
// exactly as its own Counter and Histogram would render them. prom-client turns the label
// object of every `inc`/`observe` into a key string (its `labels()` children do too), which
// was ~4% of the bytes a full-chain request allocates; here a caller walks to its series
// one label value at a time (a Map per label), so a series seen before is found without
// building anything. A series exists once it has been counted, like prom-client's, and
// the number of series is bounded by the label values the callers allow, like theirs.

/** One level of a metric's series: the levels below it by the next label's value, or the series at the last label. */
export class SeriesLevel<Series> {
  private readonly below = new Map<string, SeriesLevel<Series>>();
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly values: readonly string[],
    private readonly labelNames: readonly string[],
    private readonly create: (labels: Record<string, string>) => Series,
  ) {}

  /** The level below for this label value. */
  at(value: string): SeriesLevel<Series> {
    let level = this.below.get(value);
    if (level === undefined) {
      if (this.values.length + 1 >= this.labelNames.length) throw new Error(`Metric has ${this.labelNames.length} labels: the last value goes to of(), not at().`);
      level = new SeriesLevel([...this.values, value], this.labelNames, this.create);
      this.below.set(value, level);
    }
    return level;
  }

  /** The series whose last label has this value. */
  of(value: string): Series {
    let found = this.series.get(value);
    if (found === undefined) {
      const values = [...this.values, value];
      if (values.length !== this.labelNames.length) throw new Error(`Metric has ${this.labelNames.length} labels, got ${values.length} values.`);
      const labels: Record<string, string> = {};
      for (let index = 0; index < values.length; index++) labels[this.labelNames[index]!] = values[index]!;
      found = this.create(labels);
      this.series.set(value, found);
    }
    return found;
  }
}

/** What a metric shows its registry; the fields prom-client's Registry reads of a metric. */
interface MetricSnapshot<Value> {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: Value[];
  aggregator: 'sum';
}

interface TallyConfiguration<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  /** The registry that renders it (one only: a tally is not shared), in either format, as prom-client's own metrics take. */
  registry: Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;
}

/** The parts both kinds share: the series in the order they were first counted, and the walk to them. */
abstract class TallyMetric<Series> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly aggregator = 'sum';
  /** Series in the order they were first counted: the order prom-client's text shows them in. */
  protected list: Series[] = [];
  private root: SeriesLevel<Series>;

  constructor(config: TallyConfiguration<string>) {
    if (config.labelNames.length === 0) throw new Error('A tally metric needs at least one label.');
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    this.root = this.newRoot();
    // The registry renders any object with prom-client's metric fields (`name`, `help`,
    // `get()`, `reset()`); its types only list prom-client's own classes.
    config.registry.registerMetric(this as unknown as Metric);
  }

  /** The first level of the walk to a series: `metric.labels.at(a).at(b).of(c)`. */
  get labels(): SeriesLevel<Series> {
    return this.root;
  }

  /** Forgets every series, as prom-client's `reset()` does (`registry.resetMetrics()`). */
  reset(): void {
    this.list = [];
    this.root = this.newRoot();
  }

  protected abstract createSeries(labels: Record<string, string>): Series;

  private newRoot(): SeriesLevel<Series> {
    return new SeriesLevel<Series>([], this.labelNames, (labels) => {
      const series = this.createSeries(labels);
      this.list.push(series);
      return series;
    });
  }
}

/** One series of a counter; `value` and `labels` are what the registry renders. */
export class CounterSeries {
  value = 0;
  constructor(readonly labels: Record<string, string>) {}

  inc(amount = 1): void {
    if (!Number.isFinite(amount)) throw new TypeError(`Value is not a valid number: ${format(amount)}`);
    if (amount < 0) throw new Error('It is not possible to decrease a counter');
    this.value += amount;
  }
}

/** A counter with labels, rendered as prom-client's Counter. */
export class TallyCounter<Label extends string> extends TallyMetric<CounterSeries> {
  readonly type = 'counter';

  constructor(config: TallyConfiguration<Label>) {
    super(config);
  }

  async get(): Promise<MetricSnapshot<CounterSeries>> {
    return { help: this.help, name: this.name, type: this.type, values: [...this.list], aggregator: this.aggregator };
  }

  protected createSeries(labels: Record<string, string>): CounterSeries {
    return new CounterSeries(labels);
  }
}

/** One series of a histogram: how many values fell into each bucket (not cumulative), their sum and count. */
export class HistogramSeries {
  readonly bucketCounts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Record<string, string>,
    private readonly upperBounds: readonly number[],
  ) {
    this.bucketCounts = upperBounds.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
    // The first bucket whose bound holds the value; above the last it counts only towards +Inf.
    const bounds = this.upperBounds;
    for (let index = 0; index < bounds.length; index++) {
      if (value <= bounds[index]!) {
        this.bucketCounts[index]! += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
  }
}

/** One line of a histogram's text, in the shape prom-client's Histogram gives its registry. */
interface HistogramLine {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
  exemplar?: null;
}

/** A histogram with labels, rendered as prom-client's Histogram. */
export class TallyHistogram<Label extends string> extends TallyMetric<HistogramSeries> {
  readonly type = 'histogram';
  private readonly upperBounds: readonly number[];

  constructor(config: TallyConfiguration<Label> & { buckets: readonly number[] }) {
    if (config.labelNames.includes('le' as Label)) throw new Error('le is a reserved label keyword');
    super(config);
    this.upperBounds = Object.freeze([...config.buckets]);
  }

  /** Per series: each bucket cumulatively, then +Inf, _sum and _count, with the series' labels after `le` (prom-client's order). */
  async get(): Promise<MetricSnapshot<HistogramLine>> {
    const bucketName = `${this.name}_bucket`;
    const values: HistogramLine[] = [];
    for (const series of this.list) {
      let cumulative = 0;
      for (let index = 0; index < this.upperBounds.length; index++) {
        cumulative += series.bucketCounts[index]!;
        values.push({ value: cumulative, metricName: bucketName, exemplar: null, labels: { le: this.upperBounds[index]!, ...series.labels } });
      }
      values.push({ value: series.count, metricName: bucketName, exemplar: null, labels: { le: '+Inf', ...series.labels } });
      values.push({ value: series.sum, metricName: `${this.name}_sum`, labels: { ...series.labels } });
      values.push({ value: series.count, metricName: `${this.name}_count`, labels: { ...series.labels } });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  protected createSeries(labels: Record<string, string>): HistogramSeries {
    return new HistogramSeries(labels, this.upperBounds);
  }
}
