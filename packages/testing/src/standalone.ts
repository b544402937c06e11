import { down, resolveEndpoints, up } from '@switchboard/stack';
import { silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { testIdentityOf, testKafkaOf, testSmtpOf, useTestCredentials } from './access.ts';
import { provideOutsideVitest } from './provided.ts';
import { IDENTITY_KEY, KAFKA_KEY, SMTP_KEY, STACK_KEY } from './stack-key.ts';

/**
 * For a tool that uses the test helpers outside Vitest (the chaos run): starts the local stack's
 * servers that are not running, provides what the global setup provides to test workers, and
 * returns how to stop again only what it started.
 */
export async function useLocalStackOutsideVitest(log: (line: string) => void): Promise<() => Promise<void>> {
  silenceKafkajsTimerWarning();
  const { started } = await up({ log });
  const endpoints = resolveEndpoints();
  const [identity, kafka, smtp] = await Promise.all([testIdentityOf(endpoints), testKafkaOf(), testSmtpOf()]);
  provideOutsideVitest({
    [STACK_KEY]: endpoints,
    [IDENTITY_KEY]: identity,
    [KAFKA_KEY]: kafka,
    [SMTP_KEY]: smtp,
  });
  useTestCredentials(kafka, identity);
  return async () => {
    if (started.length > 0) await down({ only: started, log });
  };
}
