// A real OpenID provider for the tests: `oidc-provider` (the certified Node implementation), run
// as its own Node process (it is an ES module) on loopback. It signs in whoever the test names
// (POST /_test/account), and can be told to answer wrongly (POST /_test/mode): an ID token for
// another audience, an expired one, one signed with a key that is not in its JWKS, or one at a
// lower level of assurance (acr) — each
// re-signed properly otherwise, so that only that one check can refuse it. An account may name
// the acr and amr its sign-in reached (a second factor checked there).
//   node oidc-provider.mjs <clientId> <clientSecret> <redirectUri>
// prints "listening <issuer>" once ready.
import { createServer } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';

const [clientId, clientSecret, redirectUri] = process.argv.slice(2);

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const { privateKey: strangerKey } = await generateKeyPair('RS256');

let account = { sub: 'nobody', email: 'nobody@example.test' };
let mode = 'normal';

const CLAIMS = ['email', 'email_verified', 'given_name', 'usual_name', 'siret', 'uid'];

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      // as ProConnect does: userinfo answered as a signed JWT
      userinfo_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signing] },
  pkce: { required: () => true },
  acrValues: ['eidas0', 'eidas1', 'eidas2'],
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    // as ProConnect: `claims={"id_token":{"amr":null}}` asks for the methods used
    claimsParameter: { enabled: true },
  },
  scopes: ['openid', 'email', 'given_name', 'usual_name', 'siret', 'uid'],
  claims: {
    // the methods used, returned when the claims parameter asks for them
    amr: null,
    email: ['email', 'email_verified'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    siret: ['siret'],
    uid: ['uid'],
  },
  findAccount: (_ctx, sub) => ({
    accountId: sub,
    claims: () => ({ ...account, sub }),
  }),
  // a first-party client: consent is given by the département, not asked
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email given_name usual_name siret uid');
    grant.addOIDCClaims(CLAIMS);
    await grant.save();
    return grant;
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  cookies: { keys: ['test-cookie-key-1234567890'] },
});

const readJson = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch (err) {
        reject(err);
      }
    });
  });

/** The ID token of a token answer, changed as the mode says and signed again. */
async function tamper(idToken) {
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'wrong-audience') claims.aud = 'un-autre-service';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  const key = mode === 'bad-signature' ? strangerKey : privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key);
}

const callback = provider.callback();
server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (req.method === 'POST' && url.pathname === '/_test/account') {
      account = await readJson(req);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/_test/mode') {
      ({ mode } = await readJson(req));
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/interaction/')) {
      // the person signs in at once as the account the test named
      const details = await provider.interactionDetails(req, res);
      const result =
        details.prompt.name === 'login'
          ? // as ProConnect: the level of assurance reached (a lower one when told to), and the
            // methods used (`amr`, RFC 8176) when the account names them
            {
              login: {
                accountId: account.sub,
                acr: mode === 'weak-acr' ? 'eidas0' : (account.acr ?? 'eidas1'),
                ...(account.amr ? { amr: account.amr } : {}),
              },
            }
          : { consent: {} };
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/token' && mode !== 'normal') {
      // the provider's own answer, with its ID token made wrong in one way
      const end = res.end.bind(res);
      const chunks = [];
      res.write = (c) => (chunks.push(Buffer.from(c)), true);
      res.end = (c) => {
        if (c) chunks.push(Buffer.from(c));
        const text = Buffer.concat(chunks).toString('utf8');
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          return end(text);
        }
        if (!body.id_token) return end(text);
        tamper(body.id_token).then((idToken) => {
          const changed = JSON.stringify({ ...body, id_token: idToken });
          res.setHeader('Content-Length', Buffer.byteLength(changed));
          end(changed);
        });
        return res;
      };
    }
    callback(req, res);
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});

process.stdout.write(`listening ${issuer}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
