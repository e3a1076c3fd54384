import { Cmd } from '../../protocol/codes.js';
import type { UserRow } from '../../protocol/messages.js';
import type { Command } from '../dispatcher.js';

/** USERS `1` (rule 4.5): the members of the requester's room, in join order, itself included. */
export const users: Command = {
  cmd: Cmd.USERS,
  name: 'USERS',
  phase: 'member',
  fields: {},
  async run(conn, req) {
    const { server } = conn;
    const members = await server.directory.members(conn.room);
    const hide = server.config.hideAddresses;
    const rows: UserRow[] = members.map((m) =>
      hide ? [m.nickname, 'hidden', 0] : [m.nickname, m.ip, m.port],
    );
    conn.reply({ cmd: Cmd.USERS_RESPONSE, users: rows }, req.id);
  },
};
