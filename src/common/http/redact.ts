/**
 * A URL for the logs, its secrets hidden: the secret of an e-mailed link (/compte/lien/<secret>),
 * and the query of the OpenID provider's answer (its one-time code and state).
 */
export function redactSecrets(url: string): string {
  return url
    .replace(/(\/compte\/lien\/)[^/?#]+/gi, '$1[secret]')
    .replace(/(\/connexion\/sso\/retour)\?[^#]*/gi, '$1?[answer]');
}
