import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { connect, NatterError, type ChatClient, type ChatEvent } from '../client/index.js';
import type { TlsOption } from '../client/tls-socket.js';
import { CHAT_COMMANDS, commandList, runLine, type Output } from './chat-commands.js';
import { formatEvent, notice, PLAIN, type Style } from './chat-format.js';
import { certificateSentence, tlsOf } from './chat-tls.js';
import { UsageError } from './usage.js';

export { formatEvent, printable } from './chat-format.js';
export { CHAT_COMMANDS, runLine } from './chat-commands.js';

export const CHAT_USAGE = `Usage: natter chat --nick NAME [--host HOST] [--port PORT] [--room ROOM]
                   [--tls [--ca FILE | --insecure]]
                   [--timestamps minutes|seconds|none] [--[no-]reconnect]

Joins a chat server. --tls connects to its TLS chat port (20827 unless --port says otherwise),
trusting the system's certificate authorities, or the certificates in --ca FILE (PEM), or, with
--insecure, any certificate at all (for testing only: anyone in between could read along).

Type a line to chat; commands start with a backslash (or a slash):
`;

/** Closes the server decided on because of what this user did: reconnecting would not help. */
const FINAL_CODES = new Set(['902', '911', '917', '924']);
/** Refusals that come back the same however often one asks; given up on after a few. */
const LASTING_REFUSALS = new Set(['01', '909', '910']);
const LASTING_TRIES = 5;
/** Waits between reconnection attempts, in milliseconds; the last repeats. */
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];

interface ChatOptions {
  host: string;
  port: number;
  /** TLS, and what it trusts; undefined for plain TCP. */
  tls: TlsOption | undefined;
  nickname: string;
  room: string | undefined;
  reconnect: boolean;
  style: Style;
}

/**
 * `natter chat`: an interactive client (readline) when stdin is a terminal, a line-by-line
 * script runner when it is a pipe: each line runs after the previous one was answered, and the
 * end of input is an `\exit`. In a terminal it reconnects when the connection drops.
 * @returns the process exit code
 */
export async function chat(args: string[]): Promise<number> {
  const options = parseChatArgs(args);
  if (!options) {
    process.stdout.write(CHAT_USAGE + commandList() + '\n');
    return 0;
  }
  const { host, port } = options;
  let client: ChatClient;
  try {
    client = await join(options);
  } catch (err) {
    process.stderr.write(`natter: ${describeJoinError(err, options)}\n`);
    return 1;
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const known = new Set<string>();
  const rl = readline.createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
    completer: (line: string) => complete(line, known),
  });
  const print = interactive
    ? (text: string) => {
        readline.clearLine(process.stdout, 0);
        readline.cursorTo(process.stdout, 0);
        process.stdout.write(text + '\n');
        rl.prompt(true);
      }
    : (text: string) => process.stdout.write(text + '\n');
  const out: Output = { notice: (text) => print(notice(options.style, text)), line: print };
  const setPrompt = () => rl.setPrompt(`[${client.room ?? 'chat'}] ${client.nickname}> `);

  /** The nicknames Tab offers: the members of the client's room, now. */
  const learnRoom = (joined: ChatClient) => {
    known.clear();
    void joined.users().then(
      (list) => list.forEach((u) => known.add(u.nickname)),
      () => undefined,
    );
  };
  /** Takes a joined client into use: its events printed, its room's nicknames known. */
  const attach = (joined: ChatClient) => {
    client = joined;
    options.style.self = () => client.nickname;
    joined.on('event', (event: ChatEvent) => {
      track(known, event);
      // A fatal error closes the connection, and the close is told with it, once.
      if (event.type === 'serverError' && event.error.response?.fatal === true) return;
      print(formatEvent(event, options.style));
    });
    learnRoom(joined);
    setPrompt();
  };
  attach(client);
  const where = client.room ? ` in ${client.room}` : '';
  const over = options.tls ? ' over TLS' : '';
  out.notice(
    `* connected to ${host}:${port}${over} as ${client.nickname}${where}; \\help lists commands`,
  );

  let exitCode = 0;
  let leaving = false;
  let connected = true;
  /** Aborts a reconnection under way when the user leaves. */
  const giveUp = new AbortController();
  /** Watches the connection: on a drop, tells why, and reconnects or ends the session. */
  const watch = async (): Promise<void> => {
    for (;;) {
      const reason = await client.closed();
      if (leaving) return;
      connected = false;
      if (!reason) return void out.notice('* disconnected');
      out.notice(`! disconnected: ${reason.message}`);
      if (!options.reconnect || FINAL_CODES.has(reason.code)) {
        exitCode = 1;
        rl.close();
        return;
      }
      // Back as who and where the user was last.
      options.nickname = client.nickname;
      options.room = client.room ?? options.room;
      const again = await reconnect(options, out, giveUp.signal);
      if (!again || leaving) {
        again?.destroy();
        if (!leaving) {
          exitCode = 1;
          rl.close();
        }
        return;
      }
      attach(again);
      connected = true;
      out.notice(`* reconnected as ${again.nickname}${again.room ? ` in ${again.room}` : ''}`);
    }
  };
  const watching = watch();

  if (interactive) rl.prompt();
  for await (const line of rl) {
    if (!connected) {
      if (/^[\\/](exit|quit)\b/.test(line)) break;
      out.notice('! not connected (reconnecting; \\exit to give up)');
      continue;
    }
    const room = client.room;
    const keepGoing = await runLine(client, line, out);
    if (!keepGoing) break;
    // Moved (\join, \leave): Tab offers the new room's members.
    if (client.room !== room) learnRoom(client);
    if (interactive) {
      setPrompt();
      rl.prompt();
    }
  }
  leaving = true;
  giveUp.abort();
  rl.close();
  if (connected) await client.exit().catch(() => undefined);
  else client.destroy();
  await Promise.race([watching, sleep(100)]);
  return exitCode;
}

