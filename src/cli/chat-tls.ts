import { readFileSync } from 'node:fs';
import { NatterError } from '../client/errors.js';
import { certificateProblem, type TlsOption } from '../client/tls-socket.js';
import { CliError, UsageError } from './usage.js';

/**
 * `natter chat --tls [--ca FILE | --insecure]`: what the connection trusts, and what to pass
 * when it does not trust the server.
 */

/** `--tls`, with `--ca FILE` or `--insecure`: what the connection trusts; undefined without. */
export function tlsOf(values: {
  tls?: boolean;
  ca?: string;
  insecure?: boolean;
}): TlsOption | undefined {
  const { tls, ca, insecure } = values;
  if (!tls) {
    if (ca !== undefined || insecure) {
      throw new UsageError(`${ca !== undefined ? '--ca' : '--insecure'} is for --tls: add --tls`);
    }
    return undefined;
  }
  if (ca !== undefined && insecure) {
    throw new UsageError('--ca and --insecure contradict each other: choose one');
  }
  if (insecure) return { rejectUnauthorized: false };
  if (ca === undefined) return true;
  try {
    return { ca: readFileSync(ca) };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : '';
    throw new CliError(`cannot read --ca ${ca}: ${why || (err as Error).message}`);
  }
}

/** The sentence for a server certificate this client did not trust; undefined for others. */
export function certificateSentence(
  err: unknown,
  host: string,
  port: number,
  tls: TlsOption | undefined,
): string | undefined {
  if (!(err instanceof NatterError)) return undefined;
  const problem = certificateProblem(err);
  if (!problem) return undefined;
  const start = `cannot connect to ${host}:${port} over TLS: ${problem}`;
  const skip = '--insecure to skip the check (for testing only)';
  const withCa = typeof tls === 'object' && tls.ca !== undefined;
  switch (err.code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return withCa
        ? `${start}, and it is not the one in --ca: pass the server's own certificate with --ca FILE, or ${skip}`
        : `${start}: pass the server's certificate with --ca FILE, or ${skip}`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `${start}: its operator must renew it; ${skip}`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `${start}: connect with --host set to a name the certificate holds, or ${skip}`;
    default:
      return withCa
        ? `${start} (not even by --ca): pass the certificate that signed it with --ca FILE, or ${skip}`
        : `${start}: pass the certificate that signed it with --ca FILE, or ${skip}`;
  }
}
