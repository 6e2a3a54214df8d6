import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { requestContext } from '../request-context';
import { assignRequestId } from './request-id';

/** Runs each handler inside its request context (request id for audit events and logs). */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const requestId = assignRequestId(req, http.getResponse<Response>());
    return new Observable((subscriber) =>
      requestContext.run({ requestId, ip: req.ip }, () => next.handle().subscribe(subscriber)),
    );
  }
}
