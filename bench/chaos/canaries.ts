/**
 * The canary clients: raw NDJSON sockets (a raw socket shows every frame, which the journal
 * needs), each bound to one node. Active canaries chat a few times a second and sometimes
 * rename, join the side room and leave it; passive ones (one observer per node and room) only
 * listen and answer the consistency check's USERS. A disconnected client reconnects after a
 * short pause to its node once it is up. Every loop stops on `env.stopped()` and every request
 * waits at most {@link ANSWER_MS}.
 */
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Journal, type Frame } from './journal.js';

/** The room canaries move to and back from. */
export const SIDE_ROOM = 'side';
/** The default room of the nodes. */
export const LOBBY = 'lobby';
/**
 * A request without an answer for this long is a violation (rule 9.8 promises one within 2 s
 * even when Redis is cut off; a 500 ms proxy delay each way adds a second).
 */
export const ANSWER_MS = 10_000;

/** What a canary needs from the harness. */
export interface CanaryEnv {
  /** Node `i`'s port, or undefined while it is down. */
  port(node: number): number | undefined;
  rng(): number;
  /** While true, no membership changes (rename, join, leave): the consistency check runs. */
  frozen(): boolean;
  /** While true, no chats either: the run is draining. */
  quiet(): boolean;
  stopped(): boolean;
}

interface Pending {
  id: number;
  resolve: (f: Frame | undefined) => void;
  timer: NodeJS.Timeout;
}

/** One client of one node. */
export class Canary {
  readonly journal: Journal;
  nickname: string;
  /** The room it is in, while a member. */
  room: string | undefined;
  member = false;
  private conn = 0;
  private socket: net.Socket | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private chats = 0;
  private renames = 0;
  private done: Promise<void> | undefined;

  constructor(
    /** Stable name; also the prefix of its chat texts. */
    readonly who: string,
    readonly node: number,
    readonly passive: boolean,
    /** The room it connects into. */
    readonly home: string,
    private readonly env: CanaryEnv,
  ) {
    this.journal = new Journal(who);
    this.nickname = who;
  }

  /** Starts its loop; {@link finish} waits for it. */
  start(): void {
    this.done = this.loop();
  }

  /** Resolves when the loop ended (after `env.stopped()`, it sends EXIT and waits for the close). */
  finish(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    while (!this.env.stopped()) {
      const port = this.env.port(this.node);
      if (port === undefined) {
        await sleep(200);
        continue;
      }
      await this.session(port).catch(() => undefined);
      this.member = false;
      this.room = undefined;
      if (!this.env.stopped()) await sleep(200 + this.env.rng() * 400);
    }
  }

  /** One connection: CONNECT, then act until it closes or the run stops. */
  private async session(port: number): Promise<void> {
    const socket = await this.open(port);
    if (!socket) return;
    const f: Frame = { cmd: '0', nickname: this.nickname, caps: [] };
    if (this.home !== LOBBY) f.room = this.home;
    const answer = await this.request(f);
    if (answer?.cmd !== '03') {
      socket.destroy(); // 01 and 02 close anyway; after 923 we retry on a new connection
      return;
    }
    this.member = true;
    this.room = typeof answer.room === 'string' ? answer.room : this.home;
    while (this.member && !socket.destroyed && !this.env.stopped()) {
      await sleep(250 + this.env.rng() * 150); // about three requests a second
      if (this.passive || this.env.quiet() || !this.member) continue;
      await this.act();
    }
    if (this.member && !socket.destroyed) {
      this.send({ cmd: '3' });
      const closed = new Promise((resolve) => socket.once('close', resolve));
      await Promise.race([closed, sleep(5000)]);
    }
    socket.destroy();
  }

  /** One random request: mostly a chat, sometimes a membership change. */
  private async act(): Promise<void> {
    const r = this.env.rng();
    if (!this.env.frozen() && r < 0.03) {
      const newNickname = `${this.who}_${++this.renames}`;
      const answer = await this.request({ cmd: '5', newNickname });
      if (answer?.cmd === '51') this.nickname = newNickname;
    } else if (!this.env.frozen() && r < 0.05 && this.room === LOBBY) {
      const answer = await this.request({ cmd: '12', room: SIDE_ROOM });
      if (answer?.cmd === '120') this.room = String(answer.room);
    } else if (!this.env.frozen() && r < 0.07 && this.room !== LOBBY) {
      const answer = await this.request({ cmd: '13' });
      if (answer?.cmd === '130') this.room = String(answer.room);
    } else {
      await this.request({ cmd: '7', msg: `${this.who}#${++this.chats}` });
    }
  }

  /** USERS: the nicknames of its room, or undefined when not answered with `10`. */
  async users(): Promise<string[] | undefined> {
    if (!this.member || this.pending) return undefined;
    const answer = await this.request({ cmd: '1' });
    if (answer?.cmd !== '10' || !Array.isArray(answer.users)) return undefined;
    return (answer.users as unknown[][]).map((u) => String(u[0]));
  }

  private async open(port: number): Promise<net.Socket | undefined> {
    const conn = ++this.conn;
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      socket.once('connect', () => (clearTimeout(timer), resolve(true)));
      socket.once('error', () => (clearTimeout(timer), resolve(false)));
    });
    if (!ok) {
      socket.destroy();
      return undefined;
    }
    this.socket = socket;
    this.journal.add({ k: 'open', conn, node: this.node });
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) this.receive(conn, line);
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      // A frame cut short at the end of the stream is dropped (rule 3.4).
      this.journal.add({ k: 'close', conn, why: buffer ? 'partial frame' : '' });
      this.member = false;
      this.answer(undefined);
    });
    return socket;
  }

  private receive(conn: number, line: string): void {
    let f: Frame;
    try {
      f = JSON.parse(line) as Frame;
    } catch {
      f = { cmd: 'undecodable', line };
    }
    this.journal.add({ k: 'in', conn, f });
    if (f.cmd === '925' || f.cmd === '924' || f.cmd === '912') this.member = false;
    if (this.pending && f.id === this.pending.id) this.answer(f);
  }

  private answer(f: Frame | undefined): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(f);
  }

  private send(f: Frame): void {
    this.journal.add({ k: 'out', conn: this.conn, f });
    this.socket?.write(JSON.stringify(f) + '\n');
  }

  /** Sends a request with a fresh id and waits for its answer; undefined if the connection ends. */
  private request(f: Frame): Promise<Frame | undefined> {
    const socket = this.socket;
    if (!socket || socket.destroyed) return Promise.resolve(undefined);
    const id = this.nextId++;
    const frame = { ...f, id };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.journal.add({ k: 'timeout', conn: this.conn, f: frame });
        this.answer(undefined);
        socket.destroy();
      }, ANSWER_MS);
      this.pending = { id, resolve, timer };
      this.send(frame);
    });
  }
}
