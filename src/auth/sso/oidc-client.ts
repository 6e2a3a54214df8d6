import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig } from '../../config/app-config';

/** What a sign-in at the provider must be checked against when its answer comes back. */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The person as the provider vouched for them: ID token (validated) and userinfo. */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
  /** How the provider says it authenticated the person, from the ID token only (RFC 8176). */
  amr: string[];
  acr: string | null;
}

/** Why an answer from the provider was refused (for the logs and the audit; never shown as such). */
export class ProviderAnswerRefused extends Error {}

/** The path of the callback; the redirect URI registered at the provider is PUBLIC_BASE_URL + this. */
export const SSO_CALLBACK_PATH = '/connexion/sso/retour';

/**
 * The relying party, with `openid-client` (the certified library): discovery of the issuer,
 * authorization code flow with PKCE (S256), state and nonce, and the ID token validated (issuer,
 * audience, expiry, nonce and its signature against the provider's JWKS, non-repudiation checks
 * on), userinfo read for the subject of the ID token.
 */
@Injectable()
export class OidcClient {
  private readonly logger = new Logger(OidcClient.name);
  private discovered: Promise<oidc.Configuration> | undefined;

  constructor(private readonly config: AppConfig) {}

  get configured(): boolean {
    return !!this.config.get('OIDC_ISSUER');
  }

  get providerName(): string {
    return this.config.get('OIDC_PROVIDER_NAME');
  }

  get redirectUri(): string {
    return this.config.get('PUBLIC_BASE_URL') + SSO_CALLBACK_PATH;
  }

  /** The provider's configuration, read once (read again after a failure). */
  private configuration(): Promise<oidc.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<oidc.Configuration> {
    const issuer = new URL(this.config.get('OIDC_ISSUER') as string);
    const secret = this.config.get('OIDC_CLIENT_SECRET') as string;
    const signedUserinfo = this.config.get('OIDC_USERINFO_SIGNED_ALG');
    // plain http only for a provider on this machine (tests, a local Keycloak)
    const local =
      issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
    const configuration = await oidc.discovery(
      issuer,
      this.config.get('OIDC_CLIENT_ID') as string,
      {
        id_token_signed_response_alg: 'RS256',
        ...(signedUserinfo ? { userinfo_signed_response_alg: signedUserinfo } : {}),
      },
      oidc.ClientSecretBasic(secret),
      { execute: local ? [oidc.allowInsecureRequests] : [], timeout: 10 },
    );
    oidc.enableNonRepudiationChecks(configuration);
    configuration.timeout = 10;
    this.logger.log({ issuer: issuer.href }, 'OpenID provider discovered');
    return configuration;
  }

  /** A new sign-in: the provider's URL to send the browser to, and what its answer must match. */
  async begin(): Promise<{ url: string; checks: AuthorizationChecks }> {
    const configuration = await this.configuration();
    const checks: AuthorizationChecks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const acr = this.config.get('OIDC_ACR_VALUES');
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: this.config.get('OIDC_SCOPES'),
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      state: checks.state,
      nonce: checks.nonce,
      ...(acr ? { acr_values: acr } : {}),
      // ProConnect puts `amr` in the ID token only when asked: it tells whether a second factor
      // was checked there (OIDC_MFA_TRUST)
      ...(this.config.get('OIDC_MFA_TRUST') === 'on'
        ? { claims: JSON.stringify({ id_token: { amr: null } }) }
        : {}),
    });
    return { url: url.href, checks };
  }

  /**
   * The provider's answer (`query`: the callback's query string): the code exchanged, the ID token
   * validated, userinfo read. Anything wrong (state, error from the provider, replayed code,
   * expired or foreign token, bad signature) is a ProviderAnswerRefused.
   */
  async finish(query: string, checks: AuthorizationChecks): Promise<ProviderIdentity> {
    const configuration = await this.configuration();
    try {
      const tokens = await oidc.authorizationCodeGrant(
        configuration,
        new URL(`${this.redirectUri}?${query}`),
        {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        },
      );
      const idToken = tokens.claims();
      if (!idToken) throw new ProviderAnswerRefused('no ID token');
      // the level asked for travels through the browser, which could drop it: checked here
      const acr = this.config.get('OIDC_ACR_VALUES')?.split(' ');
      const reached = typeof idToken.acr === 'string' ? idToken.acr : 'none';
      if (acr && !acr.includes(reached))
        throw new ProviderAnswerRefused(`acr ${reached} is not one of ${acr.join(' ')}`);
      const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
      return {
        issuer: idToken.iss,
        subject: idToken.sub,
        claims: {
          ...(idToken as Record<string, unknown>),
          ...(userinfo as Record<string, unknown>),
        },
        amr: Array.isArray(idToken.amr)
          ? idToken.amr.filter((m): m is string => typeof m === 'string')
          : [],
        acr: typeof idToken.acr === 'string' ? idToken.acr : null,
      };
    } catch (err) {
      if (err instanceof ProviderAnswerRefused) throw err;
      const e = err as { code?: string; error?: string; message?: string; cause?: unknown };
      const cause = e.cause as { code?: string; message?: string } | undefined;
      const why = [e.code, e.error, e.message, cause?.code, cause?.message];
      throw new ProviderAnswerRefused(why.filter((w) => typeof w === 'string').join(' '));
    }
  }
}
