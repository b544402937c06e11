import { type AnyTopicSpec, TOPICS } from './catalog.ts';

/**
 * Prometheus recording and alerting rules made from the catalog: per topic and consumer the share of
 * events handled within the topic's latency objective (the business latency SLI, from the
 * event-age histogram every consumer exposes), an alert when it falls under `SLO_TARGET`, and
 * alerts for parked events and scrapes that fail. `pnpm contracts:generate` writes them to
 * packages/contracts/prometheus-rules.yml, which the local stack's Prometheus and docker compose load.
 */

/** The share of a topic's events each consumer should handle within the latency objective. */
export const SLO_TARGET = 0.99;
/** The window the SLI is measured over. */
export const SLI_WINDOW = '5m';

/** The recorded SLI: per topic and consumer (`service`), the share of events within the objective. */
export const SLI_RECORD = `switchboard:events_within_objective:ratio_rate${SLI_WINDOW}`;
/** The recorded objective of each topic, in seconds, labelled `topic`. */
export const OBJECTIVE_RECORD = 'switchboard:event_latency_objective:seconds';
/** The recorded event rate per topic and consumer. */
export const RATE_RECORD = `switchboard:events_handled:rate${SLI_WINDOW}`;

/** A bucket bound as prom-client writes it in `le`. */
const le = (seconds: number): string => String(seconds);

type Rule = Record<string, unknown>;

function topicRules(topic: string, spec: AnyTopicSpec): Rule[] {
  const seconds = spec.latencyObjectiveMs / 1000;
  const selector = `topic="${topic}"`;
  const count = `sum by (topic, service) (rate(messaging_event_age_seconds_count{${selector}}[${SLI_WINDOW}]))`;
  return [
    { record: OBJECTIVE_RECORD, expr: `vector(${seconds})`, labels: { topic } },
    // Each rule names its topic as a label too (it is one already), so no two rules look alike.
    { record: RATE_RECORD, expr: count, labels: { topic } },
    {
      record: SLI_RECORD,
      labels: { topic },
      expr: `sum by (topic, service) (rate(messaging_event_age_seconds_bucket{${selector}, le="${le(seconds)}"}[${SLI_WINDOW}]))\n/ ${count}`,
    },
    {
      alert: 'EventLatencyObjectiveMissed',
      expr: `${SLI_RECORD}{${selector}} < ${SLO_TARGET}`,
      for: '10m',
      labels: { severity: 'warning', topic },
      annotations: {
        summary: `{{ $labels.service }} handles ${topic} later than its objective of ${seconds} s`,
        description: `Only {{ $value | humanizePercentage }} of ${topic}'s events reached {{ $labels.service }} within ${seconds} s of occurring over the last ${SLI_WINDOW} (objective: ${SLO_TARGET * 100}%). Look for consumer lag, paused partitions or a slow handler.`,
      },
    },
  ];
}

/** The rule groups, as a Prometheus rule file holds them. */
export function prometheusRules(): Record<string, unknown> {
  const topics = Object.entries(TOPICS) as [string, AnyTopicSpec][];
  return {
    groups: [
      {
        name: 'switchboard-event-latency',
        rules: topics.flatMap(([topic, spec]) => topicRules(topic, spec)),
      },
      {
        name: 'switchboard-health',
        rules: [
          {
            alert: 'EventsDeadLettered',
            expr: 'sum by (service, topic, error_class) (increase(messaging_dead_lettered_total[10m])) > 0',
            labels: { severity: 'warning' },
            annotations: {
              summary:
                '{{ $labels.service }} parked events of {{ $labels.topic }} ({{ $labels.error_class }})',
              description:
                'Events were moved to the dead-letter topic in the last 10 minutes; see the console’s dead letters, fix the cause and replay them.',
            },
          },
          {
            alert: 'ServiceScrapeFailing',
            expr: 'up{job="switchboard"} == 0',
            for: '2m',
            labels: { severity: 'critical' },
            annotations: {
              summary: '{{ $labels.service }} does not answer Prometheus at {{ $labels.instance }}',
              description: 'The service is down or its /metrics fails; its readiness and log tell why.',
            },
          },
        ],
      },
    ],
  };
}