/** The options, or undefined for --help; throws {@link UsageError}. */
function parseChatArgs(args: string[]): ChatOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        nick: { type: 'string', short: 'n' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        room: { type: 'string' },
        tls: { type: 'boolean' },
        ca: { type: 'string' },
        insecure: { type: 'boolean' },
        timestamps: { type: 'string' },
        reconnect: { type: 'boolean' },
        'no-reconnect': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  if (!values.nick) throw new UsageError('--nick NAME is required');
  const tls = tlsOf(values);
  const port = values.port === undefined ? (tls ? 20827 : 20825) : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--port must be a number from 1 to 65535, got ${values.port}`);
  }
  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const stamps = values.timestamps ?? (terminal ? 'minutes' : 'none');
  if (stamps !== 'minutes' && stamps !== 'seconds' && stamps !== 'none') {
    throw new UsageError(`--timestamps must be minutes, seconds or none, got ${stamps}`);
  }
  // Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return {
    host: values.host ?? 'localhost',
    port,
    tls,
    nickname: values.nick,
    room: values.room,
    reconnect: values['no-reconnect'] ? false : (values.reconnect ?? terminal),
    style: { ...PLAIN, timestamps: stamps, color },
  };
}

function join(options: ChatOptions): Promise<ChatClient> {
  const { host, port, tls, nickname, room } = options;
  return connect({ host, port, nickname, ...(room ? { room } : {}), ...(tls ? { tls } : {}) });
}

/**
 * Tries to join again with the same nickname, in the room it was in, waiting longer after each
 * failure (with some jitter, so that the clients of a restarted server do not all come back at
 * once); resolves with the client, or undefined once the user gives up (`signal`) or the server
 * keeps refusing the same way.
 */
async function reconnect(
  options: ChatOptions,
  out: Output,
  signal: AbortSignal,
): Promise<ChatClient | undefined> {
  let lasting = 0;
  for (let attempt = 0; !signal.aborted; attempt++) {
    const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
    out.notice(`* reconnecting in ${wait / 1000} s`);
    try {
      await sleep(wait * (0.75 + Math.random() / 2), undefined, { signal });
    } catch {
      return undefined; // the user left
    }
    try {
      return await join(options);
    } catch (err) {
      out.notice(`! ${describeJoinError(err, options)}`);
      const code = err instanceof NatterError ? err.code : '';
      lasting = LASTING_REFUSALS.has(code) ? lasting + 1 : 0;
      if (lasting >= LASTING_TRIES) {
        out.notice('! giving up: the server keeps refusing');
        return undefined;
      }
    }
  }
  return undefined;
}

/** Keeps the nicknames of the room for Tab completion. */
function track(known: Set<string>, event: ChatEvent): void {
  if (event.type === 'join') known.add(event.nickname);
  else if (event.type === 'leave' || event.type === 'move') known.delete(event.nickname);
  else if (event.type === 'rename') {
    known.delete(event.nickname);
    known.add(event.newNickname);
  } else if (event.type === 'chat' || event.type === 'whisper') known.add(event.from);
}

/** Tab: a command after a leading \ or /, else a nickname for the word being typed. */
function complete(line: string, known: Set<string>): [string[], string] {
  const word = line.slice(line.lastIndexOf(' ') + 1);
  if (word === line && /^[\\/]/.test(line)) {
    const names = CHAT_COMMANDS.map(([cmd]) => line.charAt(0) + cmd.slice(1).split(' ', 1)[0]!);
    return [names.filter((name) => name.startsWith(line)), line];
  }
  const lower = word.toLowerCase();
  const hits = [...known].filter((nick) => nick.toLowerCase().startsWith(lower)).sort();
  return [hits, word];
}

function describeJoinError(err: unknown, options: ChatOptions): string {
  if (!(err instanceof NatterError)) return String(err);
  const untrusted = certificateSentence(err, options.host, options.port, options.tls);
  if (untrusted) return untrusted;
  switch (err.code) {
    case '01':
      return `the nickname "${options.nickname}" is already taken; choose another with --nick`;
    case '02':
      return 'the chat room is full; try again later';
    default:
      return err.message;
  }
}
