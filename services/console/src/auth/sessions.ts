import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Who signed in, and what their token allows. */
export interface Session {
  readonly id: string;
  /** The identity provider's subject and the name it gave. */
  readonly subject: string;
  readonly name: string;
  /** The scopes of the access token issued to this sign-in (the user's roles decide them). */
  readonly scopes: ReadonlySet<string>;
  /** A per-session token every form posts back (besides SameSite cookies). */
  readonly csrf: string;
  /** For signing out at the identity provider too. */
  readonly idToken: string | undefined;
  lastUsed: number;
}

/** A sign-in under way: what the callback must find again (PKCE verifier, state, where to go). */
export interface PendingLogin {
  readonly codeVerifier: string;
  readonly state: string;
  readonly next: string;
  readonly startedAt: number;
}

const token = (): string => randomBytes(32).toString('base64url');

/** Five minutes to finish a sign-in at the identity provider. */
const LOGIN_TTL_MS = 5 * 60_000;

/**
 * The console's sessions, in memory: a restart signs everyone out, and nothing of a session (no
 * token) ever leaves the process — the browser holds only a random id in an HttpOnly cookie.
 */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly logins = new Map<string, PendingLogin>();

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(fields: Omit<Session, 'id' | 'csrf' | 'lastUsed'>): Session {
    this.sweep();
    const session: Session = { ...fields, id: token(), csrf: token(), lastUsed: this.now() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of this id, its idle clock reset; undefined once it idled out. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.now() - session.lastUsed > this.idleMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastUsed = this.now();
    return session;
  }

  end(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    return session;
  }

  /** Starts a sign-in; its id goes into a short-lived cookie. */
  startLogin(login: Omit<PendingLogin, 'startedAt'>): string {
    this.sweep();
    const id = token();
    this.logins.set(id, { ...login, startedAt: this.now() });
    return id;
  }

  /** The sign-in of this id, once (a replayed callback finds nothing). */
  takeLogin(id: string | undefined): PendingLogin | undefined {
    if (id === undefined) return undefined;
    const login = this.logins.get(id);
    this.logins.delete(id);
    return login && this.now() - login.startedAt <= LOGIN_TTL_MS ? login : undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (now - s.lastUsed > this.idleMs) this.sessions.delete(id);
    for (const [id, l] of this.logins) if (now - l.startedAt > LOGIN_TTL_MS) this.logins.delete(id);
  }
}

/** True when a form's CSRF token is the session's. */
export function csrfMatches(session: Session, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A local path to return to after signing in; anything else (another site) becomes `/`. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/';
}
