/** A configuration mistake, reported to the user before the server starts. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
