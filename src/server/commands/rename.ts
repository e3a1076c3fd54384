import { Cmd } from '../../protocol/codes.js';
import type { Command } from '../dispatcher.js';

/**
 * RENAME `5` (rule 4.10): atomic; `50` if the nickname is held (the requester's own exact
 * nickname included, as in the seed), else `51`, and the room's other members get `52`.
 */
export const rename: Command = {
  cmd: Cmd.RENAME,
  name: 'RENAME',
  phase: 'member',
  fields: { newNickname: 'string' },
  async run(conn, req) {
    const { server } = conn;
    const newNickname = req.newNickname as string;
    const problem = server.nicknameProblem(newNickname);
    if (problem) return conn.fail('INVALID_NICKNAME', req, `nickname ${problem}`);
    if (newNickname === conn.nickname) {
      return conn.reply({ cmd: Cmd.RENAME_DUPLICATE_NICKNAME }, req.id);
    }
    const result = await server.directory.rename(conn.id, newNickname);
    if (!result.ok) {
      if (result.reason === 'nickname-taken') {
        conn.reply({ cmd: Cmd.RENAME_DUPLICATE_NICKNAME }, req.id);
      }
      return;
    }
    conn.nickname = newNickname;
    conn.reply({ cmd: Cmd.RENAME_SUCCESS, newNickname }, req.id);
    server.announce(
      conn.roomKey,
      { cmd: Cmd.RENAME_BROADCAST, nickname: result.oldNickname, newNickname },
      conn.id,
    );
    server.logger.info(`${result.oldNickname} is now known as ${newNickname}.`);
  },
};
