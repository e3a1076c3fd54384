import tls from 'node:tls';

/**
 * The client's side of TLS (docs/protocol.md, rule 2.9): the socket to the chat port over TLS,
 * and what its certificate errors mean, in words.
 */

/** `true` (the system's CAs, the host name checked), or Node's `tls.connect` options. */
export type TlsOption = boolean | tls.ConnectionOptions;

/** The server's TLS chat port, unless told another. */
export const DEFAULT_TLS_PORT = 20827;

/** The options of `tls` as Node's (none for `true`). */
export function tlsOptions(option: TlsOption | undefined): tls.ConnectionOptions {
  return typeof option === 'object' ? option : {};
}

/**
 * A TLS socket to `host`:`port`, connecting; ready on `secureConnect` (the server's certificate
 * checked, unless `rejectUnauthorized: false`). The host name is the one its certificate must
 * name, and is sent as SNI, unless `servername` says otherwise.
 */
export function connectTls(host: string, port: number, option: TlsOption): tls.TLSSocket {
  const socket = tls.connect({ host, port, ...tlsOptions(option) });
  socket.setNoDelay(true);
  return socket;
}

/** Why the server's certificate was not trusted, from the error's code; undefined for others. */
export function certificateProblem(err: { code?: string; message?: string }): string | undefined {
  switch (err.code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return "the server's certificate is self-signed, so not trusted";
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return "the server's certificate is signed by a certificate authority this client does not trust";
    case 'CERT_HAS_EXPIRED':
      return "the server's certificate has expired";
    case 'CERT_NOT_YET_VALID':
      return "the server's certificate is not valid yet";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the server's certificate is for another name (${err.message ?? ''})`;
    default:
      return undefined;
  }
}

/** True when a TLS client met a server that does not speak TLS (a plain chat port). */
export function notTls(err: { code?: string; message?: string }): boolean {
  return (
    err.code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
    err.code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' ||
    /wrong version number|packet length too long/i.test(err.message ?? '')
  );
}
