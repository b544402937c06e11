import { setTimeout as sleep } from 'node:timers/promises';
import { basicAuthorization, type RegistryCredentials } from '@switchboard/config';
import avro from 'avsc';
import { MessagingError } from './errors.ts';

/** A registry refused a schema because it breaks the subject's compatibility rule. */
export class SchemaIncompatibleError extends MessagingError {
  override readonly name = 'SchemaIncompatibleError';
}

/** A topic's schema is not in the registry: the contracts tool registers them, services only look them up. */
export class SchemaNotRegisteredError extends MessagingError {
  override readonly name = 'SchemaNotRegisteredError';
}

/**
 * The registry refused the client's credentials (401) or what it asked (403): a setting to fix,
 * never the fault of an event being read, so a consumer pauses on it rather than park the event.
 */
export class RegistryAccessError extends MessagingError {
  override readonly name = 'RegistryAccessError';
  readonly transient = true;
  readonly dependency = 'schema-registry';
}

/** The registry stayed unreachable or answered 5xx for as long as the caller would wait. */
export class RegistryUnavailableError extends MessagingError {
  override readonly name = 'RegistryUnavailableError';
  readonly transient = true;
  readonly dependency = 'schema-registry';
}

/** The registry does not know a schema id that a record names. */
export class UnknownSchemaIdError extends MessagingError {
  override readonly name = 'UnknownSchemaIdError';
}

export interface RegistryOptions {
  /** Base URL of the Confluent-compatible API (e.g. `http://127.0.0.1:8081/apis/ccompat/v7`). */
  readonly url: string;
  /** How long to keep retrying while the registry is unreachable or failing (default 60 s). */
  readonly unavailableTimeoutMs?: number;
  /** HTTP basic credentials, sent with every request when given. */
  readonly credentials?: RegistryCredentials;
  /** Compatibility set on every subject this client registers to (default BACKWARD). */
  readonly compatibility?: 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

class RegistryHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

/**
 * A Confluent-compatible schema registry client with caches in front of every lookup: a subject's
 * id is registered or resolved once, and a writer schema is fetched and compiled once per id, so
 * steady-state encoding and decoding never calls the registry.
 */
export class SchemaRegistryClient {
  private readonly ids = new Map<string, Promise<number>>();
  private readonly writers = new Map<number, Promise<avro.Type>>();

  constructor(private readonly options: RegistryOptions) {}

  get url(): string {
    return this.options.url;
  }

  /**
   * Registers a schema under a subject (idempotent: an identical schema gets its existing id)
   * after setting the subject's compatibility, and returns its id. A schema that breaks
   * compatibility fails with SchemaIncompatibleError naming the subject and the registry's reason.
   */
  register(subject: string, schema: object): Promise<number> {
    return this.idOf(subject, schema, (text) => this.registerNow(subject, text));
  }

  /** A subject's schema id, from the cache or `resolve`; a failure is not cached, the next call tries again. */
  private idOf(subject: string, schema: object, resolve: (text: string) => Promise<number>): Promise<number> {
    const text = JSON.stringify(schema);
    const cacheKey = `${subject}\n${text}`;
    let id = this.ids.get(cacheKey);
    if (!id) {
      id = resolve(text);
      this.ids.set(cacheKey, id);
      id.catch(() => this.ids.delete(cacheKey));
    }
    return id;
  }

  /**
   * The id under which a schema is registered for a subject, looked up once (a read: what a
   * service needs, which may not register). A schema the registry does not hold for the subject
   * fails with SchemaNotRegisteredError.
   */
  lookup(subject: string, schema: object): Promise<number> {
    return this.idOf(subject, schema, (text) => this.lookupNow(subject, text));
  }

  private async lookupNow(subject: string, schema: string): Promise<number> {
    try {
      const { id } = (await this.request('POST', `/subjects/${encodeURIComponent(subject)}`, {
        schema,
        schemaType: 'AVRO',
      })) as { id: number };
      return id;
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404) {
        throw new SchemaNotRegisteredError(
          `the registry at ${this.options.url} holds no such schema for subject ${subject}: the contracts tool registers every topic's schema (./switchboard contracts:register)`,
        );
      }
      throw error;
    }
  }

