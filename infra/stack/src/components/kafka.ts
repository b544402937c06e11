import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { artifactDir, copyMavenDependencies, exists, installAtomically } from '../artifacts.ts';
import type { Component } from '../component.ts';
import type { StackPaths } from '../paths.ts';
import { findJava, runLogged } from '../tools.ts';

const VERSION = '3.9.2';
const BROKER_PORT = 9092;
const CONTROLLER_PORT = 9093;

const libs = (paths: StackPaths): string => join(artifactDir(paths.artifacts, 'kafka', VERSION), 'libs');
const dataDir = (paths: StackPaths): string => join(paths.data, 'kafka');
const configFile = (paths: StackPaths): string => join(paths.run, 'kafka-server.properties');

/** A single-node KRaft cluster: one process is both broker and controller. */
function serverProperties(logDir: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}`,
    `listeners=PLAINTEXT://127.0.0.1:${BROKER_PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${BROKER_PORT}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
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
  ports: [BROKER_PORT, CONTROLLER_PORT],
  overriddenBy: ['KAFKA_BROKERS'],
  endpoints: [{ label: 'Kafka bootstrap', url: `127.0.0.1:${BROKER_PORT}` }],
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
    await writeFile(configFile(paths), serverProperties(logDir));
    if (await exists(join(logDir, 'meta.properties'))) return;
    const { java, args } = await javaCommand(paths);
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

  async healthy() {
    const client = new Kafka({
      clientId: 'switchboard-stack',
      brokers: [`127.0.0.1:${BROKER_PORT}`],
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
};
