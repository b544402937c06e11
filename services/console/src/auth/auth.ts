import {
  Controller,
  Get,
  Inject,
  Injectable,
  type NestMiddleware,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { parse, serialize, type SerializeOptions } from 'cookie';
import type { NextFunction, Response } from 'express';
import type { Logger } from 'pino';
import { COOKIE, type ConsoleRequest, LOGIN_COOKIE, SCOPE, sendPage } from '../context.ts';
import { html } from '../html.ts';
import type { Login } from './oidc.ts';
import { csrfMatches, safeNext, Sessions } from './sessions.ts';

export const LOGIN = Symbol('LOGIN');
export const SESSIONS = Symbol('SESSIONS');
export const PUBLIC_URL = Symbol('PUBLIC_URL');
export const LOGGER = Symbol('LOGGER');

/** Paths anyone may reach: signing in, the process's health and metrics, the published event API. */
const OPEN = [
  /^\/login$/,
  /^\/auth\/callback$/,
  /^\/health\/(live|ready)$/,
  /^\/metrics$/,
  /^\/asyncapi(\.yaml|\.json)?$/,
  /^\/assets\//,
];

function cookieOptions(publicUrl: string, maxAgeSeconds?: number): SerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    secure: publicUrl.startsWith('https:'),
    path: '/',
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  };
}

/**
 * Finds the request's session; without one, a page request goes to the sign-in and anything else
 * answers 401. A signed-in user without the console's scope (no operator or observer role) gets
 * 403. Every page answers with security headers.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  constructor(@Inject(SESSIONS) private readonly sessions: Sessions) {}

  use(request: ConsoleRequest, response: Response, next: NextFunction): void {
    response.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    );
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'same-origin');
    const cookies = parse(request.headers.cookie ?? '');
    const session = this.sessions.get(cookies[COOKIE]);
    if (session) request.session = session;
    // The path as the client sent it (a middleware's own `path` is relative to where it is mounted).
    const path = request.originalUrl.split('?')[0] ?? '/';
    if (OPEN.some((pattern) => pattern.test(path))) return next();
    if (!session) {
      if (request.method === 'GET' && (request.headers.accept ?? '').includes('text/html')) {
        response.redirect(303, `/login?next=${encodeURIComponent(request.originalUrl)}`);
      } else {
        response.status(401).type('text/plain').send('sign in first: GET /login');
      }
      return;
    }
    if (!session.scopes.has(SCOPE.read)) {
      sendPage(
        request,
        response,
        'Not allowed',
        path,
        html`<h1>Not allowed</h1>
          <p>Your account has no role that may use the console (operator or observer).</p>`,
        403,
      );
      return;
    }
    // Every form posts its session's token back: a page of another site cannot post for you.
    if (
      request.method === 'POST' &&
      !csrfMatches(session, (request.body as Record<string, unknown> | undefined)?.csrf)
    ) {
      response
        .status(403)
        .type('text/plain')
        .send('the form is stale or not from this console: reload the page');
      return;
    }
    next();
  }
}

@Controller()
export class AuthController {
  constructor(
    @Inject(LOGIN) private readonly login: Login,
    @Inject(SESSIONS) private readonly sessions: Sessions,
    @Inject(PUBLIC_URL) private readonly publicUrl: string,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @Get('login')
  async start(@Query('next') next: unknown, @Res() response: Response): Promise<void> {
    const { url, codeVerifier, state } = await this.login.start();
    const id = this.sessions.startLogin({ codeVerifier, state, next: safeNext(next) });
    response.setHeader('Set-Cookie', serialize(LOGIN_COOKIE, id, cookieOptions(this.publicUrl, 300)));
    response.redirect(303, url);
  }

  @Get('auth/callback')
  async callback(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    const pending = this.sessions.takeLogin(parse(request.headers.cookie ?? '')[LOGIN_COOKIE]);
    if (!pending) {
      response.redirect(303, '/login');
      return;
    }
    let signedIn;
    try {
      signedIn = await this.login.finish(new URL(request.originalUrl, this.publicUrl), pending);
    } catch (error) {
      this.logger.warn({ event: 'console.login.failed', err: error }, 'console.login.failed');
      sendPage(
        request,
        response,
        'Sign-in failed',
        '/login',
        html`<h1>Sign-in failed</h1>
          <p><a href="/login">Try again</a></p>`,
        401,
      );
      return;
    }
    const session = this.sessions.create(signedIn);
    this.logger.info(
      { event: 'console.login', subject: session.subject, scopes: [...session.scopes].sort() },
      'console.login',
    );
    response.setHeader('Set-Cookie', [
      serialize(COOKIE, session.id, cookieOptions(this.publicUrl)),
      serialize(LOGIN_COOKIE, '', cookieOptions(this.publicUrl, 0)),
    ]);
    response.redirect(303, pending.next);
  }

  @Post('logout')
  async logout(@Req() request: ConsoleRequest, @Res() response: Response): Promise<void> {
    const session = this.sessions.end(request.session?.id);
    response.setHeader('Set-Cookie', serialize(COOKIE, '', cookieOptions(this.publicUrl, 0)));
    response.redirect(303, await this.login.logoutUrl(session?.idToken));
  }
}
