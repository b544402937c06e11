import * as client from 'openid-client';

/** The identity provider's side of signing in: authorization code with PKCE (S256). */
export interface Login {
  /** Where to send the browser, with the verifier and state the callback needs. */
  start(): Promise<{ url: string; codeVerifier: string; state: string }>;
  /** Exchanges the callback's code for tokens; what the console keeps of them. */
  finish(
    callbackUrl: URL,
    pending: { codeVerifier: string; state: string },
  ): Promise<{ subject: string; name: string; scopes: Set<string>; idToken: string | undefined }>;
  /** Where to send the browser to sign out at the identity provider too. */
  logoutUrl(idToken: string | undefined): Promise<string>;
}

export interface OidcOptions {
  readonly issuer: string;
  readonly discoveryUrl: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The console's own base URL: its callback is `<publicUrl>/auth/callback`. */
  readonly publicUrl: string;
}

/** The scopes the console asks for; the identity provider grants only those the user's roles allow. */
export const REQUESTED_SCOPES = [
  'openid',
  'switchboard.console:read',
  'switchboard.dead-letters:replay',
  'switchboard.personal-data:read',
];

export class OidcLogin implements Login {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(private readonly options: OidcOptions) {}

  private config(): Promise<client.Configuration> {
    this.configuration ??= client
      .discovery(
        new URL(this.options.discoveryUrl ?? this.options.issuer),
        this.options.clientId,
        this.options.clientSecret,
        undefined,
        // The local stack's identity provider speaks plain HTTP on loopback.
        new URL(this.options.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {},
      )
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw error;
      });
    return this.configuration;
  }

  private get redirectUri(): string {
    return `${this.options.publicUrl}/auth/callback`;
  }

  async start(): Promise<{ url: string; codeVerifier: string; state: string }> {
    const config = await this.config();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: REQUESTED_SCOPES.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    return { url: url.href, codeVerifier, state };
  }

  async finish(
    callbackUrl: URL,
    pending: { codeVerifier: string; state: string },
  ): Promise<{ subject: string; name: string; scopes: Set<string>; idToken: string | undefined }> {
    const config = await this.config();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the identity provider answered without an ID token');
    const name = typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub;
    return {
      subject: claims.sub,
      name,
      scopes: new Set((tokens.scope ?? '').split(' ').filter((s) => s !== '')),
      idToken: tokens.id_token,
    };
  }

  async logoutUrl(idToken: string | undefined): Promise<string> {
    const config = await this.config();
    if (!config.serverMetadata().end_session_endpoint) return '/';
    return client.buildEndSessionUrl(config, {
      post_logout_redirect_uri: `${this.options.publicUrl}/`,
      ...(idToken ? { id_token_hint: idToken } : {}),
    }).href;
  }
}
