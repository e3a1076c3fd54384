/**
 * Throwaway certificates for the TLS tests, made at run time with `openssl` (Debian has it;
 * `apt-get install openssl` where it is missing): a certificate authority, two server
 * certificates it signed for localhost, 127.0.0.1 and ::1 (the second one for reloads), and a
 * self-signed one. Made once per process, in a temporary folder removed at exit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import tls from 'node:tls';
import { RawClient } from './helpers.js';

/** A certificate and its key, as files. */
export interface Pair {
  readonly cert: string;
  readonly key: string;
}

export interface TestCertificates {
  readonly dir: string;
  /** The authority's certificate (PEM file) and its contents. */
  readonly caFile: string;
  readonly ca: Buffer;
  /** Signed by the authority, for localhost, 127.0.0.1 and ::1. */
  readonly server: Pair;
  /** Another one, the same names, another serial number and key. */
  readonly renewed: Pair;
  /** Signed by nobody but itself, for the same names. */
  readonly selfSigned: Pair;
}

let made: TestCertificates | undefined;

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'the TLS tests make their certificates with openssl, which is not installed: apt-get install openssl'
        : `openssl ${args.join(' ')} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`,
    );
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const NAMES = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';

/** The test certificates, made on first use. */
export function testCertificates(): TestCertificates {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'natter-tls-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const caArgs = ['-subj', '/CN=Natter test CA', '-days', '2'];
  const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE'];
  openssl(dir, ['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', ...caArgs, ...caExt]);
  writeFileSync(join(dir, 'server.ext'), `${NAMES}\nextendedKeyUsage=serverAuth\n`);
  const signed = (name: string, serial: string): Pair => {
    const subject = ['-subj', `/CN=localhost ${name}`];
    openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, ...subject]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      serial,
      '-days',
      '2',
      '-extfile',
      'server.ext',
      '-out',
      `${name}.pem`,
    ]);
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  const server = signed('server', '0x1001');
  const renewed = signed('renewed', '0x1002');
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    'self.key',
    '-out',
    'self.pem',
    '-subj',
    '/CN=localhost',
    '-days',
    '2',
    '-addext',
    NAMES,
  ]);
  const selfSigned = { cert: join(dir, 'self.pem'), key: join(dir, 'self.key') };
  const caFile = join(dir, 'ca.pem');
  made = { dir, caFile, ca: readFileSync(caFile), server, renewed, selfSigned };
  return made;
}

/** Opens a TLS connection to `port`, trusting the test authority, as a {@link RawClient}. */
export async function openTls(
  t: TestContext,
  port: number,
  options: tls.ConnectionOptions = {},
): Promise<RawClient & { socket: tls.TLSSocket }> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: testCertificates().ca, ...options });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  const client = new RawClient(socket);
  t.after(() => socket.destroy());
  return client as RawClient & { socket: tls.TLSSocket };
}

/** Connects over TLS and joins; resolves once the client has its `03`. */
export async function joinTls(t: TestContext, port: number, nickname: string): Promise<RawClient> {
  const client = await openTls(t, port);
  client.send({ cmd: '0', nickname });
  await client.expect('03');
  return client;
}

/** The serial number of the certificate a server presents now on `port`. */
export async function servedSerial(port: number): Promise<string> {
  const client = await openTlsSocket(port);
  const serial = client.getPeerCertificate().serialNumber;
  client.destroy();
  return serial;
}

function openTlsSocket(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: testCertificates().ca }, () =>
      resolve(socket),
    );
    socket.once('error', reject);
  });
}
