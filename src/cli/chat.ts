import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { connect, NatterError, type ChatClient, type ChatEvent } from '../client/index.js';
import { NATTER_VERSION } from '../version.js';
import { UsageError } from './usage.js';

export const CHAT_USAGE = `Usage: natter chat --nick NAME [--host HOST] [--port PORT] [--room ROOM]

Joins a chat server. Type a line to chat; commands start with a backslash:
`;

/** The chat commands, as \help lists them. */
export const CHAT_COMMANDS: readonly (readonly [string, string])[] = [
  ['\\users', 'list the members of your room'],
  ['\\wh <nick> <message>', 'whisper to one user, in any room'],
  ['\\rename <nick>', 'change your nickname'],
  ['\\rooms', 'list the rooms'],
  ['\\join <room>', 'move to a room (created if needed)'],
  ['\\leave', 'go back to the default room'],
  ['\\version', 'show the server and client versions'],
  ['\\rtt', 'measure the round trip to the server'],
  ['\\help', 'show this list'],
  ['\\exit', 'leave the chat'],
];

function commandList(): string {
  return CHAT_COMMANDS.map(([cmd, text]) => `  ${cmd.padEnd(22)} ${text}`).join('\n');
}

/** Writes lines without garbling what the user is typing (readline redraws the prompt). */
interface Output {
  line(text: string): void;
}

/**
 * `natter chat`: an interactive client (readline) when stdin is a terminal, a line-by-line
 * script runner when it is a pipe: each line runs after the previous one was answered, and the
 * end of input is an `\exit`.
 * @returns the process exit code
 */
