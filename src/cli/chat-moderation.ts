/**
 * The operator's commands of `natter chat`: `\oper`, `\kick`, `\ban`, `\unban`, `\mute`,
 * `\unmute`, `\bans` and `\audit` (docs/protocol.md, section 13).
 *
 * A target that reads as an IPv4 or IPv6 address or a CIDR block is an address; anything else
 * is a nickname. A nickname may itself read as an address (nicknames are nearly free-form):
 * `nick:10.0.0.1` names the nickname `10.0.0.1`. A duration has a unit: `90s`, `10m`, `2h`,
 * `7d` (a bare number would be taken for the first word of the reason).
 */
import type { AuditEntry, BanOptions, ChatClient, UnbanOptions } from '../client/index.js';
import { durationMs } from '../duration.js';
import { parseAddressBlock } from '../moderation/address-match.js';
import { printable } from './chat-format.js';
import { attempt, type Output } from './chat-output.js';
import { auditRow, banRow, banTarget, muteRow, until } from './moderation-format.js';

/** How many audit entries `\audit` shows without a number. */
const AUDIT_COUNT = 20;

/** The operator's commands, as \help lists them. */
export const MODERATION_COMMANDS: readonly (readonly [string, string])[] = [
  ['\\oper <name>', 'log in as an operator (asks for the password)'],
  ['\\kick <nick> [reason]', 'disconnect a member'],
  [
    '\\ban <target> [time] [reason]',
    'ban a nickname, address or CIDR block (time: 10m, 2h, 7d; none: until lifted)',
  ],
  ['\\unban <target|id>', 'lift the bans of a nickname or address, or one ban by its id'],
  ['\\mute <nick> <time> [reason]', 'keep a member from chatting for a time'],
  ['\\unmute <nick>', 'lift a mute'],
  ['\\bans', 'list the active bans and mutes'],
  ['\\audit [n]', `show the last n operator actions (default ${AUDIT_COUNT})`],
];

/** A duration as typed for `\ban` and `\mute`: a number and a unit. */
const DURATION = /^\d+(ms|s|m|h|d)$/;

/**
 * Runs an operator's command.
 * @returns false when `name` is not one of them
 */
export async function moderate(
  client: ChatClient,
  name: string,
  arg: string,
  out: Output,
): Promise<boolean> {
  const words = arg === '' ? [] : arg.split(/\s+/);
  const rest = (from: number) => words.slice(from).join(' ');
  switch (name) {
    case 'oper':
      if (words.length !== 1) out.notice('! usage: \\oper <name> (the password is asked for)');
      else await oper(client, words[0]!, out);
      return true;
    case 'kick':
      if (words.length === 0) out.notice('! usage: \\kick <nick> [reason]');
      else {
        const [nickname] = target(words[0]!);
        await attempt(client, out, async () => {
          const reason = rest(1);
          const { nickname: gone } = await client.kick(nickname, reason || undefined);
          out.notice(`* you kicked ${printable(gone)}`);
        });
      }
      return true;
    case 'ban':
      return ban(client, words, out);
    case 'unban':
      if (words.length !== 1) out.notice('! usage: \\unban <nick|address|id>');
      else await unban(client, words[0]!, out);
      return true;
    case 'mute': {
      const ms =
        words[1] !== undefined && DURATION.test(words[1]) ? durationMs(words[1]) : undefined;
      if (!ms) out.notice('! usage: \\mute <nick> <time> [reason], the time as 90s, 10m, 2h or 7d');
      else {
        const [nickname] = target(words[0]!);
        await attempt(client, out, async () => {
          const muted = await client.mute(nickname, ms, rest(2) || undefined);
          out.notice(`* muted ${printable(muted.nickname)} ${until(muted.expiresAt, Date.now())}`);
        });
      }
      return true;
    }
    case 'unmute':
      if (words.length !== 1) out.notice('! usage: \\unmute <nick>');
      else {
        await attempt(client, out, async () => {
          const { nickname } = await client.unmute(target(words[0]!)[0]);
          out.notice(`* ${printable(nickname)} is no longer muted`);
        });
      }
      return true;
    case 'bans':
      await attempt(client, out, async () => {
        const { bans, mutes } = await client.bans();
        if (bans.length + mutes.length === 0) return out.notice('* no bans or mutes');
        const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
        out.notice(`* ${count(bans.length, 'ban')}, ${count(mutes.length, 'mute')}:`);
        const now = Date.now();
        for (const b of bans) out.line(banRow(b, now));
        for (const m of mutes) out.line(muteRow(m, now));
      });
      return true;
    case 'audit': {
      const count = arg === '' ? AUDIT_COUNT : Number(arg);
      if (!Number.isSafeInteger(count) || count < 1) out.notice('! usage: \\audit [n]');
      else await attempt(client, out, () => audit(client, count, out));
      return true;
    }
    default:
      return false;
  }
}

