/**
 * The message checks, made after the run from the journals alone: delivery of acknowledged
 * chats, one order per room, no duplicates, no echo, nothing delivered that was refused, no chat
 * from a member after its announced departure, no nickname held for too long, no request left
 * unanswered. Each violation names the clients, the frames and the times (seconds of the run).
 */
import { show, type Frame, type Journal } from './journal.js';
import { checkLease, type Session925 } from './lease.js';
import { checkOrder } from './order.js';

/** A member must have stayed this long after a chat's ack to be owed it (delivery latency). */
export const STAY_MS = 3000;
/** A client refused with `01` for longer than this holds a nickname that should be free. */
export const NICK_TAKEN_MS = 10_000;
/** A 73 this long after a chat's ack still excuses its loss. */
export const GAP_WINDOW_MS = 10_000;

/** One stretch of one connection of one client in one room. */
interface Interval {
  who: string;
  conn: number;
  room: string;
  start: number;
  end: number;
  got: Map<string, number>;
  gaps: number[];
  /** Whether it ended with CLUSTER_UNREACHABLE 925, the explicit "you may have missed some". */
  by925: boolean;
}

/** A chat a client sent, and what became of it. */
interface Chat {
  who: string;
  msg: string;
  room: string;
  sent: number;
  ack?: number;
  refused?: boolean;
}

/** The figures and violations found in the journals. */
export interface Findings {
  violations: string[];
  chatsSent: number;
  chatsAcked: number;
  chatsRefused: number;
  deliveriesChecked: number;
  deliveriesByGap: number;
  deliveriesBy925: number;
  /** A sample of the excused deliveries, to judge whether the excuses are sound. */
  excused: string[];
  gapEvents: number;
  connects: number;
  reconnects: number;
  unreachable925: number;
  /** 925s within a second of the member's 03: admitted while the node's lease had run out. */
  quick925: number;
  errors: Record<string, number>;
}

const key = (s: unknown) => String(s).toLowerCase();

/** Checks every journal; `t0` is the run's start (times are reported from it), `end` its end. */
export function analyse(journals: Journal[], t0: number, end: number): Findings {
  const sec = (t: number) => ((t - t0) / 1000).toFixed(2);
  const violations: string[] = [];
  const f: Findings = {
    violations,
    chatsSent: 0,
    chatsAcked: 0,
    chatsRefused: 0,
    deliveriesChecked: 0,
    deliveriesByGap: 0,
    deliveriesBy925: 0,
    excused: [],
    gapEvents: 0,
    connects: 0,
    reconnects: 0,
    unreachable925: 0,
    quick925: 0,
    errors: {},
  };
  const chats = new Map<string, Chat>();
  const intervals: Interval[] = [];
  /** Per room, the chat texts in the order each interval received them. */
  const orders = new Map<string, { label: string; list: string[] }[]>();
  /** Member sessions that ended with 925, and who received which 30 when. */
  const sessions: Session925[] = [];
  const departures = new Map<string, { t: number; by: string }[]>();

  for (const journal of journals) {
    const who = journal.who;
    let current: Interval | undefined;
    let order: string[] = [];
    let gone = new Set<string>();
    let room: string | undefined;
    let takenSince: number | undefined;
    let nick = who;
    let since = 0;
    let connected = 0;
    const pendingChats = new Map<unknown, Chat>();
    const close = (t: number) => {
      if (!current) return;
      current.end = t;
      current = undefined;
    };
    const open = (t: number, conn: number, r: string) => {
      close(t);
      room = key(r);
      since = t;
      current = { who, conn, room, start: t, end: end, got: new Map(), gaps: [], by925: false };
      intervals.push(current);
      order = [];
      if (!orders.has(room)) orders.set(room, []);
      orders.get(room)!.push({ label: `${who}/conn ${conn}`, list: order });
      gone = new Set();
    };
    for (const e of journal.entries) {
      if (e.k === 'open') {
        close(e.t);
        room = undefined;
      } else if (e.k === 'close') {
        close(e.t);
        room = undefined;
      } else if (e.k === 'timeout') {
        violations.push(
          `unanswered: ${who} got no answer to ${show(e.f)} (sent ${sec(e.t - 10_000)} s)`,
        );
      } else if (e.k === 'out') {
        if (e.f.cmd === '7' && room) {
          const chat: Chat = { who, msg: String(e.f.msg), room, sent: e.t };
          chats.set(chat.msg, chat);
          pendingChats.set(e.f.id, chat);
          f.chatsSent++;
        } else if (e.f.cmd === '3')
          close(e.t); // its departure may be announced from now on
        else if (e.f.cmd === '0') nick = String(e.f.nickname);
      } else {
        const m: Frame = e.f;
        const cmd = String(m.cmd);
        if (/^9\d\d$/.test(cmd)) f.errors[cmd] = (f.errors[cmd] ?? 0) + 1;
        if (cmd === '03') {
          f.connects++;
          if (takenSince !== undefined && e.t - takenSince > NICK_TAKEN_MS)
            violations.push(
              `nickname held: ${who} was refused 01 from ${sec(takenSince)} s to ${sec(e.t)} s`,
            );
          takenSince = undefined;
          connected = e.t;
          open(e.t, e.conn, typeof m.room === 'string' ? m.room : 'lobby');
        } else if (cmd === '01') {
          takenSince ??= e.t;
        } else if (cmd === '120' || cmd === '130') {
          open(e.t, e.conn, String(m.room));
        } else if (cmd === '71') {
          const chat = pendingChats.get(m.id);
          if (chat) chat.ack = e.t;
          pendingChats.delete(m.id);
        } else if (cmd === '923' && pendingChats.has(m.id)) {
          pendingChats.get(m.id)!.refused = true;
          pendingChats.delete(m.id);
        } else if (cmd === '925') {
          f.unreachable925++;
          if (current) {
            current.by925 = true;
            sessions.push({ who, nick, since, t925: e.t });
            if (e.t - connected < 1000) f.quick925++;
          }
          close(e.t); // told: what it misses from here on is not owed to it
        } else if (cmd === '73') {
          f.gapEvents++;
          if (current && key(m.room) === current.room) {
            current.gaps.push(e.t);
            // The gap may have held anyone's 8: who is back is unknown until they speak.
            gone.clear();
          }
        } else if (cmd === '51') {
          nick = String(m.newNickname);
        } else if (cmd === '30') {
          gone.add(key(m.nickname));
          const list = departures.get(key(m.nickname)) ?? [];
          departures.set(key(m.nickname), list);
          list.push({ t: e.t, by: who });
        } else if (cmd === '8') {
          gone.delete(key(m.nickname));
        } else if (cmd === '52') {
          gone.add(key(m.nickname));
          gone.delete(key(m.newNickname));
        } else if (cmd === '70') {
          const msg = String(m.msg);
          const where = `${who} (conn ${e.conn}) at ${sec(e.t)} s`;
          if (!current) {
            violations.push(`chat outside a room: ${where} got ${show(m)}`);
            continue;
          }
          if (msg.startsWith(`${who}#`)) violations.push(`echo: ${where} got its own ${show(m)}`);
          if (gone.has(key(m.from)))
            violations.push(
              `stale member: ${where} got ${show(m)} after a 30/52 for ${String(m.from)}`,
            );
          const n = (current.got.get(msg) ?? 0) + 1;
          current.got.set(msg, n);
          if (n === 2) violations.push(`duplicate: ${where} got ${show(m)} twice`);
          order.push(msg);
        }
      }
    }
    if (takenSince !== undefined && end - takenSince > NICK_TAKEN_MS)
      violations.push(`nickname held: ${who} refused 01 from ${sec(takenSince)} s to the end`);
    f.reconnects += Math.max(0, journal.entries.filter((e) => e.k === 'open').length - 1);
  }

  for (const chat of chats.values()) {
    if (chat.ack !== undefined) f.chatsAcked++;
    if (chat.refused) f.chatsRefused++;
  }
  checkDelivery(chats, intervals, f, sec);
  for (const [room, lists] of orders)
    checkOrder(room, lists, (msg) => chats.get(msg)?.ack === undefined, violations);
  checkLease(sessions, departures, violations, sec);
  return f;
}

