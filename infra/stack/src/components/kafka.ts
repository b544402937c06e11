import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { kafkaPrincipals } from '@switchboard/messaging';
import { Kafka, logLevel } from 'kafkajs';
import { artifactDir, copyMavenDependencies, exists, installAtomically } from '../artifacts.ts';
import type { Component } from '../component.ts';
import type { StackPaths } from '../paths.ts';
import { ensureSecret, secretsDir } from '../secrets.ts';
import { findJava, runLogged } from '../tools.ts';

const VERSION = '3.9.2';
/** Clients: SASL (SCRAM-SHA-512) without TLS, on loopback. */
const BROKER_PORT = 9092;
const CONTROLLER_PORT = 9093;
/** The broker's own connections (to itself and to its controller): SASL PLAIN as its super user. */
const INTERNAL_PORT = 9094;
/** Clients: SASL (SCRAM-SHA-512) over TLS, with a certificate the stack makes. */
const TLS_PORT = 9095;
/** The bootstrap address of the TLS listener. */
export const LOCAL_KAFKA_TLS_BROKER = `127.0.0.1:${TLS_PORT}`;

/** The broker's own principal (controller and inter-broker connections, the stack's set-up). */
const BROKER_USER = 'broker';
/** The principal that applies topics and ACLs (`topics apply`); a super user. */
export const KAFKA_ADMIN_PRINCIPAL = 'switchboard-admin';
/** The test suites' principal: a super user of the local stack's broker (it makes topics and ACLs per run). */
export const KAFKA_TEST_PRINCIPAL = 'switchboard-tests';
const SUPER_USERS = [BROKER_USER, KAFKA_ADMIN_PRINCIPAL, KAFKA_TEST_PRINCIPAL];

/** Every principal the stack gives a SCRAM password: the catalog's, the admin's and the tests'. */
export const stackKafkaPrincipals = (): string[] => [
  ...kafkaPrincipals(),
  KAFKA_ADMIN_PRINCIPAL,
  KAFKA_TEST_PRINCIPAL,
];

/** The secret's name (under the stack's secrets folder) of a Kafka principal's password. */
const principalSecret = (principal: string): string => join('kafka-principals', principal);
const BROKER_SECRET = 'kafka-broker';
const KEYSTORE_SECRET = 'kafka-tls-keystore';

/** The file holding a Kafka principal's password (its content alone), for `KAFKA_SASL_PASSWORD_FILE`. */
export function kafkaPasswordFile(principal: string, paths: StackPaths): string {
  return join(secretsDir(paths), principalSecret(principal));
}

const tlsDir = (paths: StackPaths): string => join(paths.data, 'kafka-tls');
/** The certificate of the broker's TLS listener (PEM), for `KAFKA_SSL_CA_FILE`. */
export const kafkaCaFile = (paths: StackPaths): string => join(tlsDir(paths), 'ca.pem');
const keystoreFile = (paths: StackPaths): string => join(tlsDir(paths), 'broker.p12');

const libs = (paths: StackPaths): string => join(artifactDir(paths.artifacts, 'kafka', VERSION), 'libs');
const dataDir = (paths: StackPaths): string => join(paths.data, 'kafka');
const configFile = (paths: StackPaths): string => join(paths.run, 'kafka-server.properties');

/**
 * A single-node KRaft cluster: one process is both broker and controller. Every listener takes
 * SASL; the authorizer denies whatever no ACL allows, so a principal may do only what `topics
 * apply` granted it from the catalog.
 */
