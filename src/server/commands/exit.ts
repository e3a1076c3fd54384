import { Cmd } from '../../protocol/codes.js';
import type { Command } from './command.js';

/** EXIT `3` (rule 4.7): no reply; the server closes and the others get EXIT_BROADCAST `30`. */
export const exit: Command<typeof Cmd.EXIT> = {
  cmd: Cmd.EXIT,
  name: 'EXIT',
  phase: 'member',
  run(ctx) {
    ctx.session.end({ kind: 'exit' });
  },
};
