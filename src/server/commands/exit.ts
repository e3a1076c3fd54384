import { Cmd } from '../../protocol/codes.js';
import type { Command } from '../dispatcher.js';

/** EXIT `3` (rule 4.7): no reply; the server closes and the others get EXIT_BROADCAST `30`. */
export const exit: Command = {
  cmd: Cmd.EXIT,
  name: 'EXIT',
  phase: 'member',
  fields: {},
  run(conn) {
    conn.close({ kind: 'exit' });
  },
};
