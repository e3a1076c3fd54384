import { Cmd } from '../../protocol/codes.js';
import type { Command } from '../dispatcher.js';

/**
 * CHAT `7` (rule 4.11): every other member of the sender's room gets CHAT_RESPONSE `70`; the
 * sender gets nothing, unless the request has an `id`, which is acknowledged with `71`.
 * Synchronous: the hot path allocates one frame for the whole room.
 */
export const chat: Command = {
  cmd: Cmd.CHAT,
  name: 'CHAT',
  phase: 'member',
  fields: { msg: 'string' },
  run(conn, req) {
    const { server } = conn;
    const msg = req.msg as string;
    if (server.messageTooLong(msg)) return server.refuseLongMessage(conn, req);
    if (server.filter.find(msg) !== undefined) return server.banPhrase(conn, req);
    server.announce(conn.roomKey, { cmd: Cmd.CHAT_RESPONSE, from: conn.nickname, msg }, conn.id);
    if (req.id !== undefined) conn.reply({ cmd: Cmd.CHAT_ACCEPTED }, req.id);
  },
};
