/** The order check of the chaos run: one order per room, whoever received the chats. */

/**
 * One order per room: the "came right before" pairs of every receiver's sequence must form no
 * cycle, i.e. one order of the room's chats agrees with every receiver (rules 8.3, 9.4). Pushes
 * a violation naming one cycle; `unacked` tells which chats were never acknowledged.
 */
export function checkOrder(
  room: string,
  lists: { label: string; list: string[] }[],
  unacked: (msg: string) => boolean,
  out: string[],
): void {
  const next = new Map<string, Set<string>>();
  const indegree = new Map<string, number>();
  const witness = new Map<string, string>(); // edge "a b" -> a receiver that saw it
  for (const { label, list } of lists) {
    for (const msg of list) if (!indegree.has(msg)) indegree.set(msg, 0);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1]!;
      const b = list[i]!;
      if (a === b) continue;
      if (!next.has(a)) next.set(a, new Set());
      if (next.get(a)!.has(b)) continue;
      next.get(a)!.add(b);
      witness.set(`${a} ${b}`, label);
      indegree.set(b, indegree.get(b)! + 1);
    }
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([m]) => m);
  let seen = 0;
  while (ready.length) {
    const m = ready.pop()!;
    seen++;
    for (const b of next.get(m) ?? []) {
      indegree.set(b, indegree.get(b)! - 1);
      if (indegree.get(b) === 0) ready.push(b);
    }
  }
  if (seen === indegree.size) return;
  // Walk the leftover graph until a message repeats: that is one cycle to show.
  const left = new Set([...indegree].filter(([, d]) => d > 0).map(([m]) => m));
  let m = [...left][0]!;
  const path: string[] = [];
  while (!path.includes(m)) {
    path.push(m);
    m = [...(next.get(m) ?? [])].find((b) => left.has(b))!;
  }
  const cycle = [...path.slice(path.indexOf(m)), m];
  const steps = cycle
    .slice(1)
    .map((b, i) => `${cycle[i]}->${b} (seen by ${witness.get(`${cycle[i]} ${b}`)})`);
  out.push(
    `order: room ${room}: receivers disagree on the order of ${left.size} chats; a cycle: ${steps.join(', ')}` +
      ` (unacked among them: ${cycle.filter(unacked).join(' ') || 'none'})`,
  );
}