/** Every acknowledged chat reached, once, every member that stayed, or that member got a 73. */
function checkDelivery(
  chats: Map<string, Chat>,
  intervals: Interval[],
  f: Findings,
  sec: (t: number) => string,
): void {
  const byRoom = new Map<string, Interval[]>();
  for (const i of intervals) {
    if (!byRoom.has(i.room)) byRoom.set(i.room, []);
    byRoom.get(i.room)!.push(i);
    for (const msg of i.got.keys()) {
      const chat = chats.get(msg);
      if (chat?.refused)
        f.violations.push(`refused chat delivered: ${msg} (923 to its sender) reached ${i.who}`);
      else if (chat && chat.room !== i.room)
        f.violations.push(`wrong room: ${msg} sent in ${chat.room} reached ${i.who} in ${i.room}`);
    }
  }
  for (const chat of chats.values()) {
    const ack = chat.ack;
    if (ack === undefined) continue;
    for (const i of byRoom.get(chat.room) ?? []) {
      if (i.who === chat.who || i.start > chat.sent || i.end < ack + STAY_MS) continue;
      f.deliveriesChecked++;
      if (i.got.has(chat.msg)) continue;
      // A gap event covers the chat when it came while the chat could have been missed: from
      // just before it was sent until well after its ack (a subscription comes back within
      // seconds, or the node loses its lease and sends 925).
      if (i.gaps.some((t) => t >= chat.sent - 500 && t <= ack + GAP_WINDOW_MS)) {
        f.deliveriesByGap++;
        continue;
      }
      if (i.by925) {
        f.deliveriesBy925++;
        if (f.excused.length < 10)
          f.excused.push(
            `${chat.msg} (sent ${sec(chat.sent)} s, acked ${sec(ack)} s) not received by ` +
              `${i.who} (conn ${i.conn}), which got 925 and was closed at ${sec(i.end)} s`,
          );
        continue;
      }
      f.violations.push(
        `lost: ${chat.msg} (sent ${sec(chat.sent)} s, acked ${sec(ack)} s, room ${chat.room}) ` +
          `never reached ${i.who} (conn ${i.conn}, in the room ${sec(i.start)}-${sec(i.end)} s), no 73`,
      );
    }
  }
}
