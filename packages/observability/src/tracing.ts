/**
 * `@switchboard/observability/tracing`: OpenTelemetry for one service process. It imports nothing
 * from NestJS, express or node:http, so a service's main.ts can import it first, start tracing, and
 * only then import the application: the instrumentations patch http and express as they load.
 */
import { createRequire } from 'node:module';
import { type Attributes, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_QUERY,
} from '@opentelemetry/semantic-conventions';
import { isOperationalPath } from './http-paths.ts';
import { UrlQueryRedactor } from './tracing/url-redaction.ts';

export { currentTraceId } from './trace-context.ts';

export interface TracingOptions {
  /** `service.name` of every span, e.g. `orders`. */
  readonly service: string;
  /**
   * OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318` (spans go to `${endpoint}/v1/traces`).
   * Defaults to `OTEL_EXPORTER_OTLP_ENDPOINT`; when neither is set, traces still propagate in
   * process and over Kafka and HTTP, and log lines still carry trace ids, but nothing is exported.
   */
  readonly endpoint?: string;
  /** `service.version`, when known. */
  readonly version?: string;
  /**
   * More span processors after the exporting one, e.g. a `SimpleSpanProcessor` around an
   * `InMemorySpanExporter` in a test. They see spans after URL query strings are removed.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

export interface Tracing {
  /** Exports the spans still pending and stops tracing; later calls wait for the first. */
  shutdown(): Promise<void>;
}

/** One tracing setup per process, even when this module is loaded twice (source and dist). */
const STARTED = Symbol.for('@switchboard/observability/tracing');
type ProcessGlobal = typeof globalThis & {
  [STARTED]?: { readonly service: string; readonly tracing: Tracing };
};

/** How long a finished span waits for its batch: short, so tests and Jaeger see spans soon. */
const EXPORT_DELAY_MS = 500;

/**
 * Starts tracing for this process: W3C trace-context and baggage propagation, an AsyncLocalStorage
 * context manager, spans for incoming and outgoing HTTP requests and express routes (not for
 * `/health/*` and `/metrics`), exported over OTLP/HTTP in batches. Query strings, client addresses
 * and headers never become span attributes. Call it before NestJS, express or node:http are
 * imported; a second call returns the first call's instance.
 */
export function startTracing(options: TracingOptions): Tracing {
  const globals = globalThis as ProcessGlobal;
  const started = globals[STARTED];
  if (started !== undefined) {
    if (started.service !== options.service) {
      process.emitWarning(
        `tracing already started for service "${started.service}"; not starting it again for "${options.service}"`,
        'TracingWarning',
      );
    }
    return started.tracing;
  }

  registerEsmHooks();
  const endpoint = options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporting: SpanProcessor[] =
    endpoint === undefined || endpoint === ''
      ? []
      : [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }),
            scheduledDelayMillis: EXPORT_DELAY_MS,
          }),
        ];
  // The tracer provider, context manager and propagators, set up by hand rather than by
  // @opentelemetry/sdk-node: that package loads every exporter it could be configured with
  // (OTLP over gRPC and protobuf, Zipkin, Prometheus, logs, metrics), some 25 MB of each service's
  // memory for code never run here.
  const provider = new TracerProvider({
    resource: defaultResource()
      // Not the process detector: it records the command line, which may hold secrets.
      .merge(
        detectResources({ detectors: [envDetector, hostDetector, osDetector, serviceInstanceIdDetector] }),
      )
      .merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: options.service,
          ...(options.version === undefined ? {} : { [ATTR_SERVICE_VERSION]: options.version }),
        }),
      ),
    // The redactor comes first and is always there, so spans exist (and carry trace ids into
    // logs and Kafka headers) even when nothing exports them.
    spanProcessors: [new UrlQueryRedactor(), ...exporting, ...(options.spanProcessors ?? [])],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  // Metrics are Prometheus (see Metrics); logs are pino lines on stdout: neither goes over OTLP.
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => isOperationalPath(request.url),
        // Drops the query string (and the forwarded client address) before the span exists;
        // the path stays, so ids in paths are visible, e-mail addresses in queries are not.
        startIncomingSpanHook: (): Attributes => ({
          [ATTR_URL_QUERY]: undefined,
          [ATTR_CLIENT_ADDRESS]: undefined,
        }),
      }),
      // Request handler spans carry the route template; a span per middleware is noise.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Inert with NestJS 12 as of 0.71 (it supports <12, CommonJS builds); here so controller spans
      // appear once it supports 12. It will also need '@nestjs/core' in ESM_INSTRUMENTED then.
      new NestInstrumentation(),
    ],
  });

  let stopping: Promise<void> | undefined;
  const tracing: Tracing = {
    shutdown: () => (stopping ??= provider.shutdown()),
  };
  globals[STARTED] = { service: options.service, tracing };
  return tracing;
}

/**
 * The modules import-in-the-middle wraps, so that an instrumentation can patch them when they are
 * imported as ES modules (express is CommonJS, but NestJS imports it). Only these: wrapping costs
 * start-up time.
 */
const ESM_INSTRUMENTED: readonly string[] = ['express'];

interface ImportInTheMiddleHooks {
  supportsSyncHooks(): boolean;
  register(options: { include: string[] }): void;
}

/**
 * NestJS 12 is ES modules only, and it imports express; require-in-the-middle, which the
 * instrumentations use by default, sees only `require()`. import-in-the-middle's in-thread loader
 * hook lets them patch ES module imports too. It is the copy that @opentelemetry/instrumentation
 * depends on, so the hook and the instrumentations share one registry.
 */
function registerEsmHooks(): void {
  try {
    const fromHere = createRequire(import.meta.url);
    const fromInstrumentation = createRequire(fromHere.resolve('@opentelemetry/instrumentation'));
    const hooks = fromInstrumentation('import-in-the-middle/register-hooks.mjs') as ImportInTheMiddleHooks;
    if (!hooks.supportsSyncHooks()) {
      process.emitWarning(
        `Node ${process.version} cannot run import-in-the-middle's synchronous hooks; express is not traced`,
        'TracingWarning',
      );
      return;
    }
    hooks.register({ include: [...ESM_INSTRUMENTED] });
  } catch (error) {
    process.emitWarning(
      `could not register import-in-the-middle, so ES module imports are not traced: ${String(error)}`,
      'TracingWarning',
    );
  }
}
