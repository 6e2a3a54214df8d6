/**
 * Who may call what: one entry for every operation of the OpenAPI document. The isolation suite
 * fails when an operation has no entry (a new route must be placed here on purpose), when an
 * entry names an operation that no longer exists, or when the service or its documented
 * `x-roles` disagree with the entry.
 */
export type AccessRole = 'PUBLIC' | 'ADMIN' | 'AGENT' | 'PRESCRIBER' | 'ASSOCIATION';

/** The fixture object a path parameter is filled with; association-owned ones belong to B. */
export type Target =
  | 'user'
  | 'programme'
  | 'association'
  | 'booklet'
  | 'batch'
  | 'redemption'
  | 'claim'
  | 'statement'
  | 'paymentBatch'
  | 'code'
  | 'indicator'
  | 'beneficiary'
  // an access request offered to association B (its SIRET, given by the provider)
  | 'accessRequest'
  // of distribution site Y (the prescriber of site X must not reach them)
  | 'site'
  | 'stockBooklet'
  | 'transfer'
  | 'transferBooklet'
  | 'lossBooklet'
  | 'otherSite';

export interface Access {
  roles: AccessRole[];
  /** Association-owned data: staff of association A must get 404 for B's object, or see none of B in a list. */
  scoped?: boolean;
  /** What the path parameter designates (when the path has one). */
  target?: Target;
  /** Site-owned data: the prescriber of site X must get 404 for site Y's object, or see none of Y in a list. */
  siteScoped?: boolean;
  /** A valid body, where the scope check comes after validation (built from the fixture's objects). */
  body?: Record<string, unknown> | ((targets: Record<Target, string>) => Record<string, unknown>);
  /** The call ends the session: made with a fresh login. */
  freshSession?: boolean;
}

const STAFF: AccessRole[] = ['ADMIN', 'AGENT'];
const STAFF_AND_PRESCRIBERS: AccessRole[] = ['ADMIN', 'AGENT', 'PRESCRIBER'];
const EVERYONE_SIGNED_IN: AccessRole[] = ['ADMIN', 'AGENT', 'ASSOCIATION'];
const ANY_ACCOUNT: AccessRole[] = ['ADMIN', 'AGENT', 'PRESCRIBER', 'ASSOCIATION'];

