/**
 * Counters, gauges and histograms for the hot path. prom-client's own metrics hash their label
 * object on every call; these keep one child per label set (found through nested maps, so a
 * lookup allocates nothing) and hand prom-client's registry plain values only at scrape time.
 */
import type { Metric, Registry } from 'prom-client';

export interface CounterChild {
  inc(by?: number): void;
}

export interface GaugeChild {
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
}

export interface HistogramChild {
  /** A value in the metric's unit (seconds for the latency histograms). */
  observe(value: number): void;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface FamilySpec {
  name: string;
  help: string;
  /** At most three labels: children are found without building a key. */
  labelNames?: readonly string[];
}

type Lookup<C> = (a?: string, b?: string, c?: string) => C;

/** One child per distinct label set, created on first use. */
function childStore<C>(labelNames: readonly string[], create: (labels: Record<string, string>) => C) {
  if (labelNames.length > 3) throw new Error('at most three labels per metric');
  const root = new Map<string, unknown>();
  const entries: { labels: Record<string, string>; child: C }[] = [];
  let only: C | undefined;
  const make = (values: string[]): C => {
    const labels: Record<string, string> = {};
    labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
    const child = create(labels);
    entries.push({ labels, child });
    return child;
  };
  const sub = (level: Map<string, unknown>, key: string): Map<string, unknown> => {
    let next = level.get(key) as Map<string, unknown> | undefined;
    if (!next) level.set(key, (next = new Map()));
    return next;
  };
  const leaf = (level: Map<string, unknown>, key: string, a: string, b: string, c: string): C => {
    let child = level.get(key) as C | undefined;
    if (child === undefined) level.set(key, (child = make([a, b, c])));
    return child;
  };
  // No array or key string is built on a hit: this runs on every request.
  const get: Lookup<C> = (a = '', b = '', c = '') => {
    switch (labelNames.length) {
      case 0:
        return (only ??= make([]));
      case 1:
        return leaf(root, a, a, b, c);
      case 2:
        return leaf(sub(root, a), b, a, b, c);
      default:
        return leaf(sub(sub(root, a), b), c, a, b, c);
    }
  };
  const clear = () => {
    root.clear();
    entries.length = 0;
    only = undefined;
  };
  return { get, entries, clear };
}

/** Adds a custom metric to prom-client's registry: it only calls get() when scraped. */
function register(registry: Registry, spec: FamilySpec, type: string, values: () => MetricValue[]): void {
  const metric = {
    name: spec.name,
    help: spec.help,
    type,
    aggregator: 'sum',
    get: () => ({ name: spec.name, help: spec.help, type, aggregator: 'sum', values: values() }),
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Metric);
}

export function counterFamily(registry: Registry, spec: FamilySpec) {
  const store = childStore(spec.labelNames ?? [], () => {
    const child = { value: 0, inc: (by = 1) => void (child.value += by) };
    return child;
  });
  register(registry, spec, 'counter', () =>
    store.entries.map(({ labels, child }) => ({ labels, value: child.value })),
  );
  return { labels: store.get };
}

export function gaugeFamily(registry: Registry, spec: FamilySpec) {
  const store = childStore(spec.labelNames ?? [], () => {
    const child = {
      value: 0,
      set: (value: number) => void (child.value = value),
      inc: (by = 1) => void (child.value += by),
      dec: (by = 1) => void (child.value -= by),
    };
    return child;
  });
  register(registry, spec, 'gauge', () =>
    store.entries.map(({ labels, child }) => ({ labels, value: child.value })),
  );
  /** Forgets every label set (gauges recomputed at each scrape, e.g. from the pool). */
  return { labels: store.get, clear: store.clear };
}

export function histogramFamily(registry: Registry, spec: FamilySpec & { buckets: readonly number[] }) {
  const bounds = [...spec.buckets].sort((x, y) => x - y);
  const store = childStore(spec.labelNames ?? [], () => {
    const counts = new Float64Array(bounds.length + 1);
    const child = {
      counts,
      sum: 0,
      count: 0,
      observe(value: number) {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > (bounds[i] as number)) i += 1;
        counts[i] = (counts[i] ?? 0) + 1;
        child.sum += value;
        child.count += 1;
      },
    };
    return child;
  });
  register(registry, spec, 'histogram', () => {
    const out: MetricValue[] = [];
    for (const { labels, child } of store.entries) {
      let cumulative = 0;
      bounds.forEach((bound, i) => {
        cumulative += child.counts[i] ?? 0;
        out.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${spec.name}_bucket` });
      });
      out.push({ labels: { ...labels, le: '+Inf' }, value: child.count, metricName: `${spec.name}_bucket` });
      out.push({ labels, value: child.sum, metricName: `${spec.name}_sum` });
      out.push({ labels, value: child.count, metricName: `${spec.name}_count` });
    }
    return out;
  });
  return { labels: store.get };
}
