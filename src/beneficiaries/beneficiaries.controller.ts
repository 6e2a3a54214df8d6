import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ValidationFailedError } from '../common/errors/common.errors';
import { ApiProblems } from '../common/http/api-problems';
import { ErasureResultDto, PersonalDataExportDto } from './dto/personal-data.dto';
import { PersonalDataService } from './personal-data.service';

const REFERENCE = /^[A-Za-z0-9._-]{3,40}$/;
const ReferenceParam = () =>
  Param('reference', {
    transform: (value: string) => {
      if (!REFERENCE.test(value))
        throw ValidationFailedError.field(
          'reference',
          'reference must be 3–40 letters, digits, . _ -',
        );
      return value;
    },
  });
const REFERENCE_DOC = {
  name: 'reference',
  example: 'CCAS-2026-0042',
  description: "The beneficiary's dossier reference",
};

/** Requests about one beneficiary's personal data (RGPD): access and portability, erasure. */
@ApiTags('personal data')
@Controller('api/beneficiaries')
@Roles('ADMIN')
export class BeneficiariesController {
  constructor(private readonly personalData: PersonalDataService) {}

  @Get(':reference/export')
  @ApiOperation({ summary: 'Everything kept about one beneficiary (access, portability); audited' })
  @ApiParam(REFERENCE_DOC)
  @ApiOkResponse({ type: PersonalDataExportDto })
  @ApiProblems(400, 404)
  export(
    @CurrentUser() actor: Actor,
    @ReferenceParam() reference: string,
  ): Promise<PersonalDataExportDto> {
    return this.personalData.export(actor, reference);
  }

  @Post(':reference/erase')
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase one beneficiary's personal data on request",
    description:
      'Refused with 409 BENEFICIARY_HAS_ACTIVE_BOOKLET while a booklet can still be used, and 409 ACCOUNTING_RECORDS_KEPT while redeemed cheques justify public payments (until the claim deadline + the retention period).',
  })
  @ApiParam(REFERENCE_DOC)
  @ApiOkResponse({ type: ErasureResultDto })
  @ApiProblems(400, 404, 409)
  erase(
    @CurrentUser() actor: Actor,
    @ReferenceParam() reference: string,
  ): Promise<ErasureResultDto> {
    return this.personalData.erase(actor, reference);
  }
}
