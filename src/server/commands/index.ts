import type { AnyCommand } from './command.js';
import { audit } from './audit.js';
import { ban, bans, unban } from './ban.js';
import { chat } from './chat.js';
import { connect } from './connect.js';
import { exit } from './exit.js';
import { history } from './history.js';
import { join } from './join.js';
import { kick } from './kick.js';
import { leave } from './leave.js';
import { mute } from './mute.js';
import { oper } from './oper.js';
import { rename } from './rename.js';
import { rooms } from './rooms.js';
import { rtt } from './rtt.js';
import { users } from './users.js';
import { version } from './version.js';
import { whisper } from './whisper.js';

/** The command table, by request code. */
export const COMMANDS: ReadonlyMap<string, AnyCommand> = new Map(
  [
    ...[connect, users, whisper, exit, version, rename, rtt, chat, rooms, join, leave, history],
    ...[oper, kick, ban, mute, unban, bans, audit],
  ].map((c: AnyCommand) => [c.cmd, c]),
);
