import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it("hides a link's secret and the provider's answer, and nothing else", () => {
    expect(redactSecrets('/compte/lien/AbC_123-xyz?x=1')).toBe('/compte/lien/[secret]?x=1');
    expect(redactSecrets('/connexion/sso/retour?code=abc&state=def&iss=http%3A%2F%2Fidp')).toBe(
      '/connexion/sso/retour?[answer]',
    );
    expect(redactSecrets('/connexion/sso?suite=/agent')).toBe('/connexion/sso?suite=/agent');
    expect(redactSecrets('/api/booklets?page=2')).toBe('/api/booklets?page=2');
  });
});
