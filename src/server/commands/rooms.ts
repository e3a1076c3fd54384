import { Cmd } from '../../protocol/codes.js';
import type { RoomInfo } from '../../protocol/messages.js';
import { nameKey } from '../../protocol/names.js';
import type { Command } from './command.js';

/** ROOMS `11` (rule 7.2): every room with members, the default room always first. */
export const rooms: Command<typeof Cmd.ROOMS> = {
  cmd: Cmd.ROOMS,
  name: 'ROOMS',
  phase: 'member',
  async run(ctx, req) {
    const { maxUsers: capacity, defaultRoom } = ctx.settings;
    const defaultKey = nameKey(defaultRoom);
    const list: RoomInfo[] = [{ name: defaultRoom, userCount: 0, capacity }];
    for (const { room, userCount } of await ctx.directory.rooms()) {
      if (nameKey(room) === defaultKey) list[0] = { name: room, userCount, capacity };
      else list.push({ name: room, userCount, capacity });
    }
    ctx.reply({ cmd: Cmd.ROOMS_RESPONSE, rooms: list }, req.id);
  },
};
