import { Body, Controller, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { streamDownload } from '../common/http/streaming';
import { UploadedDocument, UploadedDocumentParam } from '../common/http/uploaded-file';
import { CurrentUser, Public, Roles } from '../common/access/decorators';
import type { Actor } from '../common/access/role';
import { ApiProblems } from '../common/http/api-problems';
import { UuidParam } from '../common/http/uuid-param';
import { AccreditationsService } from './accreditations.service';
import { AssociationsService } from './associations.service';
import {
  AccreditationReasonDto,
  AssociationDto,
  ConfirmBankDetailsDto,
  BankDetailsChangeDto,
  CreateAssociationDto,
  GrantAccreditationDto,
  OptionalReasonDto,
  PublicAssociationDto,
  PublicDirectoryQueryDto,
  RequestBankDetailsDto,
  UpdateAssociationDto,
} from './dto/association.dto';

@ApiTags('associations')
@Controller('api/associations')
export class AssociationsController {
  constructor(
    private readonly associations: AssociationsService,
    private readonly accreditations: AccreditationsService,
  ) {}

  @Post()
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Register an association (SIRET and IBAN checked)' })
  @ApiCreatedResponse({ type: AssociationDto })
  @ApiProblems(400, 409)
  create(@CurrentUser() actor: Actor, @Body() dto: CreateAssociationDto): Promise<AssociationDto> {
    return this.associations.create(actor, dto);
  }

  @Get()
  @Roles('ADMIN', 'AGENT')
  @ApiOperation({
    summary: 'List associations with their accreditations (IBAN masked except for administrators)',
  })
  @ApiOkResponse({ type: [AssociationDto] })
  list(@CurrentUser() actor: Actor): Promise<AssociationDto[]> {
    return this.associations.list(actor);
  }

  @Get(':id')
  @Roles('ADMIN', 'AGENT', 'ASSOCIATION')
  @ApiOperation({ summary: 'One association; association staff see only their own' })
  @ApiOkResponse({ type: AssociationDto })
  @ApiProblems(400, 404)
  get(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<AssociationDto> {
    return this.associations.get(actor, id);
  }

  @Patch(':id')
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      'Change an association; new bank details (IBAN, BIC) wait for a second administrator (pendingBankDetails)',
  })
  @ApiOkResponse({ type: AssociationDto })
  @ApiProblems(400, 404, 409)
  update(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: UpdateAssociationDto,
  ): Promise<AssociationDto> {
    return this.associations.update(actor, id, dto);
  }

  @Post(':id/accreditations')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Accredit (habiliter) the association for a period' })
  @ApiCreatedResponse({ type: AssociationDto })
  @ApiProblems(400, 404, 409)
  grant(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: GrantAccreditationDto,
  ): Promise<AssociationDto> {
    return this.accreditations.grant(actor, id, dto);
  }

  @Post(':id/bank-details')
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      "Ask for new bank details with the association's bank-details document (RIB: PDF, PNG or JPEG, multipart field `file`); applied when a second administrator confirms them",
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['iban', 'file'],
      properties: {
        iban: { type: 'string' },
        bic: { type: 'string' },
        file: { type: 'string', format: 'binary' },
      },
    },
  })
  @ApiCreatedResponse({ type: AssociationDto })
  @ApiProblems(400, 404, 409, 413)
  requestBankDetails(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: RequestBankDetailsDto,
    @UploadedDocumentParam() file: UploadedDocument | undefined,
  ): Promise<AssociationDto> {
    return this.associations.requestBankDetails(actor, id, dto, file);
  }

  @Get(':id/bank-details')
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      "Every version of the association's bank details: who asked, who confirmed or withdrew, when, on which document",
  })
  @ApiOkResponse({ type: [BankDetailsChangeDto] })
  @ApiProblems(400, 404)
  bankDetailsHistory(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
  ): Promise<BankDetailsChangeDto[]> {
    return this.associations.bankDetailsHistory(actor, id);
  }

  @Get(':id/bank-details/:changeId/document')
  @Roles('ADMIN')
  @ApiOperation({ summary: 'The bank-details document of a request, as received' })
  @ApiProduces('application/pdf', 'image/png', 'image/jpeg')
  @ApiProblems(400, 404)
  bankDetailsDocument(
    @UuidParam() id: string,
    @UuidParam('changeId') changeId: string,
    @Res() res: Response,
  ): Promise<void> {
    // always a download, never shown inline from our origin
    return streamDownload(res, 'application/octet-stream', async (out, ready) => {
      const doc = await this.associations.bankDetailsDocument(id, changeId);
      ready(doc.name);
      out.setHeader('Content-Type', doc.type);
      out.end(doc.content);
    });
  }

  @Post(':id/bank-details/confirm')
  @HttpCode(200)
  @Roles('ADMIN')
  @ApiOperation({
    summary:
      'Apply the new bank details another administrator asked for (four eyes: not the requester)',
  })
  @ApiOkResponse({ type: AssociationDto })
  @ApiProblems(400, 403, 404, 409)
  confirmBankDetails(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: ConfirmBankDetailsDto,
  ): Promise<AssociationDto> {
    return this.associations.confirmBankDetails(actor, id, dto.changeId);
  }

  @Post(':id/bank-details/cancel')
  @HttpCode(200)
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Withdraw new bank details not yet confirmed' })
  @ApiOkResponse({ type: AssociationDto })
  @ApiProblems(400, 404, 409)
  cancelBankDetails(@CurrentUser() actor: Actor, @UuidParam() id: string): Promise<AssociationDto> {
    return this.associations.cancelBankDetails(actor, id);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @Roles('ADMIN')
  @ApiOperation({
    summary: 'Suspend the current accreditation, with a reason; takes effect at once',
  })
  @ApiOkResponse({ type: AssociationDto })
  @ApiProblems(400, 404, 409)
  suspend(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: AccreditationReasonDto,
  ): Promise<AssociationDto> {
    return this.accreditations.suspend(actor, id, dto.reason);
  }

  @Post(':id/reinstate')
  @HttpCode(200)
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Lift a suspension' })
  @ApiOkResponse({ type: AssociationDto })
  @ApiProblems(400, 404, 409)
  reinstate(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: OptionalReasonDto,
  ): Promise<AssociationDto> {
    return this.accreditations.reinstate(actor, id, dto.reason);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Roles('ADMIN')
  @ApiOperation({ summary: 'Revoke the current accreditation, with a reason' })
  @ApiOkResponse({ type: AssociationDto })
  @ApiProblems(400, 404, 409)
  revoke(
    @CurrentUser() actor: Actor,
    @UuidParam() id: string,
    @Body() dto: AccreditationReasonDto,
  ): Promise<AssociationDto> {
    return this.accreditations.revoke(actor, id, dto.reason);
  }
}

@ApiTags('public')
@Controller('api/public/associations')
export class PublicAssociationsController {
  constructor(private readonly associations: AssociationsService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Directory of associations accredited today (no authentication)' })
  @ApiOkResponse({ type: [PublicAssociationDto] })
  @ApiProblems(400)
  directory(@Query() query: PublicDirectoryQueryDto): Promise<PublicAssociationDto[]> {
    return this.associations.directory(query.q);
  }
}
