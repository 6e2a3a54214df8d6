import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';

/** The pg pool's own counters (node-postgres `Pool`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The service's Prometheus metrics (prom-client), one registry per application instance: HTTP
 * requests and latency per route, cheques redeemed and refused by code, database pool use, and
 * Node's process metrics. Served by GET /metrics (MetricsController).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'pn_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'pn_http_request_duration_seconds',
    help: 'Time to answer HTTP requests, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly redeemed = new Counter({
    name: 'pn_cheques_redeemed_total',
    help: 'Cheques redeemed (committed redemptions, replays not counted)',
    registers: [this.registry],
  });
  private readonly redemptions = new Counter({
    name: 'pn_redemptions_total',
    help: 'Redemptions committed (one per workshop, of one or several cheques)',
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'pn_cheque_refusals_total',
    help: 'Cheques refused at check or redemption, by refusal code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor(@InjectDataSource() dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'pn_' });
    const pool = (): PoolCounts | undefined =>
      (dataSource.driver as unknown as { master?: PoolCounts }).master;
    new Gauge({
      name: 'pn_db_pool_connections',
      help: 'Database pool connections, by state (in use, idle) and requests waiting for one',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'in_use' }, p.totalCount - p.idleCount);
        this.set({ state: 'idle' }, p.idleCount);
        this.set({ state: 'waiting' }, p.waitingCount);
      },
    });
  }

  /** Express middleware: counts and times every request under its route pattern, never its raw path. */
  readonly httpMiddleware = (req: Request, res: Response, next: NextFunction): void => {
    const end = this.latency.startTimer();
    res.once('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
      end({ method: req.method, route });
      this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  redemption(cheques: number): void {
    this.redemptions.inc();
    this.redeemed.inc(cheques);
  }

  refused(codes: string[]): void {
    for (const code of codes) this.refusals.inc({ code });
  }
}
