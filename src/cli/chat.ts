import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { connect, NatterError, type ChatClient, type ChatEvent } from '../client/index.js';
import type { TlsOption } from '../client/tls-socket.js';
import { CHAT_COMMANDS, commandList, runLine, type Output } from './chat-commands.js';
import { formatEvent, formatHistory, notice, PLAIN, type Style } from './chat-format.js';
import { RoomView } from './chat-history.js';
import { MODERATION_COMMANDS } from './chat-moderation.js';
import { askHidden, nextLine } from './chat-password.js';
import { certificateSentence, tlsOf } from './chat-tls.js';
import { moderationLine } from './moderation-format.js';
import type { TerminalInput } from './password-input.js';
import { UsageError } from './usage.js';

export { formatEvent, printable } from './chat-format.js';
export { CHAT_COMMANDS, runLine } from './chat-commands.js';

export const CHAT_USAGE = `Usage: natter chat --nick NAME [--host HOST] [--port PORT] [--room ROOM]
                   [--tls [--ca FILE | --insecure]]
                   [--timestamps minutes|seconds|none] [--[no-]reconnect]

Joins a chat server. --tls connects to its TLS chat port (20827 unless --port says otherwise),
trusting the system's certificate authorities, or the certificates in --ca FILE (PEM), or, with
--insecure, any certificate at all (for testing only: anyone in between could read along).

On joining, and on coming into a room, the room's last messages are shown, dimmed. After a
lost connection the client reconnects by itself (in a terminal, or with --reconnect), shows
what was said meanwhile (dimmed, as history), and sends what you typed that had not gone
through, once.

Type a line to chat; commands start with a backslash (or a slash):
`;

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
  // Taken now: lines read while the room's last messages are fetched wait in it.
  const lines = rl[Symbol.asyncIterator]();
  /** While a password is typed, what would be printed waits, so as not to redraw the prompt. */
  let held: string[] | undefined;
  const print = interactive
    ? (text: string) => {
        if (held) return void held.push(text);
        readline.clearLine(process.stdout, 0);
        readline.cursorTo(process.stdout, 0);
        process.stdout.write(text + '\n');
        rl.prompt(true);
      }
    : (text: string) => process.stdout.write(text + '\n');
  const out: Output = {
    notice: (text) => print(notice(options.style, text)),
    line: print,
    history: (messages) => messages.forEach((m) => print(formatHistory(m, options.style))),
    password: async (prompt) => {
      if (!process.stdin.isTTY) return nextLine(lines);
      // On a terminal, hidden; the prompt goes where the user sees it even when stdout does not.
      const shown = interactive ? process.stdout : process.stderr;
      held = [];
      try {
        const input = process.stdin as TerminalInput;
        return await askHidden(rl, input, shown, prompt, interactive);
      } finally {
        const waiting = held;
        held = undefined;
        waiting.forEach(print);
      }
    },
  };
  const setPrompt = () => rl.setPrompt(`[${client.room ?? 'chat'}] ${client.nickname}> `);

  /** The nicknames Tab offers: the members of the client's room, now. */
  const learnRoom = () => {
    known.clear();
    void client.users().then(
      (list) => list.forEach((u) => known.add(u.nickname)),
      () => undefined,
    );
  };
  options.style.self = () => client.nickname;
  /** The connection was lost and the client is getting it back. */
  let away = false;
  const view = new RoomView(out, (event) => {
    // A fatal error closes the connection, and the close is told with it, once.
    if (event.type === 'serverError' && event.error.response?.fatal === true) return;
    print(formatEvent(event, options.style));
  });
  client.on('event', (event: ChatEvent) => {
    track(known, event);
    if (event.type === 'reconnecting') away = true;
    else if (event.type === 'reconnected') {
      away = false;
      learnRoom();
      setPrompt();
    }
    view.event(event);
  });
  learnRoom();
  setPrompt();
  const where = client.room ? ` in ${client.room}` : '';
  const over = options.tls ? ' over TLS' : '';
  out.notice(
    `* connected to ${host}:${port}${over} as ${client.nickname}${where}; \\help lists commands`,
  );
  await view.enter(client);

  let exitCode = 0;
  let leaving = false;
  /** Once the client has closed for good (it reconnects by itself until then): why, and the end. */
  const watching = client.closed().then((reason) => {
    if (leaving) return;
    if (!reason) return void out.notice('* disconnected');
    // Kicked or banned: said as such (who, why, until when), not as a lost connection.
    const told = moderationLine(reason);
    out.notice(
      away
        ? `! giving up: ${describeJoinError(reason, options)}`
        : (told ?? `! disconnected: ${reason.message}`),
    );
    exitCode = 1;
    rl.close();
  });

  if (interactive) rl.prompt();
  for await (const line of lines) {
    // Away, a chat waits for the connection to come back, but the prompt does not wait for it.
    if (away && interactive && line !== '' && !/^[\\/](?![\\/])/.test(line)) {
      out.notice('* not connected: this goes once the connection is back');
      void runLine(client, line, out, view);
      continue;
    }
    const room = client.room;
    const keepGoing = await runLine(client, line, out, view);
    if (!keepGoing) break;
    // Moved (\join, \leave): the new room's last messages, and Tab offers its members.
    if (client.room !== room) {
      learnRoom();
      await view.enter(client);
    }
    if (interactive) {
      setPrompt();
      rl.prompt();
    }
  }
  leaving = true;
  rl.close();
  await client.exit().catch(() => undefined);
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
  const { host, port, tls, nickname, room, reconnect } = options;
  return connect({
    host,
    port,
    nickname,
    reconnect,
    ...(room ? { room } : {}),
    ...(tls ? { tls } : {}),
  });
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
    const names = [...CHAT_COMMANDS, ...MODERATION_COMMANDS].map(
      ([cmd]) => line.charAt(0) + cmd.slice(1).split(' ', 1)[0]!,
    );
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
    case '931':
      return moderationLine(err)!.replace(/^! /, '');
    default:
      return err.message;
  }
}
