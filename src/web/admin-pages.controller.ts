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
import {
  AccreditationReasonDto,
  CreateAssociationDto,
  GrantAccreditationDto,
  OptionalReasonDto,
} from '../associations/dto/association.dto';
import { AccreditationsService } from '../associations/accreditations.service';
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
import { CreateUserDto } from '../users/dto/create-user.dto';
import { UpdateUserDto } from '../users/dto/update-user.dto';
import { UserQueryDto } from '../users/dto/user-query.dto';
import { UsersService } from '../users/users.service';
import { DomainError } from '../common/errors/domain-error';
import { UploadedDocument, UploadedDocumentParam } from '../common/http/uploaded-file';
import { formErrors, formFields, readForm, requireConfirmation } from './forms';
import { errorPage, pageAction } from './page-action';
import { LABELS, options } from './labels';
import { flashMessage, pageModel } from './page-model';
import { COMMON_ERRORS } from '../common/errors/common.errors';

const DONE: Record<string, string> = {
  structure: 'La structure est enregistrée.',
  habilitation: "L'habilitation est enregistrée.",
  suspendue: "L'habilitation est suspendue : la structure ne peut plus encaisser.",
  retablie: "L'habilitation est rétablie.",
  utilisateur:
    'Le compte est créé : communiquez le mot de passe à son titulaire par un canal sûr. Un compte administrateur reste inactif tant qu’un second administrateur ne l’a pas confirmé.',
  active:
    'Le compte est réactivé. Pour un administrateur, la réactivation attend la confirmation d’un second administrateur.',
  desactive: 'Le compte est désactivé : ses sessions sont fermées.',
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

/** A page action that does not exist: 404, shown by the global filter as a French page. */
const unknownAction = () => COMMON_ERRORS.custom('NOT_FOUND', 'Action inconnue.');

/** The administrators' side (agents share the reimbursement page, with their own rights). */
@ApiExcludeController()
@Controller('admin')
export class AdminPagesController {
  constructor(
    private readonly associations: AssociationsService,
    private readonly accreditations: AccreditationsService,
    private readonly statements: StatementsService,
    private readonly claims: ClaimsService,
    private readonly batches: PaymentBatchesService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  /** Runs a form action; refused, the French reason on the error page of the section. */
  private act(
    res: Response,
    actor: Actor,
    back: string,
    run: () => Promise<unknown>,
    done: string,
  ): Promise<void> {
    return pageAction(
      res,
      async () => {
        await run();
        return `${back}?fait=${done}`;
      },
      errorPage(actor, 'Action refusée', back),
    );
  }

  @Get('structures')
  @Roles('ADMIN')
  @Render('admin/associations')
  async associationsPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    const list = await this.associations.list(actor);
    return pageModel(actor, 'Structures de médiation', '/admin/structures', {
      flash: flashMessage(DONE, done),
      today: parisToday(),
      associations: list.map((a) => ({
        ...a,
        current: a.accreditations[a.accreditations.length - 1],
      })),
    });
  }

  @Post('structures')
  @Roles('ADMIN')
  createAssociation(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const fields = formFields(body);
    const activities = (typeof fields.activities === 'string' ? fields.activities : '')
      .split(/[\n;]/)
      .map((a) => a.trim())
      .filter(Boolean);
    return this.act(
      res,
      actor,
      '/admin/structures',
      async () =>
        this.associations.create(
          actor,
          await readForm(CreateAssociationDto, { ...fields, activities }),
        ),
      'structure',
    );
  }

  private readonly associationActions: Record<string, [Action, string]> = {
    habiliter: [
      async (actor, id, f) =>
        this.accreditations.grant(actor, id, await readForm(GrantAccreditationDto, f)),
      'habilitation',
    ],
    suspendre: [
      async (actor, id, f) =>
        this.accreditations.suspend(actor, id, (await readForm(AccreditationReasonDto, f)).reason),
      'suspendue',
    ],
    retablir: [
      async (actor, id, f) =>
        this.accreditations.reinstate(actor, id, (await readForm(OptionalReasonDto, f)).reason),
      'retablie',
    ],
  };

  @Post('structures/:id/:action')
  @Roles('ADMIN')
  associationAction(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('action') action: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    if (!Object.hasOwn(this.associationActions, action)) throw unknownAction();
    const found = this.associationActions[action];
    return this.act(
      res,
      actor,
      '/admin/structures',
      () => found[0](actor, id, formFields(body)),
      found[1],
    );
  }

  @Get('utilisateurs')
  @Roles('ADMIN')
  @Render('admin/users')
  async usersPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    const [users, associations] = await Promise.all([
      this.users.list(await readForm(UserQueryDto, { pageSize: 200 })),
      this.associations.list(actor),
    ]);
    const names = new Map(associations.map((a) => [a.id, a.name]));
    return pageModel(actor, 'Utilisateurs', '/admin/utilisateurs', {
      flash: flashMessage(DONE, done),
      roles: options(LABELS.role),
      associations,
      users: users.items.map((u) => ({
        ...u,
        isSelf: u.id === actor.id,
        roleLabel: LABELS.role[u.role],
        associationName: u.associationId ? names.get(u.associationId) : '',
      })),
    });
  }

  @Post('utilisateurs')
  @Roles('ADMIN')
  createUser(
    @CurrentUser() actor: Actor,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    return this.act(
      res,
      actor,
      '/admin/utilisateurs',
      async () => this.users.create(actor, await readForm(CreateUserDto, formFields(body))),
      'utilisateur',
    );
  }

  @Post('utilisateurs/:id/:state')
  @Roles('ADMIN')
  setUserActive(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('state') state: string,
    @Res() res: Response,
  ) {
    const active = state === 'activer' ? true : state === 'desactiver' ? false : undefined;
    if (active === undefined) throw unknownAction();
    return this.act(
      res,
      actor,
      '/admin/utilisateurs',
      async () => this.users.update(actor, id, await readForm(UpdateUserDto, { active })),
      active ? 'active' : 'desactive',
    );
  }

  @Get('etats')
  @Roles('ADMIN', 'AGENT')
  @Render('admin/statements')
  async statementsPage(@CurrentUser() actor: Actor, @Query('fait') done?: string) {
    const [claims, statements, associations, late] = await Promise.all([
      this.claims.listClaims(
        actor,
        await readForm(ClaimQueryDto, { status: 'SUBMITTED', pageSize: 200 }),
      ),
      this.statements.listStatements(actor, await readForm(StatementQueryDto, { pageSize: 100 })),
      this.associations.list(actor),
      this.statements.paymentTrack(actor, { late: true }),
    ]);
    const names = new Map(associations.map((a) => [a.id, a.name]));
    const batches =
      actor.role === 'ADMIN'
        ? (await this.batches.list(actor, await readForm(PaymentBatchQueryDto, { pageSize: 50 })))
            .items
        : [];
    return pageModel(actor, 'Remboursements', '/admin/etats', {
      batches: batches.map((b) => ({
        ...b,
        statusLabel: LABELS.paymentBatchStatus[b.status],
        approvable: b.actions.includes('APPROVE'),
        cancellable: b.actions.includes('CANCEL'),
        downloadable: b.actions.includes('DOWNLOAD'),
        sendable: b.actions.includes('MARK_SENT'),
        importable: b.actions.includes('IMPORT_RESULTS'),
      })),
      flash: flashMessage(DONE, done),
      late,
      isAdmin: actor.role === 'ADMIN',
      today: parisToday(),
      claims: claims.items.map((c) => ({
        ...c,
        associationName: names.get(c.associationId),
        issuable: c.actions.includes('ISSUE'),
        rejectable: c.actions.includes('REJECT'),
      })),
      statements: statements.items.map((s) => ({
        ...s,
        statusLabel: LABELS.statementStatus[s.status],
        approvable: s.actions.includes('APPROVE'),
        payable: s.actions.includes('MARK_PAID'),
      })),
    });
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
      '/admin/etats',
      () => found[0](actor, id, formFields(body)),
      found[1],
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
    return this.act(res, actor, '/admin/etats', () => this.batches.prepare(actor), 'bordereau');
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
        '/admin/etats',
        () => this.batches.approve(actor, id),
        'bordereau_approuve',
      );
    if (action === 'envoyer')
      return this.act(
        res,
        actor,
        '/admin/etats',
        () => this.batches.markSent(actor, id),
        'bordereau_envoye',
      );
    if (action === 'annuler')
      return this.act(
        res,
        actor,
        '/admin/etats',
        async () =>
          this.batches.cancel(
            actor,
            id,
            (await readForm(CancelPaymentBatchDto, formFields(body))).reason,
          ),
        'bordereau_annule',
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
    return pageModel(actor, "Journal d'audit", '/admin/journal', {
      q: fields,
      events: events.items.map((e) => ({
        ...e,
        beforeText: e.before ? JSON.stringify(e.before) : '',
        afterText: e.after ? JSON.stringify(e.after) : '',
      })),
      total: events.total,
    });
  }
}
