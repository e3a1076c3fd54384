import { formatAddress } from '../addresses.js';
import type { ServerConfig } from '../config/options.js';
import { configWarnings } from '../config/resolve.js';
import type { Logger } from './logger.js';

/** What a server says when it starts. */
export interface StartInfo {
  readonly addresses: readonly { readonly address: string; readonly port: number }[];
  /** The HTTP listener's address, when there is one. */
  readonly web?: { readonly address: string; readonly port: number } | undefined;
  readonly nodeId: string;
  /** `redis` set: a node of a cluster. */
  readonly config: ServerConfig;
  /** Why the server is exposed, if it is (Admission.loopbackExemptionWarning). */
  readonly exposed?: string | undefined;
  /** Why the native fan-out is not used, when it was wanted and is not built. */
  readonly withoutFanout?: string | undefined;
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
  if (info.web) {
    const at = formatAddress(info.web.address, info.web.port);
    logger.notice(
      `Web client at http://${at}/ (WebSocket at ws://${at}/ws, health at /healthz, ` +
        'metrics at /metrics)',
    );
  }
  const { redis, redisPrefix } = info.config;
  if (redis !== '') {
    // Host and port only: the URL may hold a password.
    const { protocol, host } = new URL(redis);
    logger.notice(
      `cluster mode: node ${info.nodeId}, Redis at ${protocol}//${host}, key prefix "${redisPrefix}"`,
    );
  }
  if (info.exposed) logger.warn(info.exposed);
  for (const warning of configWarnings(info.config)) logger.warn(warning);
  if (info.withoutFanout)
    logger.info(`room fan-out without the native addon: ${info.withoutFanout}`);
}
