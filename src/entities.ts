import { Accreditation, AccreditationDecision } from './associations/accreditation.entity';
import { Association } from './associations/association.entity';
import { BankDetailsChange } from './associations/bank-details-change.entity';
import { AuditChain } from './audit/audit-chain.entity';
import { AuditEvent } from './audit/audit-event.entity';
import { Beneficiary } from './beneficiaries/beneficiary.entity';
import {
  Booklet,
  BookletCounter,
  PrintBatch,
  StockTransfer,
  StockTransferBooklet,
} from './booklets/booklet.entity';
import { Cheque } from './booklets/cheque.entity';
import { Programme } from './programmes/programme.entity';
import { IdempotencyKey } from './redemptions/idempotency-key.entity';
import { Redemption, RedemptionLine } from './redemptions/redemption.entity';
import { RateLimitCounter } from './security/rate-limit-counter.entity';
import { Claim } from './statements/claim.entity';
import { StatementDocument } from './statements/statement-document.entity';
import { Statement, StatementCounter, StatementLine } from './statements/statement.entity';
import { AccountChange } from './users/account-change.entity';
import { AccountLink } from './users/account-link.entity';
import { OutboxMessage } from './mail/outbox-message.entity';
import { ExternalIdentity } from './users/external-identity.entity';
import { SsoAttempt } from './auth/sso/sso-attempt.entity';
import { AccessRequest } from './auth/sso/access-request.entity';
import {
  LoginChallenge,
  RecoveryCode,
  TotpFactor,
} from './auth/second-factor/second-factor.entity';
import { PasswordSetter } from './users/password-setter.entity';
import { User } from './users/user.entity';
import { UserSite } from './users/user-site.entity';
import { DistributionSite } from './sites/distribution-site.entity';
import {
  PaymentBatch,
  PaymentBatchCounter,
  PaymentBatchStatement,
} from './payment-batches/payment-batch.entity';

/** Every entity, for the application's data source, the migration CLI and the schema-drift test. */
export const ENTITIES = [
  User,
  AuditChain,
  AuditEvent,
  Programme,
  Association,
  Accreditation,
  AccreditationDecision,
  Beneficiary,
  PrintBatch,
  BookletCounter,
  Booklet,
  Cheque,
  Redemption,
  RedemptionLine,
  IdempotencyKey,
  RateLimitCounter,
  Claim,
  Statement,
  StatementLine,
  StatementDocument,
  StatementCounter,
  PaymentBatch,
  PaymentBatchStatement,
  PaymentBatchCounter,
  AccountChange,
  AccountLink,
  OutboxMessage,
  ExternalIdentity,
  SsoAttempt,
  AccessRequest,
  TotpFactor,
  RecoveryCode,
  LoginChallenge,
  PasswordSetter,
  BankDetailsChange,
  DistributionSite,
  UserSite,
  StockTransfer,
  StockTransferBooklet,
];
