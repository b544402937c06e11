import { setTimeout as sleep } from 'node:timers/promises';
import avro from 'avsc';
import { MessagingError } from './errors.ts';

/** A registry refused a schema because it breaks the subject's compatibility rule. */
export class SchemaIncompatibleError extends MessagingError {
  override readonly name = 'SchemaIncompatibleError';
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
    const text = JSON.stringify(schema);
    const cacheKey = `${subject}\n${text}`;
    let id = this.ids.get(cacheKey);
    if (!id) {
      id = this.registerNow(subject, text);
      this.ids.set(cacheKey, id);
      // A failure is not cached: the next call tries again.
      id.catch(() => this.ids.delete(cacheKey));
    }
    return id;
  }

  /** The compiled writer schema of a schema id, fetched from the registry once per id. */
  writerType(id: number): Promise<avro.Type> {
    let type = this.writers.get(id);
    if (!type) {
      type = this.fetchWriter(id);
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

  private async fetchWriter(id: number): Promise<avro.Type> {
    try {
      const { schema } = (await this.request('GET', `/schemas/ids/${id}`)) as { schema: string };
      return avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
    } catch (error) {
      if (error instanceof RegistryHttpError && error.status === 404) {
        throw new UnknownSchemaIdError(`schema id ${id} is not in the registry at ${this.options.url}`);
      }
      throw error;
    }
  }

  /** Resolves when the registry answers its subject list; one try, no retries (a readiness probe). */
  async ping(): Promise<void> {
    const response = await fetch(`${this.options.url}/subjects`, {
      headers: { Accept: CONTENT_TYPE },
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    if (!response.ok) throw new MessagingError(`schema registry answered ${response.status}`);
  }

  /** One call, retried with backoff while the registry is unreachable or answers 5xx. */
  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const deadline = Date.now() + (this.options.unavailableTimeoutMs ?? 60_000);
    for (let attempt = 0; ; attempt++) {
      let failure: Error;
      try {
        const response = await fetch(`${this.options.url}${path}`, {
          method,
          headers: { Accept: CONTENT_TYPE, ...(body === undefined ? {} : { 'Content-Type': CONTENT_TYPE }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.ok) return text === '' ? {} : (JSON.parse(text) as unknown);
        failure = new RegistryHttpError(response.status, text);
        if (response.status < 500) throw failure;
      } catch (error) {
        if (error instanceof RegistryHttpError && error.status < 500) throw error;
        failure = error instanceof Error ? error : new Error(String(error));
      }
      if (Date.now() >= deadline) {
        throw new MessagingError(
          `schema registry ${this.options.url} unavailable (${method} ${path}): ${failure.message}`,
        );
      }
      await sleep(Math.min(5000, 200 * 2 ** attempt));
    }
  }
}
