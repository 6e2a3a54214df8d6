/** A path with the secret of an e-mailed link (/compte/lien/<secret>) hidden: for logs. */
export function redactSecrets(url: string): string {
  return url.replace(/(\/compte\/lien\/)[^/?#]+/gi, '$1[secret]');
}
