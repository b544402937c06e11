import { providedValue } from './provided.ts';
import { SMTP_KEY } from './stack-key.ts';

/** How the tests log in to the SMTP server (provided by the global setup). */
export interface TestSmtp {
  readonly username?: string;
  readonly password?: string;
  /** The certificate the server's is checked against, where it is one the stack made. */
  readonly caFile?: string;
}

export function testSmtp(): TestSmtp {
  const provided = providedValue<TestSmtp>(SMTP_KEY);
  if (!provided) throw new Error('SMTP credentials are only available in integration tests (*.int-spec.ts)');
  return provided;
}

/** The variables that give a mailing process the tests' SMTP login. */
export function testSmtpEnv(): Record<string, string> {
  const { username, password, caFile } = testSmtp();
  return {
    ...(username && password && { SMTP_USERNAME: username, SMTP_PASSWORD: password }),
    ...(caFile && { SMTP_CA_FILE: caFile }),
  };
}
