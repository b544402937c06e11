import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationProblem, IdentityProviderUnavailable } from './security-errors.ts';
import { TokenVerifier } from './token-verifier.ts';

/** A minimal OpenID provider on loopback: a discovery document and a JWKS whose keys can rotate. */
class Issuer {
  private server: Server | undefined;
  url = '';
  keys: { kid: string; privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']; jwk: JWK }[] =
    [];
  jwksFetches = 0;
  private rotations = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.url === '/.well-known/openid-configuration') {
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ issuer: this.url, jwks_uri: `${this.url}/certs` }));
      } else if (request.url === '/certs') {
        this.jwksFetches++;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys: this.keys.map((k) => k.jwk) }));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async rotate(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = `key-${++this.rotations}`;
    this.keys.unshift({
      kid,
      privateKey,
      jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    });
  }

  token(claims: Record<string, unknown> = {}, options: { exp?: string; iss?: string; aud?: string } = {}) {
    const key = this.keys[0];
    if (!key) throw new Error('no key');
    return new SignJWT({ client_id: 'web-shop', scope: 'orders:write orders:read', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(options.iss ?? this.url)
      .setAudience(options.aud ?? 'orders')
      .setSubject('service-account-web-shop')
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(key.privateKey);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

describe('TokenVerifier', () => {
  const issuer = new Issuer();
  let verifier: TokenVerifier;

  beforeAll(async () => {
    await issuer.start();
    await issuer.rotate();
    verifier = new TokenVerifier({
      issuer: issuer.url,
      audience: 'orders',
      jwksCooldownMs: 0,
      clockToleranceSeconds: 0,
    });
  });

  afterAll(() => issuer.stop());

  const refusal = async (token: Promise<string> | string): Promise<string> => {
    const error = await verifier.verify(await token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationProblem);
    return (error as Error).message;
  };

  it('gives the caller of a valid token: its client id and scopes', async () => {
    const caller = await verifier.verify(await issuer.token());
    expect(caller.clientId).toBe('web-shop');
    expect([...caller.scopes].sort()).toEqual(['orders:read', 'orders:write']);
  });

  it('names what is wrong: expired, another audience, another issuer, not a JWT', async () => {
    expect(await refusal(issuer.token({}, { exp: '-1s' }))).toBe('the token has expired');
    expect(await refusal(issuer.token({}, { aud: 'billing' }))).toBe('the token is not meant for orders');
    expect(await refusal(issuer.token({}, { iss: 'http://elsewhere' }))).toBe(
      `the token was not issued by ${issuer.url}`,
    );
    expect(await refusal('not.a.jwt')).toBe('the token is not a valid JWT');
    expect(await refusal(issuer.token({ client_id: undefined }))).toBe(
      'the token names no client (client_id or azp)',
    );
  });

  it('remembers a verified token only until it expires, and each token for its own claims', async () => {
    const reader = await issuer.token({ scope: 'orders:read' });
    const writer = await issuer.token({ scope: 'orders:write' }, { exp: '2s' });
    for (let i = 0; i < 3; i++) {
      expect([...(await verifier.verify(reader)).scopes]).toEqual(['orders:read']);
      expect([...(await verifier.verify(writer)).scopes]).toEqual(['orders:write']);
    }
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await refusal(writer)).toBe('the token has expired');
    expect([...(await verifier.verify(reader)).scopes]).toEqual(['orders:read']);
  });

  it('accepts tokens of a rotated key without a restart, and refuses those of a revoked one', async () => {
    const old = await issuer.token();
    await verifier.verify(old);
    await issuer.rotate();
    const fetches = issuer.jwksFetches;
    expect((await verifier.verify(await issuer.token())).clientId).toBe('web-shop');
    expect(issuer.jwksFetches).toBe(fetches + 1);
    // Revoked: the provider no longer publishes the old key; once fetched again, its tokens are refused.
    issuer.keys = issuer.keys.slice(0, 1);
    await issuer.rotate();
    await verifier.verify(await issuer.token());
    expect(await refusal(old)).toBe(`the token is not signed by a key of ${issuer.url}`);
  });

  it('tells an unreachable provider from a bad token', async () => {
    const nowhere = new TokenVerifier({ issuer: 'http://127.0.0.1:1', audience: 'orders' });
    await expect(nowhere.verify(await issuer.token())).rejects.toBeInstanceOf(IdentityProviderUnavailable);
  });
});
