/**
 * The server's Prometheus metrics behind one small interface. Label values are bounded: route
 * patterns (never URLs), methods, statuses, account names and kinds, outcomes and states;
 * never a key, a prompt or a user id.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AccountStatus, AccountView } from '../pool/index.js';
import {
  counterFamily,
  gaugeFamily,
  histogramFamily,
  type CounterChild,
  type HistogramChild,
} from './families.js';

export type TurnOutcomeLabel = 'complete' | 'incomplete' | 'cancelled' | 'error';

export interface TurnObservation {
  /** Account that served (or last tried) the turn; null when none was reached. */
  account: string | null;
  kind: string | null;
  outcome: TurnOutcomeLabel;
  /** Upstream time to first reply text, ms (from the account's lease to the first delta). */
  upstreamFirstByteMs?: number;
}

/** Recorder of one route, made once when the route is registered (no lookup per request). */
export interface RouteMetrics {
  record(method: string, status: number, durationMs: number): void;
  overhead(ms: number): void;
}

export type AccountTransition = 'cooldown' | 'ejection' | 'disabled';

export interface Metrics {
  readonly contentType: string;
  route(pattern: string): RouteMetrics;
  turn(observation: TurnObservation): void;
  /** A request refused by a limit of ours (rate limit, daily quota…); `reason` must be a fixed word. */
  rateLimited(reason: string): void;
  streamOpened(): void;
  streamClosed(): void;
  accountTransition(transition: AccountTransition, account: string): void;
  /** A request started waiting for an account lease. */
  leaseWaitStarted(): void;
  leaseWaitEnded(waitMs: number, acquired: boolean): void;
  /** Where account states come from at scrape time. */
  observeAccounts(snapshot: () => Promise<AccountView[]>): void;
  /** The Prometheus text exposition (runs the scrape-time collectors). */
  render(): Promise<string>;
}

const STATES: readonly AccountStatus[] = ['ready', 'busy', 'cooling', 'ejected', 'disabled'];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TTFB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];
const OVERHEAD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const requests = counterFamily(registry, {
    name: 'cas_http_requests_total',
    help: 'HTTP requests by route pattern, method and status (499: the client went away mid-stream).',
    labelNames: ['route', 'method', 'status'],
  });
  const duration = histogramFamily(registry, {
    name: 'cas_http_request_duration_seconds',
    help: 'Total handling time by route pattern.',
    labelNames: ['route'],
    buckets: LATENCY_BUCKETS,
  });
  const overhead = histogramFamily(registry, {
    name: 'cas_gateway_overhead_seconds',
    help: 'Time the gateway added to a chat response: total (or time to first byte when streaming) minus upstream time.',
    labelNames: ['route'],
    buckets: OVERHEAD_BUCKETS,
  });
  const firstByte = histogramFamily(registry, {
    name: 'cas_upstream_first_byte_seconds',
    help: 'Upstream time to the first reply text, by account kind.',
    labelNames: ['kind'],
    buckets: TTFB_BUCKETS,
  });
  const turns = counterFamily(registry, {
    name: 'cas_turns_total',
    help: 'Chat turns by account, account kind and outcome (complete, incomplete, cancelled, error).',
    labelNames: ['account', 'kind', 'outcome'],
  });
  const rateLimited = counterFamily(registry, {
    name: 'cas_rate_limited_total',
    help: 'Requests refused by a limit of the gateway, by reason.',
    labelNames: ['reason'],
  });
  const openStreams = gaugeFamily(registry, { name: 'cas_open_streams', help: 'SSE responses in progress.' });
  const transitions = {
    cooldown: counterFamily(registry, {
      name: 'cas_account_cooldowns_total',
      help: 'Times an account started (or lengthened) a cooldown after an upstream rate limit or block.',
      labelNames: ['account'],
    }),
    ejection: counterFamily(registry, {
      name: 'cas_account_ejections_total',
      help: 'Times an account was ejected after consecutive upstream failures.',
      labelNames: ['account'],
    }),
    disabled: counterFamily(registry, {
      name: 'cas_account_auto_disabled_total',
      help: 'Times an account was disabled because the upstream rejected its credentials.',
      labelNames: ['account'],
    }),
  };
  const waiting = gaugeFamily(registry, {
    name: 'cas_pool_waiting',
    help: 'Requests waiting for an account lease right now.',
  });
  const leaseWait = histogramFamily(registry, {
    name: 'cas_pool_wait_seconds',
    help: 'Time from asking the pool for an account to getting one (or being refused), by result.',
    labelNames: ['result'],
    buckets: LATENCY_BUCKETS,
  });
  const accountsByState = gaugeFamily(registry, {
    name: 'cas_accounts',
    help: 'Accounts by state (ready, busy, cooling, ejected, disabled), at scrape time.',
    labelNames: ['state'],
  });
  const accountState = gaugeFamily(registry, {
    name: 'cas_account_state',
    help: '1 for the state each account is in, 0 for the others, at scrape time.',
    labelNames: ['account', 'state'],
  });
  const inFlight = gaugeFamily(registry, {
    name: 'cas_account_in_flight',
    help: 'Turns running on each account, at scrape time.',
    labelNames: ['account'],
  });
  let accountSource: (() => Promise<AccountView[]>) | undefined;

  async function refreshAccounts(): Promise<void> {
    accountsByState.clear();
    accountState.clear();
    inFlight.clear();
    if (!accountSource) return;
    const views = await accountSource();
    for (const state of STATES) accountsByState.labels(state).set(0);
    for (const view of views) {
      accountsByState.labels(view.status).inc();
      for (const state of STATES) accountState.labels(view.name, state).set(view.status === state ? 1 : 0);
      inFlight.labels(view.name).set(view.inFlight);
    }
  }

  return {
    contentType: registry.contentType,
    route(pattern) {
      // Series appear on a route's first request, so /metrics lists only routes in use.
      let total: HistogramChild | undefined;
      let added: HistogramChild | undefined;
      const byMethod = new Map<string, Map<number, CounterChild>>();
      return {
        record(method, status, durationMs) {
          let byStatus = byMethod.get(method);
          if (!byStatus) byMethod.set(method, (byStatus = new Map()));
          let counter = byStatus.get(status);
          if (!counter) byStatus.set(status, (counter = requests.labels(pattern, method, String(status))));
          counter.inc();
          (total ??= duration.labels(pattern)).observe(durationMs / 1000);
        },
        overhead: (ms) => (added ??= overhead.labels(pattern)).observe(ms / 1000),
      };
    },
    turn({ account, kind, outcome, upstreamFirstByteMs }) {
      turns.labels(account ?? 'none', kind ?? 'none', outcome).inc();
      if (upstreamFirstByteMs !== undefined)
        firstByte.labels(kind ?? 'none').observe(upstreamFirstByteMs / 1000);
    },
    rateLimited: (reason) => rateLimited.labels(reason).inc(),
    streamOpened: () => openStreams.labels().inc(),
    streamClosed: () => openStreams.labels().dec(),
    accountTransition: (transition, account) => transitions[transition].labels(account).inc(),
    leaseWaitStarted: () => waiting.labels().inc(),
    leaseWaitEnded(waitMs, acquired) {
      waiting.labels().dec();
      leaseWait.labels(acquired ? 'acquired' : 'refused').observe(waitMs / 1000);
    },
    observeAccounts(snapshot) {
      accountSource = snapshot;
    },
    async render() {
      try {
        await refreshAccounts();
      } catch {
        // An unreachable pool state must not hide every other metric: the gauges stay empty.
      }
      return registry.metrics();
    },
  };
}