export async function chat(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        nick: { type: 'string', short: 'n' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        room: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(CHAT_USAGE + commandList() + '\n');
    return 0;
  }
  if (!values.nick) throw new UsageError('--nick NAME is required');
  const port = values.port === undefined ? 20825 : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--port must be a number from 1 to 65535, got ${values.port}`);
  }
  const host = values.host ?? 'localhost';

  let client: ChatClient;
  try {
    client = await connect({
      host,
      port,
      nickname: values.nick,
      ...(values.room ? { room: values.room } : {}),
    });
  } catch (err) {
    process.stderr.write(`natter: ${describeJoinError(err, values.nick)}\n`);
    return 1;
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = readline.createInterface({
    input: process.stdin,
    output: interactive ? process.stdout : undefined,
    terminal: interactive,
  });
  const out: Output = interactive
    ? {
        line(text) {
          readline.clearLine(process.stdout, 0);
          readline.cursorTo(process.stdout, 0);
          process.stdout.write(text + '\n');
          rl.prompt(true);
        },
      }
    : { line: (text) => process.stdout.write(text + '\n') };
  const setPrompt = () => rl.setPrompt(`[${client.room ?? 'chat'}] ${client.nickname}> `);

  setPrompt();
  const where = client.room ? ` in ${client.room}` : '';
  out.line(`* connected to ${host}:${port} as ${client.nickname}${where}; \\help lists commands`);
  client.on('event', (event: ChatEvent) => out.line(formatEvent(event)));

  let exitCode = 0;
  let exited = false;
  client.closed().then((reason) => {
    if (exited) return;
    exited = true;
    if (reason) {
      out.line(`* disconnected: ${reason.message}`);
      exitCode = 1;
    } else out.line('* disconnected');
    rl.close();
  });

  if (interactive) rl.prompt();
  for await (const line of rl) {
    if (exited) break;
    const keepGoing = await runLine(client, line, out);
    if (!keepGoing) break;
    if (interactive) {
      setPrompt();
      rl.prompt();
    }
  }
  if (!exited) {
    exited = true;
    rl.close();
    await client.exit().catch(() => undefined);
  }
  return exitCode;
}

/** Runs one input line; false when the session should end. */
export async function runLine(client: ChatClient, line: string, out: Output): Promise<boolean> {
  if (!line.startsWith('\\')) {
    if (line.length > 0) await attempt(out, () => client.chat(line));
    return true;
  }
  const [command = '', ...rest] = line.slice(1).split(' ');
  const arg = rest.join(' ').trim();
  switch (command) {
    case 'users':
      await attempt(out, async () => {
        const users = await client.users();
        out.line(`* ${users.length} user${users.length === 1 ? '' : 's'} in your room:`);
        for (const u of users) out.line(`  ${u.nickname}  ${u.ip}:${u.port}`);
      });
      return true;
    case 'wh':
    case 'whisper': {
      const space = arg.indexOf(' ');
      if (space < 0) out.line('! usage: \\wh <nick> <message>');
      else await attempt(out, () => client.whisper(arg.slice(0, space), arg.slice(space + 1)));
      return true;
    }
    case 'rename':
      if (!arg) out.line('! usage: \\rename <nick>');
      else {
        await attempt(out, async () => {
          await client.rename(arg);
          out.line(`* you are now known as ${arg}`);
        });
      }
      return true;
    case 'rooms':
      await attempt(out, async () => {
        for (const r of await client.rooms()) {
          out.line(`  ${r.name}  ${r.userCount}/${r.capacity}`);
        }
      });
      return true;
    case 'join':
      if (!arg) out.line('! usage: \\join <room>');
      else {
        await attempt(out, async () => {
          const { room, userCount } = await client.joinRoom(arg);
          out.line(`* you joined ${room} (${userCount} users)`);
        });
      }
      return true;
    case 'leave':
      await attempt(out, async () => {
        const { room, userCount } = await client.leaveRoom();
        out.line(`* you are back in ${room} (${userCount} users)`);
      });
      return true;
    case 'version':
      await attempt(out, async () => {
        const v = await client.version();
        const software = v.server ? ` (${v.server})` : '';
        out.line(`* server version ${v.serverVersion}${software}, client natter/${NATTER_VERSION}`);
      });
      return true;
    case 'rtt':
      await attempt(out, async () => out.line(`* RTT ${(await client.rtt()).toFixed(3)} ms`));
      return true;
    case 'help':
      out.line(commandList());
      return true;
    case 'exit':
    case 'quit':
      return false;
    default:
      out.line(`! unknown command \\${command}; \\help lists the commands`);
      return true;
  }
}

async function attempt(out: Output, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    out.line(`! ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One line for an incoming event, safe to print on a terminal. */
export function formatEvent(event: ChatEvent): string {
  switch (event.type) {
    case 'chat':
      return `${printable(event.from)}: ${printable(event.msg)}`;
    case 'whisper':
      return `${printable(event.from)} (whisper): ${printable(event.msg)}`;
    case 'join':
      return `* ${printable(event.nickname)} joined (${event.userCount} users)`;
    case 'leave':
      return `* ${printable(event.nickname)} left (${event.userCount} users)`;
    case 'move':
      return `* ${printable(event.nickname)} moved to ${printable(event.room)} (${event.userCount} users)`;
    case 'rename':
      return `* ${printable(event.nickname)} is now known as ${printable(event.newNickname)}`;
    case 'missed': {
      const room = printable(event.room);
      if (event.from === undefined || event.to === undefined) {
        return `! some messages of ${room} may not have reached you`;
      }
      const count = event.to - event.from + 1;
      return `! ${count} message${count === 1 ? '' : 's'} of ${room} did not reach you`;
    }
    case 'serverError':
      return `! ${printable(event.error.message)} (${printable(event.error.code)})`;
  }
}

// C0 and C1 controls except tab and newline, DEL, and the bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from other people, made harmless for a terminal: control characters (an escape sequence
 * could move the cursor, recolour or retitle the terminal) are shown as `\u{1b}`, and the lines
 * of a multi-line message are indented under the first.
 */
export function printable(text: string): string {
  return text
    .replace(UNPRINTABLE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)
    .replace(/\n/g, '\n  ');
}

function describeJoinError(err: unknown, nickname: string): string {
  if (!(err instanceof NatterError)) return String(err);
  switch (err.code) {
    case '01':
      return `the nickname "${nickname}" is already taken; choose another with --nick`;
    case '02':
      return 'the chat room is full; try again later';
    default:
      return err.message;
  }
}
