import { Cmd } from '../../protocol/codes.js';
import { rawMember } from '../../protocol/raw.js';
import type { Command } from './command.js';

/** RTT `6` (rule 4.9): echoes `beginTime` exactly as the client wrote it, whatever its type. */
export const rtt: Command<typeof Cmd.RTT> = {
  cmd: Cmd.RTT,
  name: 'RTT',
  phase: 'member',
  run(ctx, req, text) {
    // Numbers are echoed from the source text, so no precision or formatting is lost.
    const raw = typeof req.beginTime === 'number' ? rawMember(text, 'beginTime') : undefined;
    if (raw === undefined) {
      ctx.reply({ cmd: Cmd.RTT_RESPONSE, beginTime: req.beginTime }, req.id);
      return;
    }
    const id = req.id === undefined ? '' : `,"id":${JSON.stringify(req.id)}`;
    ctx.send(Buffer.from(`{"cmd":"${Cmd.RTT_RESPONSE}","beginTime":${raw}${id}}\n`));
  },
};
