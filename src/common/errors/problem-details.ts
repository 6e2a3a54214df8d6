import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class FieldErrorDto {
  @ApiProperty({ example: 'email' }) field!: string;
  @ApiProperty({ example: 'email must be an email' }) message!: string;
  @ApiPropertyOptional({
    example: "n'est pas une adresse e-mail valide",
    description: 'The same in French, for people, when the rule gives it',
  })
  fr?: string;
}

/** RFC 9457 problem details, as every error of this API is answered. */
export class ProblemDetailsDto {
  @ApiProperty({ example: 'urn:pass-numerique:problem:validation-failed' }) type!: string;
  @ApiProperty({ example: 'Bad Request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty({ example: 'La requête contient des champs invalides.' }) detail!: string;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code' })
  code!: string;
  @ApiPropertyOptional({ example: '/api/users' }) instance?: string;
  @ApiPropertyOptional({ example: '3f1c0c7e-52a4-4a57-8a0c-1f6b1c3d2e10' }) requestId?: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
}

export function problemType(code: string): string {
  return `urn:pass-numerique:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}
