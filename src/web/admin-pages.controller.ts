import {
  Body,
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Render,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AssociationsService } from '../associations/associations.service';
import { AuditQueryDto } from '../audit/dto/audit-event.dto';
import { AuditService } from '../audit/audit.service';
import { CurrentUser, Roles } from '../common/access/decorators';
import type { Actor, Role } from '../common/access/role';
import { ForbiddenError } from '../common/errors/common.errors';
import { parisToday } from '../common/dates';
import {
  ClaimQueryDto,
  MarkPaidDto,
  ReasonDto,
  StatementQueryDto,
} from '../statements/dto/statement.dto';
import {
  CancelPaymentBatchDto,
  PaymentBatchQueryDto,
} from '../payment-batches/dto/payment-batch.dto';
import { PaymentBatchesService } from '../payment-batches/payment-batches.service';
import { ClaimsService } from '../statements/claims.service';
import { MAY } from '../statements/statement.rules';
import { StatementsService } from '../statements/statements.service';
import { UsersService } from '../users/users.service';
import { DomainError } from '../common/errors/domain-error';
import { UploadedDocument, UploadedDocumentParam } from '../common/http/uploaded-file';
import { formErrors, formFields, readForm, requireConfirmation } from './forms';
import { pageAction, PageState, samePage, unknownAction } from './page-action';
import { LABELS } from './labels';
import { AUDIT_ACTIONS, AUDIT_ENTITIES, auditChanges } from './audit-labels';
import { flashMessage, pageModel } from './page-model';

const DONE: Record<string, string> = {
  emis: "L'état de remboursement est émis.",
  rejetee: 'La demande est rejetée : ses encaissements sont à nouveau libres.',
  approuve: "L'état est approuvé.",
  paye: "L'état est enregistré comme payé.",
  bordereau: 'Le bordereau est préparé : un autre administrateur doit l’approuver.',
  bordereau_approuve: 'Le bordereau est approuvé : ses fichiers de paiement sont disponibles.',
  bordereau_annule: 'Le bordereau est annulé : ses états peuvent entrer dans un autre.',
  bordereau_envoye:
    'Le bordereau est marqué envoyé aux finances : ses paiements pourront être importés.',
  paiements: 'Les paiements du fichier sont enregistrés.',
};

type Action = (actor: Actor, id: string, fields: Record<string, unknown>) => Promise<unknown>;

