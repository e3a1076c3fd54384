import type { ChatServer } from '../chat-server.js';
import type { ServerConfig } from '../config/options.js';

/**
 * SIGHUP for `natter serve`: reads the configuration again from where it came from (the file,
 * the variables, the flags, the banned-words file) and takes what may change while running:
 * the TLS certificate, the operators and the banned phrases. A configuration that no longer
 * reads is logged and the running one kept.
 * @param read resolves the configuration as at the start; throws a ConfigError
 */
export function reloadOnHangup(server: ChatServer, read: () => ServerConfig): void {
  const { logger } = server;
  let config: ServerConfig;
  try {
    config = read();
  } catch (err) {
    logger.error(
      `SIGHUP: the configuration cannot be read, keeping the running one: ${String((err as Error).message)}`,
    );
    return;
  }
  const taken = ['operators', 'banned phrases'];
  if (server.config.tlsCert !== '') {
    server.reloadCertificates();
    taken.unshift('the TLS certificate');
  }
  try {
    server.reload(config);
  } catch (err) {
    logger.error(`SIGHUP: could not take the new configuration: ${String((err as Error).message)}`);
    return;
  }
  logger.info(`SIGHUP received: reloaded ${taken.join(', ')}.`);
}
