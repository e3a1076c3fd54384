/**
 * Counts the server keeps for its metrics: requests by command and errors by code. A count is
 * one map update, on paths that already encode a frame; the metrics read them when scraped.
 */
export class Counters {
  /** Requests carried out or refused, by command name (`unknown` for an unknown `cmd`). */
  readonly requests = new Map<string, number>();
  /** Error answers sent, by error name (flood refusals and slow-consumer cut-offs among them). */
  readonly errors = new Map<string, number>();

  request(command: string): void {
    this.requests.set(command, (this.requests.get(command) ?? 0) + 1);
  }

  error(name: string): void {
    this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
  }
}
