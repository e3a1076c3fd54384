/**
 * Shared storage cannot be reached (a cluster whose Redis is down): the request was not carried
 * out, and the client is told so (BACKEND_UNAVAILABLE). Any backend may throw it.
 */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}
