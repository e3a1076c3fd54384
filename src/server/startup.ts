import { formatAddress } from '../addresses.js';
import type { ServerConfig } from '../config/options.js';
import { configWarnings } from '../config/warnings.js';
import type { Logger } from './logger.js';

/** An address and port a listener listens on. */
type At = { readonly address: string; readonly port: number };

/** What a server says when it starts. */
export interface StartInfo {
  /** The plain chat port's addresses (none when it is off). */
  readonly addresses: readonly At[];
  /** The TLS chat port's addresses (none without a certificate). */
  readonly tlsAddresses?: readonly At[];
  /** The certificate, when there is one: the HTTP listener serves HTTPS and WSS. */
  readonly certificates?:
    { describe(): string; validityProblem(now: number): string | undefined } | undefined;
  /** The HTTP listener's address, when there is one. */
  readonly web?: { readonly address: string; readonly port: number } | undefined;
  readonly nodeId: string;
  /** `redis` set: a node of a cluster. */
  readonly config: ServerConfig;
  /** Why the server is exposed, if it is (Admission.loopbackExemptionWarning). */
  readonly exposed?: string | undefined;
  /** Why the native fan-out is not used, when it was wanted and is not built. */
  readonly withoutFanout?: string | undefined;
  /** Where history is kept, when that is worth saying (a data directory, Redis). */
  readonly history?: string | undefined;
}

/**
 * The start lines: every listening address with the process id (shown at every log level but
 * `silent`, since an operator needs the port and the pid), the cluster this node is part of, and
 * what is wrong.
 */
export function logStart(logger: Logger, info: StartInfo): void {
  for (const { address, port } of info.addresses) {
    logger.notice(`Natter is listening on ${formatAddress(address, port)} (pid ${process.pid})`);
  }
  for (const { address, port } of info.tlsAddresses ?? []) {
    const at = formatAddress(address, port);
    logger.notice(`Natter is listening with TLS on ${at} (pid ${process.pid})`);
  }
  const { certificates } = info;
  if (info.web) {
    const at = formatAddress(info.web.address, info.web.port);
    const s = certificates ? 's' : '';
    logger.notice(
      `Web client at http${s}://${at}/ (WebSocket at ws${s}://${at}/ws, health at /healthz, ` +
        'metrics at /metrics)',
    );
  }
  if (certificates) {
    logger.info(`TLS certificate: ${certificates.describe()}`);
    const problem = certificates.validityProblem(Date.now());
    if (problem) logger.warn(problem);
  }
  const { redis, redisPrefix } = info.config;
  if (redis !== '') {
    // Host and port only: the URL may hold a password.
    const { protocol, host } = new URL(redis);
    logger.notice(
      `cluster mode: node ${info.nodeId}, Redis at ${protocol}//${host}, key prefix "${redisPrefix}"`,
    );
  }
  if (info.history) logger.info(info.history);
  if (info.exposed) logger.warn(info.exposed);
  for (const warning of configWarnings(info.config)) logger.warn(warning);
  if (info.withoutFanout)
    logger.info(`room fan-out without the native addon: ${info.withoutFanout}`);
}
