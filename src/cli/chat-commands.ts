/**
 * What `natter chat` does with a line the user typed: a chat, or a command with `\` or `/` in
 * front (`\\text` and `//text` send the text with one of them).
 */
import { splitMessage, type ChatClient } from '../client/index.js';
import { NATTER_VERSION } from '../version.js';
import { printable, users } from './chat-format.js';
import { RECENT_COUNT, type RoomView } from './chat-history.js';
import { MODERATION_COMMANDS, moderate } from './chat-moderation.js';
import { attempt, type Output } from './chat-output.js';

export type { Output } from './chat-output.js';

/** The chat commands, as \help lists them. */
export const CHAT_COMMANDS: readonly (readonly [string, string])[] = [
  ['\\users', 'list the members of your room'],
  ['\\wh <nick> <message>', 'whisper to one user, in any room (also \\whisper)'],
  ['\\rename <nick>', 'change your nickname'],
  ['\\rooms', 'list the rooms'],
  ['\\join <room>', 'move to a room (created if needed)'],
  ['\\leave', 'go back to the default room'],
  ['\\history [n]', `show n older messages of the room (default ${RECENT_COUNT})`],
  ['\\version', 'show the server and client versions'],
  ['\\rtt', 'measure the round trip to the server'],
  ['\\help', 'show this list'],
  ['\\exit', 'leave the chat (also \\quit)'],
];

/** \help: the commands, and how to send a line that starts like one. */
export function commandList(): string {
  const row = ([cmd, text]: readonly [string, string]) => `  ${cmd.padEnd(22)} ${text}`;
  return [
    ...CHAT_COMMANDS.map(row),
    '  Operators (after \\oper):',
    ...MODERATION_COMMANDS.map(row),
    '  Commands work with / as well (/users). To send a line that starts with \\ or /, double it:',
    '  \\\\text sends \\text, //text sends /text. Tab completes nicknames and commands.',
  ].join('\n');
}

/**
 * Runs one input line; resolves false when the session should end. A failed request is told as
 * `! reason` (unless the connection is gone: that is told once, by whoever watches it).
 * @param view what of the room's history is shown, for `\\history`
 */
export async function runLine(
  client: ChatClient,
  line: string,
  out: Output,
  view?: RoomView,
): Promise<boolean> {
  const command = /^[\\/](?![\\/])/.test(line);
  if (!command) {
    // `\\text` and `//text`: the text with one backslash or slash.
    const text = /^([\\/])\1/.test(line) ? line.slice(1) : line;
    if (text.length > 0) await attempt(client, out, () => chat(client, text, out, view));
    return true;
  }
  const [name = '', ...rest] = line.slice(1).split(' ');
  const arg = rest.join(' ').trim();
  switch (name) {
    case 'users':
      await attempt(client, out, async () => {
        const list = await client.users();
        out.notice(`* ${users(list.length)} in your room:`);
        for (const u of list) out.line(`  ${printable(u.nickname)}  ${u.ip}:${u.port}`);
      });
      return true;
    case 'wh':
    case 'whisper': {
      const space = arg.indexOf(' ');
      if (space < 0) out.notice('! usage: \\wh <nick> <message>');
      else {
        const [to, msg] = [arg.slice(0, space), arg.slice(space + 1)];
        await attempt(client, out, async () => {
          await client.whisper(to, msg);
          out.notice(`-> ${printable(to)}: ${printable(msg)}`);
        });
      }
      return true;
    }
    case 'rename':
      if (!arg) out.notice('! usage: \\rename <nick>');
      else {
        await attempt(client, out, async () => {
          await client.rename(arg);
          out.notice(`* you are now known as ${printable(arg)}`);
        });
      }
      return true;
    case 'rooms':
      await attempt(client, out, async () => {
        for (const r of await client.rooms()) {
          out.line(`  ${printable(r.name)}  ${r.userCount}/${r.capacity}`);
        }
      });
      return true;
    case 'join':
      if (!arg) out.notice('! usage: \\join <room>');
      else {
        await attempt(client, out, async () => {
          const { room, userCount } = await client.joinRoom(arg);
          out.notice(`* you joined ${printable(room)} (${users(userCount)})`);
        });
      }
      return true;
    case 'leave':
      await attempt(client, out, async () => {
        const { room, userCount } = await client.leaveRoom();
        out.notice(`* you are back in ${printable(room)} (${users(userCount)})`);
      });
      return true;
    case 'history': {
      const count = arg === '' ? RECENT_COUNT : Number(arg);
      if (!Number.isSafeInteger(count) || count < 1) out.notice('! usage: \\history [n]');
      else if (view) await attempt(client, out, () => view.older(client, count));
      return true;
    }
    case 'version':
      await attempt(client, out, async () => {
        const v = await client.version();
        const software = v.server ? ` (${printable(v.server)})` : '';
        out.notice(
          `* server version ${printable(v.serverVersion)}${software}, client natter/${NATTER_VERSION}`,
        );
      });
      return true;
    case 'rtt':
      await attempt(client, out, async () => {
        out.notice(`* RTT ${(await client.rtt()).toFixed(3)} ms`);
      });
      return true;
    case 'help':
      out.line(commandList());
      return true;
    case 'exit':
    case 'quit':
      return false;
    default:
      if (await moderate(client, name, arg, out)) return true;
      out.notice(`! unknown command ${line[0]}${name}; \\help lists the commands`);
      return true;
  }
}

/** A chat; one too long for the server goes in parts, and the user is told. */
async function chat(client: ChatClient, text: string, out: Output, view?: RoomView) {
  const parts = splitMessage(text, client.limits);
  for (const part of parts) {
    const receipt = await client.chat(part);
    if (receipt) view?.saw(receipt.seq);
  }
  if (parts.length > 1) {
    out.notice(`* your message was too long for one, and went in ${parts.length} parts`);
  }
}