/** A target as typed: `[nickname]`, or `[text, address]` when it reads as an address. */
function target(word: string): [string, string?] {
  const forced = /^nick:(.+)$/.exec(word);
  if (forced && isAddress(forced[1]!)) return [forced[1]!];
  return isAddress(word) ? [word, word] : [word];
}

/**
 * Why a target that looks like an address (dotted digits, or a block) is none, so that a typo
 * does not become a ban of a nickname nobody has; undefined when it is fine.
 */
function addressTypo(word: string): string | undefined {
  const looksLikeOne = /^\d+(\.\d+){1,3}(\/\d+)?$/.test(word) || /^[\da-f:.]+\/\d+$/i.test(word);
  if (!looksLikeOne) return undefined;
  try {
    parseAddressBlock(word);
    return undefined;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `! ${printable(word)} is no address or block (${why}); nick:${printable(word)} names a nickname`;
  }
}

function isAddress(text: string): boolean {
  try {
    parseAddressBlock(text);
    return true;
  } catch {
    return false;
  }
}

async function oper(client: ChatClient, name: string, out: Output): Promise<void> {
  if (!out.password) return out.notice('! \\oper needs a terminal or piped input to read from');
  const password = await out.password('Password: ');
  if (password === undefined || password === '') return out.notice('! \\oper: no password given');
  await attempt(client, out, async () => {
    const { name: operator } = await client.oper(name, password);
    out.notice(`* you are an operator now, as ${printable(operator)}`);
  });
}

/** `\ban <target> [time] [reason]`. */
async function ban(client: ChatClient, words: string[], out: Output): Promise<boolean> {
  if (words.length === 0) {
    out.notice('! usage: \\ban <nick|address|cidr> [time] [reason], the time as 10m, 2h or 7d');
    return true;
  }
  const typo = addressTypo(words[0]!);
  if (typo) {
    out.notice(typo);
    return true;
  }
  const [text, address] = target(words[0]!);
  const options: BanOptions = address !== undefined ? { address } : { nickname: text };
  let next = 1;
  if (words[1] !== undefined && DURATION.test(words[1])) {
    options.durationMs = durationMs(words[1]);
    next = 2;
  }
  const reason = words.slice(next).join(' ');
  if (reason) options.reason = reason;
  await attempt(client, out, async () => {
    const { bans, kicked } = await client.ban(options);
    const now = Date.now();
    for (const b of bans) {
      out.notice(`* banned ${banTarget(b)} ${until(b.expiresAt, now)} (ban #${printable(b.id)})`);
    }
    if (kicked.length > 0) out.notice(`* disconnected: ${kicked.map(printable).join(', ')}`);
  });
  return true;
}

/**
 * `\unban <nick|address|id>`: an address as banned; else a ban's id (as `\bans` shows it, with
 * or without its `#`) when one has it and no nickname ban is of that name; else a nickname.
 */
async function unban(client: ChatClient, word: string, out: Output): Promise<void> {
  const typo = addressTypo(word);
  if (typo) return out.notice(typo);
  await attempt(client, out, async () => {
    const [text, address] = target(word);
    let options: UnbanOptions = address !== undefined ? { address } : { nickname: text };
    if (address === undefined && !word.startsWith('nick:')) {
      const { bans } = await client.bans();
      const id = word.replace(/^#/, '');
      const named = bans.some((b) => b.nickname?.toLowerCase() === word.toLowerCase());
      if (!named && bans.some((b) => b.id === id)) options = { id };
    }
    const { removed } = await client.unban(options);
    if (removed.length === 0) return out.notice(`! no active ban of ${printable(word)}`);
    for (const b of removed) {
      out.notice(`* lifted the ban of ${banTarget(b)} (ban #${printable(b.id)})`);
    }
  });
}

/** `\audit n`: the last `n` entries, page by page, shown oldest first. */
async function audit(client: ChatClient, count: number, out: Output): Promise<void> {
  const entries: AuditEntry[] = [];
  let before: number | undefined;
  while (entries.length < count) {
    const limit = Math.min(count - entries.length, 200);
    const page = await client.audit(before === undefined ? { limit } : { before, limit });
    entries.push(...page.entries);
    if (!page.more || page.entries.length === 0) break;
    before = page.entries.at(-1)!.id;
  }
  if (entries.length === 0) return out.notice('* the audit log is empty');
  out.notice(`* the last ${entries.length} operator action${entries.length === 1 ? '' : 's'}:`);
  for (const entry of entries.reverse()) out.line(auditRow(entry));
}
