/** The audit journal in the pages' words: what each recorded action and object is called. */
export const AUDIT_ACTIONS: Record<string, string> = {
  'accreditation.granted': 'Habilitation accordée',
  'accreditation.suspended': 'Habilitation suspendue',
  'accreditation.reinstated': 'Habilitation rétablie',
  'accreditation.revoked': 'Habilitation retirée',
  'association.created': 'Structure créée',
  'association.updated': 'Structure modifiée',
  'association.bank_details_requested': 'Nouvelles coordonnées bancaires demandées',
  'association.bank_details_confirmed': 'Nouvelles coordonnées bancaires confirmées',
  'association.bank_details_cancelled': 'Demande de coordonnées bancaires retirée',
  'auth.login': 'Connexion',
  'auth.login_failed': 'Connexion refusée',
  'auth.logout': 'Déconnexion',
  'auth.login_blocked': 'Connexions bloquées (trop d’échecs)',
  'auth.second_factor_failed': 'Code de double authentification refusé',
  'beneficiary.erased': 'Données d’un bénéficiaire effacées',
  'beneficiary.exported': 'Données d’un bénéficiaire exportées',
  'beneficiary.retention_erased': 'Données effacées en fin de conservation',
  'booklet.issued': 'Carnet émis',
  'booklet.handed_over': 'Carnet remis',
  'booklet.cancelled': 'Carnet annulé',
  'cheque.lookup_rate_limited': 'Vérifications de chèques bloquées (trop d’essais)',
  'claim.created': 'Demande de remboursement préparée',
  'claim.submitted': 'Demande de remboursement transmise',
  'claim.rejected': 'Demande de remboursement rejetée',
  'distribution_site.created': 'Lieu de remise créé',
  'distribution_site.updated': 'Lieu de remise modifié',
  'payment_batch.prepared': 'Bordereau préparé',
  'payment_batch.approved': 'Bordereau approuvé',
  'payment_batch.downloaded': 'Fichiers du bordereau téléchargés',
  'payment_batch.sent': 'Bordereau envoyé aux finances',
  'payment_batch.results_imported': 'Paiements du bordereau importés',
  'payment_batch.cancelled': 'Bordereau annulé',
  'print_batch.created': 'Lot d’impression créé',
  'programme.created': 'Dispositif créé',
  'programme.updated': 'Dispositif modifié',
  'programme.extended': 'Dispositif prolongé',
  'programme.closed': 'Dispositif clôturé',
  'redemption.created': 'Chèque encaissé',
  'redemption.refused': 'Encaissement refusé',
  'redemption.cancelled': 'Encaissement annulé',
  'redemption.reversed': 'Encaissement régularisé',
  'statement.issued': 'État de remboursement émis',
  'statement.approved': 'État de remboursement approuvé',
  'statement.paid': 'État de remboursement payé',
  'statements.cut_off': 'Arrêté des demandes',
  'stock.transfer_sent': 'Transfert de stock envoyé',
  'stock.transfer_received': 'Transfert de stock reçu',
  'stock.loss_reported': 'Perte de stock déclarée',
  'user.created': 'Compte créé',
  'user.updated': 'Compte modifié',
  'user.password_reset': 'Mot de passe changé',
  'user.change_requested': 'Changement de compte demandé',
  'user.change_confirmed': 'Changement de compte confirmé',
  'user.change_cancelled': 'Changement de compte retiré',
  'user.invitation_sent': 'Invitation renvoyée',
  'user.invitation_accepted': 'Invitation acceptée, mot de passe choisi',
  'user.password_reset_requested': 'Lien de mot de passe demandé',
  'user.password_reset_by_link': 'Mot de passe changé par lien',
  'user.identity_linked': 'Compte relié à son identité de connexion unique (ProConnect…)',
  'user.second_factor_enrolled': 'Double authentification activée',
  'user.second_factor_removed': 'Double authentification retirée par son titulaire',
  'user.second_factor_reset': 'Double authentification réinitialisée par un administrateur',
  'user.second_factor_reset_requested':
    'Réinitialisation de la double authentification demandée (attend un second administrateur)',
  'user.recovery_code_used': 'Connexion avec un code de secours',
  'user.recovery_codes_renewed': 'Nouveaux codes de secours générés',
  'access_request.created': 'Demande d’accès reçue',
  'access_request.granted': 'Demande d’accès acceptée, compte créé',
  'access_request.refused': 'Demande d’accès refusée',
  'message.retried': 'Message renvoyé',
};

export const AUDIT_ENTITIES: Record<string, string> = {
  access_request: 'Demande d’accès',
  accreditation: 'Habilitation',
  association: 'Structure',
  beneficiary: 'Bénéficiaire',
  booklet: 'Carnet',
  cheque: 'Chèque',
  claim: 'Demande de remboursement',
  distribution_site: 'Lieu de remise',
  message: 'Message',
  payment_batch: 'Bordereau',
  print_batch: 'Lot d’impression',
  programme: 'Dispositif',
  redemption: 'Encaissement',
  statement: 'État de remboursement',
  stock_transfer: 'Transfert de stock',
  user: 'Compte',
};

/** A recorded value as a person reads it. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'oui' : 'non';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/**
 * What an event changed, field by field: the fields whose value differs between before and after
 * (all of them for a creation or a deletion), each with both values as text. Secrets recorded as
 * hashes stay hashes: the journal never holds a password.
 */
export function auditChanges(
  before: object | null,
  after: object | null,
): { field: string; before: string; after: string }[] {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => ({
      field: k,
      before: before ? shown(b[k]) : '',
      after: after ? shown(a[k]) : '',
    }));
}