function serverProperties(
  logDir: string,
  brokerPassword: string,
  keystorePassword: string,
  keystore: string,
): string {
  const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${BROKER_USER}" password="${brokerPassword}" user_${BROKER_USER}="${brokerPassword}";`;
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}`,
    `listeners=CLIENT://127.0.0.1:${BROKER_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT},INTERNAL://127.0.0.1:${INTERNAL_PORT},CLIENT_TLS://127.0.0.1:${TLS_PORT}`,
    `advertised.listeners=CLIENT://127.0.0.1:${BROKER_PORT},INTERNAL://127.0.0.1:${INTERNAL_PORT},CLIENT_TLS://127.0.0.1:${TLS_PORT}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=INTERNAL',
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT,CLIENT_TLS:SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.controller.protocol=PLAIN',
    'sasl.mechanism.inter.broker.protocol=PLAIN',
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=${plain}`,
    'listener.name.internal.sasl.enabled.mechanisms=PLAIN',
    `listener.name.internal.plain.sasl.jaas.config=${plain}`,
    'listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512',
    `listener.name.client.scram-sha-512.sasl.jaas.config=${scram}`,
    'listener.name.client_tls.sasl.enabled.mechanisms=SCRAM-SHA-512',
    `listener.name.client_tls.scram-sha-512.sasl.jaas.config=${scram}`,
    'listener.name.client_tls.ssl.keystore.type=PKCS12',
    `listener.name.client_tls.ssl.keystore.location=${keystore}`,
    `listener.name.client_tls.ssl.keystore.password=${keystorePassword}`,
    `listener.name.client_tls.ssl.key.password=${keystorePassword}`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=${SUPER_USERS.map((u) => `User:${u}`).join(';')}`,
    `log.dirs=${logDir}`,
    'num.partitions=3',
    // Topics come from the topic catalog, never from a typo in a producer.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

/**
 * The TLS listener's key and self-signed certificate, made once with the JDK's keytool (valid for
 * 127.0.0.1 and localhost, ten years); clients trust the certificate itself (`kafkaCaFile`).
 */
async function ensureCertificate(paths: StackPaths, java: string, logFile: string): Promise<void> {
  if ((await exists(keystoreFile(paths))) && (await exists(kafkaCaFile(paths)))) return;
  await mkdir(tlsDir(paths), { recursive: true, mode: 0o700 });
  await rm(keystoreFile(paths), { force: true });
  const keytool = join(dirname(java), 'keytool');
  const { value: password } = await ensureSecret(KEYSTORE_SECRET, paths);
  // The password by environment, not on the command line.
  const env = { KEYSTORE_PASSWORD: password };
  const store = [
    '-keystore',
    keystoreFile(paths),
    '-storetype',
    'PKCS12',
    '-storepass:env',
    'KEYSTORE_PASSWORD',
  ];
  await runLogged(
    'Making the Kafka TLS certificate',
    keytool,
    [
      '-genkeypair',
      '-alias',
      'broker',
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-validity',
      '3650',
      '-dname',
      'CN=Switchboard local Kafka',
      '-ext',
      'SAN=ip:127.0.0.1,dns:localhost',
      ...store,
    ],
    { env, logFile },
  );
  await runLogged(
    'Exporting the Kafka TLS certificate',
    keytool,
    ['-exportcert', '-rfc', '-alias', 'broker', '-file', kafkaCaFile(paths), ...store],
    { env, logFile },
  );
}

/** The SCRAM passwords as last given to the broker, by a digest kept with its data. */
const scramStateFile = (paths: StackPaths): string => join(dataDir(paths), 'switchboard-scram-users.sha256');

async function principalPasswords(paths: StackPaths): Promise<[string, string][]> {
  return Promise.all(
    stackKafkaPrincipals().map(async (p): Promise<[string, string]> => [
      p,
      (await ensureSecret(principalSecret(p), paths)).value,
    ]),
  );
}

async function javaCommand(paths: StackPaths): Promise<{ java: string; args: string[] }> {
  const java = await findJava(17, `run Apache Kafka ${VERSION}`);
  const log4j = join(paths.packageDir, 'config', 'kafka-log4j.properties');
  return {
    java,
    args: [
      '-Xms256m',
      '-Xmx768m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${log4j}`,
      '-cp',
      `${libs(paths)}/*`,
    ],
  };
}