/** The administrators' side (agents share the reimbursement page, with their own rights). */
@ApiExcludeController()
@Controller('admin')
export class AdminPagesController {
  constructor(
    private readonly associations: AssociationsService,
    private readonly statements: StatementsService,
    private readonly claims: ClaimsService,
    private readonly batches: PaymentBatchesService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Runs a form of the reimbursements page; refused, the page again with the French reasons
   * beside the form (`form`: its key, one per row) and what was typed in it.
   */
  private act(
    res: Response,
    actor: Actor,
    run: () => Promise<unknown>,
    done: string,
    form: string,
    body: unknown = {},
  ): Promise<void> {
    return pageAction(
      res,
      async () => {
        await run();
        return `/admin/etats?fait=${done}`;
      },
      samePage('admin/statements', form, body, (refusal) => this.statementsModel(actor, refusal)),
    );
  }

  private async statementsModel(actor: Actor, extra: PageState = {}) {
    const [claims, statements, associations, late] = await Promise.all([
      this.claims.listClaims(
        actor,
        await readForm(ClaimQueryDto, { status: 'SUBMITTED', pageSize: 200 }),
      ),
      this.statements.listStatements(actor, await readForm(StatementQueryDto, { pageSize: 100 })),
      this.associations.list(actor),
      this.statements.paymentTrack(actor, { late: true }),
    ]);
    const associationNames = new Map(associations.map((a) => [a.id, a.name]));
    const batches =
      actor.role === 'ADMIN'
        ? (await this.batches.list(actor, await readForm(PaymentBatchQueryDto, { pageSize: 50 })))
            .items
        : [];
    const people = await this.users.names([
      ...statements.items.flatMap((s) => [s.issuedBy, s.approvedBy, s.paidBy]),
      ...batches.flatMap((b) => [b.preparedBy, b.approvedBy]),
    ]);
    const name = (id: string | null | undefined) => (id ? (people.get(id) ?? '') : '');
    return pageModel(actor, 'Remboursements', '/admin/etats', {
      batches: batches.map((b) => ({
        ...b,
        statusLabel: LABELS.paymentBatchStatus[b.status],
        preparedByName: name(b.preparedBy),
        approvedByName: name(b.approvedBy),
        approvable: b.actions.includes('APPROVE'),
        cancellable: b.actions.includes('CANCEL'),
        downloadable: b.actions.includes('DOWNLOAD'),
        sendable: b.actions.includes('MARK_SENT'),
        importable: b.actions.includes('IMPORT_RESULTS'),
      })),
      late,
      isAdmin: actor.role === 'ADMIN',
      today: parisToday(),
      claims: claims.items.map((c) => ({
        ...c,
        associationName: associationNames.get(c.associationId),
        issuable: c.actions.includes('ISSUE'),
        rejectable: c.actions.includes('REJECT'),
      })),
      statements: statements.items.map((s) => ({
        ...s,
        statusLabel: LABELS.statementStatus[s.status],
        issuedByName: name(s.issuedBy),
        approvedByName: name(s.approvedBy),
        paidByName: name(s.paidBy),
        approvable: s.actions.includes('APPROVE'),
        // approval by a second person: the issuer is told why the button is not there
        awaitsOtherApprover:
          s.status === 'ISSUED' && !s.actions.includes('APPROVE') && s.issuedBy === actor.id,
        payable: s.actions.includes('MARK_PAID'),
      })),
      ...extra,
    });
  }

  @Get('etats')
  @Roles('ADMIN', 'AGENT')
  @Render('admin/statements')
  async statementsPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    return this.statementsModel(actor, { flash: flashMessage(DONE, done) });
  }

  /** Each action with the roles the API grants it (approval and payment: administrators). */
  private readonly statementActions: Record<string, [Action, string, readonly Role[]]> = {
    emettre: [
      (actor, id, f) => {
        // an issued statement is final: the page asks for an explicit confirmation
        requireConfirmation(f, 'confirmIssue', 'cochez la case pour confirmer l’émission');
        return this.statements.issue(actor, id);
      },
      'emis',
      MAY.issueClaim,
    ],
    rejeter: [
      async (actor, id, f) => this.claims.reject(actor, id, (await readForm(ReasonDto, f)).reason),
      'rejetee',
      MAY.rejectClaim,
    ],
    approuver: [
      (actor, id) => this.statements.approve(actor, id),
      'approuve',
      MAY.approveStatement,
    ],
    payer: [
      async (actor, id, f) => {
        requireConfirmation(f, 'confirmPaid', 'cochez la case pour confirmer le paiement');
        return this.statements.markPaid(actor, id, await readForm(MarkPaidDto, f));
      },
      'paye',
      MAY.payStatement,
    ],
  };

  @Post('etats/:id/:action')
  @Roles('ADMIN', 'AGENT')
  statementAction(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('action') action: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    if (!Object.hasOwn(this.statementActions, action)) throw unknownAction();
    const found = this.statementActions[action];
    if (!found[2].includes(actor.role)) throw new ForbiddenError();
    return this.act(
      res,
      actor,
      () => found[0](actor, id, formFields(body)),
      found[1],
      `${action}-${id}`,
      body,
    );
  }

  /** Importing the finance software's payment results: choose the file. */
  @Get('bordereaux/:id/paiements')
  @Roles('ADMIN')
  @Render('admin/payment-results')
  async paymentResultsPage(@CurrentUser() actor: Actor, @Param('id', ParseUUIDPipe) id: string) {
    const batch = await this.batches.get(actor, id);
    return pageModel(actor, `Paiements du bordereau ${batch.number}`, '/admin/etats', { batch });
  }

