import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { stackPaths } from '../paths.ts';
import { scramVerifier } from '../postgres-admin.ts';
import { jdbcUrl, keycloak } from './keycloak.ts';

describe('scramVerifier', () => {
  // RFC 7677's example exchange: user "user", password "pencil".
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
  const serverFirst =
    'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
  const clientFinal = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const authMessage = `${clientFirstBare},${serverFirst},${clientFinal}`;
  const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
  const serverSignature = '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=';

  const parse = (verifier: string) => {
    const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
    if (!match) throw new Error(`not a verifier: ${verifier}`);
    const [, iterations, saltText, storedKey, serverKey] = match;
    return {
      iterations: Number(iterations),
      salt: saltText,
      storedKey: Buffer.from(storedKey ?? '', 'base64'),
      serverKey: Buffer.from(serverKey ?? '', 'base64'),
    };
  };

  it("stores keys with which the server of RFC 7677's exchange signs and checks that exchange", () => {
    const verifier = parse(scramVerifier('pencil', salt));
    expect(verifier.iterations).toBe(4096);
    expect(verifier.salt).toBe('W22ZaJ0SNY7soEsUEjb6gQ==');
    expect(createHmac('sha256', verifier.serverKey).update(authMessage).digest('base64')).toBe(
      serverSignature,
    );
    // The server recovers the client key from the proof and checks it against the stored key.
    const clientSignature = createHmac('sha256', verifier.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ (clientSignature[i] ?? 0)));
    expect(createHash('sha256').update(clientKey).digest().equals(verifier.storedKey)).toBe(true);
  });

  it('salts every verifier afresh and never contains the password', () => {
    const a = scramVerifier('pencil');
    expect(a).not.toBe(scramVerifier('pencil'));
    expect(a).not.toContain('pencil');
  });
});

describe('jdbcUrl', () => {
  it("names Keycloak's database on the server of the admin URL, without its credentials", () => {
    expect(jdbcUrl('postgres://switchboard:switchboard@127.0.0.1:55432/postgres')).toBe(
      'jdbc:postgresql://127.0.0.1:55432/keycloak',
    );
    expect(jdbcUrl('postgres://a:b@[::1]/postgres?sslmode=require')).toBe(
      'jdbc:postgresql://[::1]/keycloak?sslmode=require',
    );
  });
});

describe('the identity component', () => {
  const paths = stackPaths({ SWITCHBOARD_HOME: '/srv/sb' });

  it('listens on 8180 and 9180, starts after PostgreSQL and is overridden by OIDC_ISSUER_URL', () => {
    expect(keycloak.name).toBe('identity');
    expect(keycloak.ports).toEqual([8180, 9180]);
    expect(keycloak.dependsOn).toEqual(['postgres']);
    expect(keycloak.overriddenBy).toEqual(['OIDC_ISSUER_URL']);
    expect(keycloak.endpoints.map((e) => e.url)).toContain('http://127.0.0.1:8180/realms/switchboard');
  });

  it('recognises both its kc.sh and the java that kc.sh starts', () => {
    const dist = '/srv/sb/artifacts/keycloak-26.4.0';
    const marker = keycloak.marker(paths);
    expect(`sh ${dist}/bin/kc.sh start --optimized`).toContain(marker);
    expect(`java -Dkc.home.dir=${dist}/bin/.. -cp ${dist}/lib/quarkus-run.jar`).toContain(marker);
  });
});