  /** Deletes a subject with every version (soft, then for good when `permanent`); needs write access. */
  async deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<void> {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    try {
      await this.request('DELETE', path);
      if (options.permanent) await this.request('DELETE', `${path}?permanent=true`);
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404) return;
      throw error;
    }
  }

  /**
   * The compiled writer schema of a schema id, fetched from the registry once per id. While the
   * registry is unreachable it tries for `patienceMs` (default the client's `unavailableTimeoutMs`),
   * then fails with RegistryUnavailableError.
   */
  writerType(id: number, patienceMs?: number): Promise<avro.Type> {
    let type = this.writers.get(id);
    if (!type) {
      type = this.fetchWriter(id, patienceMs);
      this.writers.set(id, type);
      type.catch(() => this.writers.delete(id));
    }
    return type;
  }

  private async registerNow(subject: string, schema: string): Promise<number> {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    await this.request('PUT', `/config/${encodeURIComponent(subject)}`, {
      compatibility: this.options.compatibility ?? 'BACKWARD',
    });
    try {
      const { id } = (await this.request('POST', `${path}/versions`, { schema, schemaType: 'AVRO' })) as {
        id: number;
      };
      return id;
    } catch (error) {
      if (error instanceof RegistryHttpError && (error.status === 409 || error.status === 422)) {
        throw new SchemaIncompatibleError(
          `the schema for subject ${subject} was rejected by the registry as incompatible with its earlier versions: ${error.body}`,
        );
      }
      throw error;
    }
  }

  private async fetchWriter(id: number, patienceMs?: number): Promise<avro.Type> {
    try {
      const { schema } = (await this.request('GET', `/schemas/ids/${id}`, undefined, patienceMs)) as {
        schema: string;
      };
      return avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404) {
        throw new UnknownSchemaIdError(`schema id ${id} is not in the registry at ${this.options.url}`);
      }
      throw error;
    }
  }

  /** Resolves when the registry answers its subject list; one try, no retries (a readiness probe). */
  /** The versions a subject holds, oldest first; none when the registry does not know it. */
  async versions(subject: string): Promise<number[]> {
    try {
      return (await this.request(
        'GET',
        `/subjects/${encodeURIComponent(subject)}/versions`,
        undefined,
        5_000,
      )) as number[];
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404) return [];
      throw error;
    }
  }

  async ping(): Promise<void> {
    const response = await fetch(`${this.options.url}/subjects`, {
      headers: this.headers(),
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    if (!response.ok)
      throw (
        this.refusal(response.status, 'GET /subjects') ??
        new MessagingError(`schema registry answered ${response.status}`)
      );
  }

  private headers(body?: unknown): Record<string, string> {
    const credentials = this.options.credentials;
    return {
      Accept: CONTENT_TYPE,
      ...(body === undefined ? {} : { 'Content-Type': CONTENT_TYPE }),
      ...(credentials && { Authorization: basicAuthorization(credentials) }),
    };
  }

  /** A 401 or 403 as an error that says whose credentials and what to set; never the password. */
  private refusal(status: number, what: string): RegistryAccessError | undefined {
    const who = this.options.credentials?.username;
    if (status === 401)
      return new RegistryAccessError(
        who
          ? `the schema registry at ${this.options.url} refused the credentials of ${who} (${what}): check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD[_FILE]`
          : `the schema registry at ${this.options.url} asks for credentials (${what}): set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD[_FILE]`,
      );
    if (status === 403)
      return new RegistryAccessError(
        `the schema registry at ${this.options.url} does not let ${who ?? 'an anonymous client'} ${what}`,
      );
    return undefined;
  }

  /** One call, retried with backoff while the registry is unreachable or answers 5xx. */
  private async request(method: string, path: string, body?: unknown, patienceMs?: number): Promise<unknown> {
    const deadline = Date.now() + (patienceMs ?? this.options.unavailableTimeoutMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      let failure: Error;
      try {
        const response = await fetch(`${this.options.url}${path}`, {
          method,
          headers: this.headers(body),
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.ok) return text === '' ? {} : (JSON.parse(text) as unknown);
        const refused = this.refusal(response.status, `${method} ${path}`);
        if (refused) throw refused;
        failure = new RegistryHttpError(response.status, text);
        if (response.status < 500) throw failure;
      } catch (error) {
        if (error instanceof RegistryAccessError) throw error;
        if (error instanceof RegistryHttpError && error.status < 500) throw error;
        failure = error instanceof Error ? error : new Error(String(error));
      }
      const pause = Math.min(5000, 200 * 2 ** attempt);
      if (Date.now() + pause >= deadline) {
        throw new RegistryUnavailableError(
          `schema registry ${this.options.url} unavailable (${method} ${path}): ${failure.message}`,
          { cause: failure },
        );
      }
      await sleep(pause);
    }
  }
}
