/**
 * The HTTP layer alone, for bench/framework.bench.ts: a Nest application on Express or on Fastify
 * (argv[2]) with what the service's API routes have in common — a global guard reading the bearer
 * token, the service's own ValidationPipe and the redemption's DTO (class-validator), a header set
 * by the controller, a JSON answer of a redemption's size — and no database, so that the
 * difference between the two runs is the adapter's. Listens on argv[3] and prints "ready".
 */
import 'reflect-metadata';
import {
  Body,
  CanActivate,
  Controller,
  ExecutionContext,
  HttpCode,
  Injectable,
  Module,
  Post,
  Res,
} from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { createValidationPipe } from '../src/common/http/validation';
import { CreateRedemptionDto } from '../src/redemptions/dto/redemption.dto';

@Injectable()
class BearerGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return /^Bearer \S+$/.test(req.headers.authorization ?? '');
  }
}

/** The answer of a one-cheque redemption, as the service gives it. */
const answer = (dto: CreateRedemptionDto) => ({
  id: randomUUID(),
  associationId: randomUUID(),
  sessionDate: dto.sessionDate,
  activity: dto.activity,
  workshopPriceCents: dto.workshopPriceCents ?? null,
  totalCents: 1000,
  status: 'ACTIVE',
  note: null,
  createdAt: new Date().toISOString(),
  cancelledAt: null,
  cancelReason: null,
  cancellableUntil: dto.sessionDate,
  cheques: dto.codes.map((code, i) => ({
    code,
    bookletNumber: 'CD31-2026-000001',
    position: i + 1,
    faceValueCents: 1000,
  })),
});

@Controller('api/redemptions')
class RedemptionsController {
  @Post()
  @HttpCode(201)
  redeem(
    @Body() dto: CreateRedemptionDto,
    @Res({ passthrough: true }) res: { header?: unknown; setHeader?: unknown },
  ) {
    // Express's response has setHeader, Fastify's reply has header
    if (typeof res.setHeader === 'function') res.setHeader('Idempotent-Replayed', 'false');
    else (res.header as (k: string, v: string) => void).call(res, 'Idempotent-Replayed', 'false');
    return answer(dto);
  }
}

@Module({
  controllers: [RedemptionsController],
  providers: [{ provide: APP_GUARD, useClass: BearerGuard }],
})
class FrameworkModule {}

async function main(): Promise<void> {
  const [adapter, port] = process.argv.slice(2);
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(
          FrameworkModule,
          new (await import('@nestjs/platform-fastify')).FastifyAdapter(),
          { logger: false },
        )
      : await NestFactory.create(FrameworkModule, { logger: false });
  app.useGlobalPipes(createValidationPipe());
  await app.listen(Number(port), '127.0.0.1');
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