export const kafka: Component = {
  name: 'kafka',
  title: `Apache Kafka ${VERSION} (KRaft, single node)`,
  ports: [BROKER_PORT, CONTROLLER_PORT, INTERNAL_PORT, TLS_PORT],
  overriddenBy: ['KAFKA_BROKERS'],
  endpoints: [
    { label: 'Kafka bootstrap (SASL_PLAINTEXT, SCRAM-SHA-512)', url: `127.0.0.1:${BROKER_PORT}` },
    { label: 'Kafka bootstrap (SASL_SSL, SCRAM-SHA-512)', url: `127.0.0.1:${TLS_PORT}` },
  ],
  startTimeoutSeconds: 90,

  marker: (paths) => libs(paths),

  installed: async (paths) => exists(join(libs(paths), `kafka_2.13-${VERSION}.jar`)),

  async install(paths, logFile) {
    const target = artifactDir(paths.artifacts, 'kafka', VERSION);
    await installAtomically(target, (scratch) =>
      copyMavenDependencies(
        `Apache Kafka ${VERSION}`,
        join(paths.packageDir, 'maven', 'kafka', 'pom.xml'),
        join(scratch, 'libs'),
        logFile,
      ),
    );
  },

  async prepare(paths, logFile) {
    const logDir = dataDir(paths);
    await mkdir(logDir, { recursive: true });
    const { java, args } = await javaCommand(paths);
    await ensureCertificate(paths, java, logFile);
    const { value: brokerPassword } = await ensureSecret(BROKER_SECRET, paths);
    const { value: keystorePassword } = await ensureSecret(KEYSTORE_SECRET, paths);
    await principalPasswords(paths);
    // It holds the broker's passwords: its owner's alone.
    await rm(configFile(paths), { force: true });
    await writeFile(
      configFile(paths),
      serverProperties(logDir, brokerPassword, keystorePassword, keystoreFile(paths)),
      { mode: 0o600 },
    );
    if (await exists(join(logDir, 'meta.properties'))) return;
    // A Kafka cluster id is 16 random bytes in URL-safe base64 without padding.
    const clusterId = randomBytes(16).toString('base64url');
    await runLogged(
      'Formatting Kafka storage',
      java,
      [...args, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', configFile(paths)],
      { logFile },
    );
  },

  async command(paths) {
    const { java, args } = await javaCommand(paths);
    return { command: java, args: [...args, 'kafka.Kafka', configFile(paths)] };
  },

  async healthy(paths) {
    const password = await readFile(join(secretsDir(paths), BROKER_SECRET), 'utf8').catch(() => undefined);
    if (password === undefined) return false;
    const client = new Kafka({
      clientId: 'switchboard-stack',
      brokers: [`127.0.0.1:${INTERNAL_PORT}`],
      sasl: { mechanism: 'plain', username: BROKER_USER, password: password.trim() },
      connectionTimeout: 1000,
      requestTimeout: 2000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const admin = client.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },

  /** Gives every principal its password (a JVM run, only when one is new or changed). */
  async configure(paths, log = () => undefined) {
    const passwords = await principalPasswords(paths);
    const digest = createHash('sha256')
      .update(passwords.map(([p, pw]) => `${p}\t${pw}`).join('\n'))
      .digest('hex');
    const stateFile = scramStateFile(paths);
    if ((await readFile(stateFile, 'utf8').catch(() => '')) === digest) {
      log(`  kafka: ${passwords.length} principals' SCRAM credentials are up to date`);
      return;
    }
    const { java, args } = await javaCommand(paths);
    const brokerPassword = (await ensureSecret(BROKER_SECRET, paths)).value;
    await runLogged(
      `Setting the SCRAM credentials of ${passwords.length} Kafka principals`,
      java,
      [...args, join(paths.packageDir, 'kafka', 'ScramUsers.java'), `127.0.0.1:${INTERNAL_PORT}`],
      {
        env: {
          KAFKA_BROKER_USER: BROKER_USER,
          KAFKA_BROKER_PASSWORD: brokerPassword,
          SCRAM_USERS: passwords.map(([p, pw]) => `${p}\t${pw}`).join('\n'),
        },
        logFile: join(paths.logs, 'kafka-setup.log'),
      },
    );
    await writeFile(stateFile, digest);
    log(`  kafka: SCRAM credentials set for ${passwords.map(([p]) => p).join(', ')}`);
  },
};
