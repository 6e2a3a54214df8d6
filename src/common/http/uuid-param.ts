import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ValidationFailedError } from '../errors/common.errors';

/** A path parameter that must be a UUID; anything else is a 400 VALIDATION_FAILED naming it. */
export const UuidParam = (name = 'id'): ParameterDecorator =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () => ValidationFailedError.field(name, `${name} must be a UUID`),
    }),
  );
