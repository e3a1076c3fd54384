import { DEFAULT_CONFIG, type ServerConfig } from './options.js';

/**
 * What in a valid configuration works against itself, one sentence each (the server logs them at
 * start): a message within `maxMessageLength` characters must fit in a request of
 * `maxFrameBytes`, however its characters are written (up to 12 bytes each, as JSON escapes:
 * `\ud83d\ude00` for one emoji).
 */
export function configWarnings(config: ServerConfig): string[] {
  const warnings: string[] = [];
  const needed = 12 * config.maxMessageLength + 1024;
  if (config.maxFrameBytes < needed) {
    warnings.push(
      `a message of maxMessageLength (${config.maxMessageLength}) characters may not fit in a ` +
        `request of maxFrameBytes (${config.maxFrameBytes}) bytes, and its sender would be ` +
        `disconnected: raise --max-frame-bytes to ${needed} or lower --max-message-length to ` +
        `${Math.floor((config.maxFrameBytes - 1024) / 12)}`,
    );
  }
  // Options that do nothing as given: said, so that nobody believes they are in force.
  if (config.tlsPort !== DEFAULT_CONFIG.tlsPort && config.tlsCert === '') {
    warnings.push('--tls-port is set but TLS is off: give --tls-cert and --tls-key to serve TLS');
  }
  if (config.trustProxy.length > 0 && !config.http && !config.proxyProtocol) {
    warnings.push(
      '--trust-proxy is set but neither the HTTP listener nor --proxy-protocol is on: it does nothing',
    );
  }
  if (config.proxyProtocol && !config.tcp && config.tlsCert === '') {
    warnings.push(
      '--proxy-protocol is set but neither the chat port nor TLS is open: it does nothing',
    );
  }
  return warnings;
}