export const ACCESS_MATRIX: Record<string, Access> = {
  'GET /health': { roles: ['PUBLIC'] },
  'POST /api/auth/login': { roles: ['PUBLIC'] },
  'POST /api/auth/logout': { roles: ANY_ACCOUNT, freshSession: true },
  'GET /api/auth/me': { roles: ANY_ACCOUNT },
  'POST /api/auth/password-reset': { roles: ['PUBLIC'] },
  'POST /api/auth/links/use': { roles: ['PUBLIC'] },
  // the second step of a sign-in: its challenge stands for the password (second-factor.e2e)
  'POST /api/auth/login/second-factor': { roles: ['PUBLIC'] },
  'POST /api/auth/login/second-factor/setup': { roles: ['PUBLIC'] },
  // one's own authenticator app: every account may add one, ADMIN must
  'GET /api/auth/second-factor': { roles: ANY_ACCOUNT },
  'POST /api/auth/second-factor/setup': { roles: ANY_ACCOUNT },
  'POST /api/auth/second-factor/confirm': { roles: ANY_ACCOUNT },
  'POST /api/auth/second-factor/recovery-codes': { roles: ANY_ACCOUNT },
  'POST /api/auth/second-factor/remove': { roles: ANY_ACCOUNT },

  'GET /api/audit': { roles: ['ADMIN'] },
  'GET /api/audit/verify': { roles: ['ADMIN'] },
  'POST /api/users': { roles: ['ADMIN'] },
  'POST /api/users/invitations': { roles: ['ADMIN'] },
  'POST /api/users/{id}/invitation': { roles: ['ADMIN'], target: 'user' },
  // the user has no app: 409 to the administrator, the refusal is what is checked
  'POST /api/users/{id}/second-factor/reset': { roles: ['ADMIN'], target: 'user' },
  // an outbox message's id: a user's id stands for an unknown one (404 to the administrator)
  // people the OpenID provider vouched for; an association sees only those of its SIRET (sso.e2e)
  'GET /api/access-requests': { roles: ['ADMIN', 'ASSOCIATION'], scoped: true },
  'POST /api/access-requests/{id}/grant': {
    roles: ['ADMIN'],
    target: 'accessRequest',
    body: { role: 'AGENT' },
  },
  'POST /api/access-requests/{id}/confirm': {
    roles: ['ASSOCIATION'],
    target: 'accessRequest',
    scoped: true,
  },
  'POST /api/access-requests/{id}/refuse': {
    roles: ['ADMIN', 'ASSOCIATION'],
    target: 'accessRequest',
    scoped: true,
  },
  'GET /api/messages': { roles: ['ADMIN'] },
  'GET /api/messages/summary': { roles: ['ADMIN'] },
  'GET /api/messages/{id}': { roles: ['ADMIN'], target: 'user' },
  'POST /api/messages/{id}/retry': { roles: ['ADMIN'], target: 'user' },
  'GET /api/users': { roles: ['ADMIN'] },
  'GET /api/users/{id}': { roles: ['ADMIN'], target: 'user' },
  'PATCH /api/users/{id}': { roles: ['ADMIN'], target: 'user' },
  'POST /api/users/{id}/change/confirm': { roles: ['ADMIN'], target: 'user' },
  'POST /api/users/{id}/change/cancel': { roles: ['ADMIN'], target: 'user' },

  'POST /api/programmes': { roles: ['ADMIN'] },
  'GET /api/programmes': { roles: STAFF },
  'GET /api/programmes/{id}': { roles: STAFF, target: 'programme' },
  'PATCH /api/programmes/{id}': { roles: ['ADMIN'], target: 'programme' },
  'POST /api/programmes/{id}/extension': { roles: ['ADMIN'], target: 'programme' },
  'GET /api/programmes/{id}/reconciliation': { roles: STAFF, target: 'programme' },
  'GET /api/programmes/{id}/closing': { roles: STAFF, target: 'programme' },
  'POST /api/programmes/{id}/close': { roles: ['ADMIN'], target: 'programme' },
  'GET /api/programmes/{id}/closing-report.csv': { roles: STAFF, target: 'programme' },
  'GET /api/programmes/{id}/closing-report.pdf': { roles: STAFF, target: 'programme' },

  'POST /api/associations': { roles: ['ADMIN'] },
  'GET /api/associations': { roles: STAFF },
  'GET /api/associations/{id}': { roles: EVERYONE_SIGNED_IN, scoped: true, target: 'association' },
  'PATCH /api/associations/{id}': { roles: ['ADMIN'], target: 'association' },
  'POST /api/associations/{id}/accreditations': { roles: ['ADMIN'], target: 'association' },
  'POST /api/associations/{id}/bank-details': { roles: ['ADMIN'], target: 'association' },
  'GET /api/associations/{id}/bank-details': { roles: ['ADMIN'], target: 'association' },
  'GET /api/associations/{id}/bank-details/{changeId}/document': {
    roles: ['ADMIN'],
    target: 'association',
  },
  'POST /api/associations/{id}/bank-details/confirm': { roles: ['ADMIN'], target: 'association' },
  'POST /api/associations/{id}/bank-details/cancel': { roles: ['ADMIN'], target: 'association' },
  'POST /api/associations/{id}/suspend': { roles: ['ADMIN'], target: 'association' },
  'POST /api/associations/{id}/reinstate': { roles: ['ADMIN'], target: 'association' },
  'POST /api/associations/{id}/revoke': { roles: ['ADMIN'], target: 'association' },
  'GET /api/public/associations': { roles: ['PUBLIC'] },
  'GET /api/public/open-data/lieux.json': { roles: ['PUBLIC'] },
  'GET /api/public/open-data/lieux.csv': { roles: ['PUBLIC'] },
  'GET /api/public/open-data/usage.csv': { roles: ['PUBLIC'] },

  'GET /api/beneficiaries/{reference}/export': { roles: ['ADMIN'], target: 'beneficiary' },
  'POST /api/beneficiaries/{reference}/erase': { roles: ['ADMIN'], target: 'beneficiary' },

  'POST /api/distribution-sites': { roles: ['ADMIN'] },
  'GET /api/distribution-sites': { roles: STAFF_AND_PRESCRIBERS, siteScoped: true },
  'GET /api/distribution-sites/{id}': {
    roles: STAFF_AND_PRESCRIBERS,
    siteScoped: true,
    target: 'site',
  },
  'PATCH /api/distribution-sites/{id}': { roles: ['ADMIN'], target: 'site' },

  'GET /api/stock': { roles: STAFF_AND_PRESCRIBERS, siteScoped: true },
  'POST /api/stock/transfers': {
    roles: STAFF_AND_PRESCRIBERS,
    siteScoped: true,
    body: (t) => ({
      fromSiteId: t.site,
      toSiteId: t.otherSite,
      ranges: [{ first: t.transferBooklet }],
    }),
  },
  'GET /api/stock/transfers': { roles: STAFF_AND_PRESCRIBERS, siteScoped: true },
  'POST /api/stock/transfers/{id}/receive': {
    roles: STAFF_AND_PRESCRIBERS,
    siteScoped: true,
    target: 'transfer',
  },
  'POST /api/stock/losses': {
    roles: STAFF_AND_PRESCRIBERS,
    siteScoped: true,
    body: (t) => ({
      siteId: t.site,
      range: { first: t.lossBooklet },
      reason: 'STOLEN',
      comment: 'Vol au lieu de remise',
    }),
  },

  'POST /api/booklets': { roles: STAFF },
  'GET /api/booklets': { roles: STAFF_AND_PRESCRIBERS, siteScoped: true },
  'GET /api/booklets/by-cover': { roles: STAFF_AND_PRESCRIBERS },
  'GET /api/booklets/{id}': {
    roles: STAFF_AND_PRESCRIBERS,
    siteScoped: true,
    target: 'stockBooklet',
  },
  'GET /api/booklets/{id}/letter.pdf': {
    roles: STAFF_AND_PRESCRIBERS,
    siteScoped: true,
    target: 'stockBooklet',
  },
  'POST /api/booklets/{id}/handover': {
    roles: STAFF_AND_PRESCRIBERS,
    siteScoped: true,
    target: 'stockBooklet',
    body: { beneficiary: { postalCode: '31600' } },
  },
  'GET /api/booklets/{id}/pdf': { roles: STAFF, target: 'booklet' },
  'POST /api/booklets/{id}/cancel': { roles: STAFF, target: 'booklet' },
  'POST /api/booklets/batches': { roles: STAFF },
  'GET /api/booklets/batches': { roles: STAFF },
  'GET /api/booklets/batches/{id}/pdf': { roles: STAFF, target: 'batch' },
  'GET /api/booklets/batches/{id}/manifest.csv': { roles: STAFF, target: 'batch' },

  'GET /api/cheques/{code}/check': { roles: ['ASSOCIATION'], target: 'code' },
  'GET /api/public/cheques/{code}': { roles: ['PUBLIC'], target: 'code' },
  'POST /api/redemptions': { roles: ['ASSOCIATION'] },
  'GET /api/redemptions': { roles: ['ASSOCIATION', 'ADMIN'], scoped: true },
  'GET /api/redemptions/export.csv': { roles: ['ASSOCIATION', 'ADMIN'], scoped: true },
  'POST /api/redemptions/{id}/cancel': {
    roles: ['ASSOCIATION', 'ADMIN'],
    scoped: true,
    target: 'redemption',
    body: { reason: 'Erreur de saisie' },
  },
  'POST /api/redemptions/{id}/reverse': { roles: ['ADMIN'], target: 'redemption' },

  'POST /api/claims': { roles: ['ASSOCIATION'] },
  'GET /api/claims': { roles: EVERYONE_SIGNED_IN, scoped: true },
  'GET /api/claims/{id}': { roles: EVERYONE_SIGNED_IN, scoped: true, target: 'claim' },
  'POST /api/claims/{id}/submit': {
    roles: ['ASSOCIATION', 'ADMIN'],
    scoped: true,
    target: 'claim',
  },
  'POST /api/claims/{id}/issue': { roles: STAFF, target: 'claim' },
  'POST /api/claims/{id}/reject': { roles: STAFF, target: 'claim' },

  'GET /api/stats/{indicator}': { roles: STAFF, target: 'indicator' },
  'GET /api/stats/{indicator}/export.csv': { roles: STAFF, target: 'indicator' },

  'POST /api/statements/run': { roles: ['ADMIN'] },
  'GET /api/statements': { roles: EVERYONE_SIGNED_IN, scoped: true },
  'GET /api/statements/payments': { roles: EVERYONE_SIGNED_IN, scoped: true },
  'GET /api/statements/{id}': { roles: EVERYONE_SIGNED_IN, scoped: true, target: 'statement' },
  'GET /api/statements/{id}/csv': { roles: EVERYONE_SIGNED_IN, scoped: true, target: 'statement' },
  'GET /api/statements/{id}/pdf': { roles: EVERYONE_SIGNED_IN, scoped: true, target: 'statement' },
  'POST /api/statements/{id}/approve': { roles: ['ADMIN'], target: 'statement' },
  'POST /api/statements/{id}/paid': { roles: ['ADMIN'], target: 'statement' },

  'POST /api/payment-batches': { roles: ['ADMIN'] },
  'GET /api/payment-batches': { roles: ['ADMIN'] },
  'GET /api/payment-batches/{id}': { roles: ['ADMIN'], target: 'paymentBatch' },
  'POST /api/payment-batches/{id}/approve': { roles: ['ADMIN'], target: 'paymentBatch' },
  'POST /api/payment-batches/{id}/cancel': { roles: ['ADMIN'], target: 'paymentBatch' },
  'POST /api/payment-batches/{id}/sent': { roles: ['ADMIN'], target: 'paymentBatch' },
  'POST /api/payment-batches/{id}/results': { roles: ['ADMIN'], target: 'paymentBatch' },
  'GET /api/payment-batches/{id}/mandates.csv': { roles: ['ADMIN'], target: 'paymentBatch' },
  'GET /api/payment-batches/{id}/documents.zip': { roles: ['ADMIN'], target: 'paymentBatch' },
  'GET /api/payment-batches/{id}/transfers.csv': { roles: ['ADMIN'], target: 'paymentBatch' },
  'GET /api/payment-batches/{id}/transfers.xml': { roles: ['ADMIN'], target: 'paymentBatch' },
};
