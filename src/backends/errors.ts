/**
 * Shared storage cannot be reached (a cluster whose Redis is down): the request was not carried
 * out, and the client is told so (BACKEND_UNAVAILABLE). Any backend may throw it.
 */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

/**
 * A change reached shared storage, but its answer never came back (the connection reset or
 * timed out after the command was sent): it may or may not have been made. The node cannot tell
 * the client either way, so it ends the member's session and releases it, which undoes whatever
 * part of the change was made (docs/protocol.md, rule 9.14). A read that fails this way is just
 * unavailable.
 */
export class OutcomeUnknownError extends BackendUnavailableError {
  override name = 'OutcomeUnknownError';
}

/**
 * Storage this server must own cannot be used: its data directory is held by another server,
 * say. The server does not start.
 */
export class StorageUnusableError extends Error {
  override name = 'StorageUnusableError';
}

/**
 * A store refused to keep something at once (a chat of history, say): nothing was done, and the
 * client is told so (HISTORY_UNAVAILABLE for a chat).
 */
export class StoreFailedError extends Error {
  override name = 'StoreFailedError';
}
