/** The lease check of the chaos run (rule 9.14), from the journals. */

/**
 * A membership that its node ended with 925: from its last 03, 120 or 130 (`since`: a room move
 * also sends the old room a 30) to the 925.
 */
export interface Session925 {
  who: string;
  nick: string;
  since: number;
  t925: number;
}

/**
 * The lease (rule 9.14): a node stops serving its members (925) before any other node can take
 * it for dead, so no member may still be served after the others were told it left. A 30 that
 * other clients got more than a second after the member entered its room (so not the 30 of an
 * earlier session or of a move) and clearly before its 925 means the cluster saw it gone while
 * its node still served it.
 */
export function checkLease(
  sessions: Session925[],
  departures: Map<string, { t: number; by: string }[]>,
  violations: string[],
  sec: (t: number) => string,
): void {
  for (const s of sessions) {
    const early = (departures.get(s.nick.toLowerCase()) ?? []).filter(
      (d) => d.by !== s.who && d.t > s.since + 1000 && d.t < s.t925 - 200,
    );
    if (early.length === 0) continue;
    violations.push(
      `lease: ${s.who} (${s.nick}) got 925 at ${sec(s.t925)} s, but ${early[0]!.by} was told ` +
        `it left (30) at ${sec(early[0]!.t)} s (in its room since ${sec(s.since)} s)`,
    );
  }
}
