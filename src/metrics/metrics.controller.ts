import {
  Controller,
  Get,
  Header,
  Headers,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../common/access/decorators';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * GET /metrics, Prometheus text format, for the monitoring system only: it needs
 * `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN the route does not exist (404).
 * Not in the OpenAPI document: it is not part of the API.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Headers('authorization') authorization: string | undefined): Promise<string> {
    const token = this.config.get('METRICS_TOKEN');
    if (!token) throw new NotFoundException();
    const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    if (!timingSafeEqual(digest(given), digest(token))) throw new UnauthorizedException();
    return this.metrics.registry.metrics();
  }
}
