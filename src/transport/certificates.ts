import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/** A TLS certificate or key that cannot be used, told in one sentence that names the file. */
export class CertificateError extends Error {
  override name = 'CertificateError';
}

/** A certificate chain and its private key, as PEM: what an HTTPS server is made from. */
export interface CertificatePem {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What was loaded, together: reloading replaces all of it or none. */
interface Loaded {
  readonly pem: CertificatePem;
  readonly context: tls.SecureContext;
  readonly certificate: X509Certificate;
}

/**
 * The server's TLS certificate: the one holder of the SecureContext that the TLS chat listener
 * and HTTPS serve with. A reload reads both files again and replaces the context for the
 * connections that come after; those already open keep theirs. A reload that fails leaves the
 * certificate in use as it was.
 */
export class Certificates {
  private loaded: Loaded;

  /** Reads both files; throws {@link CertificateError}. */
  constructor(
    readonly certFile: string,
    readonly keyFile: string,
  ) {
    this.loaded = load(certFile, keyFile);
  }

  /** The context a new TLS connection is served with. */
  get context(): tls.SecureContext {
    return this.loaded.context;
  }

  /** The PEM the context was made from (an HTTPS server takes it in this form). */
  get pem(): CertificatePem {
    return this.loaded.pem;
  }

  /** Reads the files again; throws {@link CertificateError}, keeping the current certificate. */
  reload(): void {
    this.loaded = load(this.certFile, this.keyFile);
  }

  /** Whom the certificate is for and until when: `localhost, ::1, valid until May 1 ... GMT`. */
  describe(): string {
    const { certificate } = this.loaded;
    const names = (certificate.subjectAltName ?? '')
      .split(', ')
      .map((name) => (name.startsWith('IP Address:') ? compactIp(name.slice(11)) : name))
      .map((name) => name.replace(/^DNS:/, ''))
      .filter((name) => name !== '');
    const subject = names.length > 0 ? names.join(', ') : certificate.subject.replace(/\n/g, ', ');
    return `${subject}, valid until ${certificate.validTo}`;
  }

  /** A sentence when the certificate is not valid at `now` (expired or not yet valid). */
  validityProblem(now: number): string | undefined {
    const { certificate } = this.loaded;
    if (now > Date.parse(certificate.validTo)) {
      return `the TLS certificate in ${this.certFile} expired on ${certificate.validTo}: clients will refuse it`;
    }
    if (now < Date.parse(certificate.validFrom)) {
      return `the TLS certificate in ${this.certFile} is not valid before ${certificate.validFrom}: clients will refuse it`;
    }
    return undefined;
  }
}

function load(certFile: string, keyFile: string): Loaded {
  const cert = read(certFile, 'certificate');
  const key = read(keyFile, 'key');
  const certText = cert.toString('latin1');
  const keyText = key.toString('latin1');
  if (!certText.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CertificateError(
      `the TLS certificate file ${certFile} holds no PEM certificate ` +
        '(a "-----BEGIN CERTIFICATE-----" block)',
    );
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyText)) {
    const swapped = keyText.includes('-----BEGIN CERTIFICATE-----');
    throw new CertificateError(
      swapped
        ? `the TLS key file ${keyFile} holds a certificate, not a private key: are the certificate and the key swapped?`
        : `the TLS key file ${keyFile} holds no PEM private key (a "-----BEGIN PRIVATE KEY-----" block)`,
    );
  }
  if (/ENCRYPTED/.test(keyText)) {
    throw new CertificateError(
      `the TLS key in ${keyFile} is encrypted with a passphrase, which the server cannot ask ` +
        `for: give it a decrypted copy (openssl pkey -in ${keyFile} -out key.pem)`,
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    throw new CertificateError(
      `the TLS certificate in ${certFile} cannot be read: ${(err as Error).message}`,
    );
  }
  try {
    const context = tls.createSecureContext({ cert, key });
    return { pem: { cert, key }, context, certificate };
  } catch (err) {
    const message = (err as Error).message;
    if (/key values mismatch/i.test(message)) {
      throw new CertificateError(
        `the TLS key in ${keyFile} does not belong to the certificate in ${certFile}`,
      );
    }
    throw new CertificateError(
      `the TLS certificate in ${certFile} and the key in ${keyFile} cannot be used: ${message}`,
    );
  }
}

function read(file: string, what: 'certificate' | 'key'): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES'
          ? 'this process may not read it'
          : code === 'EISDIR'
            ? 'it is a folder'
            : (err as Error).message;
    throw new CertificateError(`cannot read the TLS ${what} file ${file}: ${why}`);
  }
}

/** An address as people write it: `0:0:0:0:0:0:0:1` as `::1`. */
function compactIp(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}