  /**
   * The uploaded file checked without recording anything (the preview: every line and what it
   * would do), then, confirmed, applied — all or nothing — with the same checks again.
   */
  @Post('bordereaux/:id/paiements')
  @Roles('ADMIN')
  async paymentResults(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: Record<string, unknown> | undefined,
    @UploadedDocumentParam() file: UploadedDocument | undefined,
    @Res() res: Response,
  ) {
    const batch = await this.batches.get(actor, id);
    const view = (model: object, status = 200) =>
      res.status(status).render(
        'admin/payment-results',
        pageModel(actor, `Paiements du bordereau ${batch.number}`, '/admin/etats', {
          batch,
          ...model,
        }),
      );
    const fields = body ?? {};
    const confirmed = typeof fields.content === 'string' && fields.step === 'appliquer';
    const content = confirmed ? (fields.content as string) : file?.content.toString('utf8');
    if (!content)
      return view({ errors: [{ message: 'Choisissez le fichier de résultats (CSV).' }] }, 400);
    try {
      const result = await this.batches.applyResults(actor, id, content, !confirmed);
      if (confirmed) return res.redirect(303, '/admin/etats?fait=paiements');
      return view({ preview: result, content, toPay: result.paidCount > 0 });
    } catch (err) {
      const lines =
        err instanceof DomainError ? (err.extra.lines as unknown[] | undefined) : undefined;
      return view({ errors: formErrors(err), refusedLines: lines ?? null }, 400);
    }
  }

  @Post('bordereaux')
  @Roles('ADMIN')
  prepareBatch(@CurrentUser() actor: Actor, @Res() res: Response) {
    return this.act(res, actor, () => this.batches.prepare(actor), 'bordereau', 'bordereau');
  }

  @Post('bordereaux/:id/:action')
  @Roles('ADMIN')
  batchAction(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('action') action: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    if (action === 'approuver')
      return this.act(
        res,
        actor,
        () => this.batches.approve(actor, id),
        'bordereau_approuve',
        `approuver-${id}`,
      );
    if (action === 'envoyer')
      return this.act(
        res,
        actor,
        () => this.batches.markSent(actor, id),
        'bordereau_envoye',
        `envoyer-${id}`,
      );
    if (action === 'annuler')
      return this.act(
        res,
        actor,
        async () =>
          this.batches.cancel(
            actor,
            id,
            (await readForm(CancelPaymentBatchDto, formFields(body))).reason,
          ),
        'bordereau_annule',
        `annuler-${id}`,
        body,
      );
    throw unknownAction();
  }

  @Get('journal')
  @Roles('ADMIN')
  @Render('admin/audit')
  async auditPage(@CurrentUser() actor: Actor, @Query() query: Record<string, unknown>) {
    const fields = formFields(query);
    const events = await this.audit.list(
      await readForm(AuditQueryDto, { pageSize: 100, ...fields }),
    );
    const people = await this.users.people(events.items.map((e) => e.actorId));
    return pageModel(actor, "Journal d'audit", '/admin/journal', {
      q: fields,
      actions: Object.entries(AUDIT_ACTIONS)
        .map(([value, label]) => ({ value, label, selected: value === fields.action }))
        .sort((a, b) => a.label.localeCompare(b.label, 'fr')),
      entities: Object.entries(AUDIT_ENTITIES).map(([value, label]) => ({
        value,
        label,
        selected: value === fields.entityType,
      })),
      events: events.items.map((e) => ({
        ...e,
        who: e.actorId
          ? (people.get(e.actorId)?.name ?? e.actorId)
          : 'Le service (sans personne connectée)',
        whoDetail: [
          e.actorId ? people.get(e.actorId)?.email : undefined,
          e.actorRole ? (LABELS.role[e.actorRole as Role] ?? e.actorRole) : undefined,
        ]
          .filter(Boolean)
          .join(', '),
        actionLabel: AUDIT_ACTIONS[e.action] ?? e.action,
        entityLabel: AUDIT_ENTITIES[e.entityType] ?? e.entityType,
        changes: auditChanges(e.before, e.after),
        beforeText: e.before ? JSON.stringify(e.before, null, 1) : '',
        afterText: e.after ? JSON.stringify(e.after, null, 1) : '',
      })),
      total: events.total,
    });
  }
}
