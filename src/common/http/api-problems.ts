import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE, ProblemDetailsDto } from '../errors/problem-details';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED, MALFORMED_JSON, …)',
  401: 'Missing, invalid or revoked credentials (UNAUTHENTICATED)',
  403: 'Authenticated, but not allowed (FORBIDDEN)',
  404: 'Not found (NOT_FOUND)',
  409: 'Conflicts with the current state (CONFLICT, …)',
  410: 'No longer usable',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  422: 'Refused by a business rule',
  429: 'Rate limited (RATE_LIMITED), see Retry-After',
  503: 'Temporarily unavailable (SERVICE_UNAVAILABLE)',
};

/** Documents problem+json error responses in the OpenAPI document. */
export function ApiProblems(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDetailsDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDetailsDto) } } },
      }),
    ),
  );
}
