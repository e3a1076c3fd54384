import { Cmd } from '../../protocol/codes.js';
import type { Command } from '../dispatcher.js';

/**
 * WHISPER `2` (rule 4.6): to any user on the server, whatever its room. Checked in the seed's
 * order: no such user `20`, yourself `21`, then Natter's length limit `915`, banned phrase
 * (disconnect), else delivered, then `22`.
 */
export const whisper: Command = {
  cmd: Cmd.WHISPER,
  name: 'WHISPER',
  phase: 'member',
  fields: { to: 'string', msg: 'string' },
  async run(conn, req) {
    const { server } = conn;
    const msg = req.msg as string;
    const target = await server.directory.find(req.to as string);
    if (conn.closing) return;
    if (!target) return conn.reply({ cmd: Cmd.WHISPER_NO_SUCH_USER }, req.id);
    if (target.id === conn.id) return conn.reply({ cmd: Cmd.WHISPER_MYSELF }, req.id);
    if (server.messageTooLong(msg)) return server.refuseLongMessage(conn, req);
    if (server.filter.find(msg) !== undefined) return server.banPhrase(conn, req);
    server.bus.publish({
      kind: 'whisper',
      node: target.node,
      to: target.id,
      from: conn.nickname,
      msg,
    });
    conn.reply({ cmd: Cmd.WHISPER_SUCCESS }, req.id);
  },
};
