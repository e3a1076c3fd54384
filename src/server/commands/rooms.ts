import { Cmd } from '../../protocol/codes.js';
import type { RoomInfo } from '../../protocol/messages.js';
import { nameKey } from '../../protocol/names.js';
import type { Command } from '../dispatcher.js';

/** ROOMS `11` (rule 7.2): every room with members, the default room always first. */
export const rooms: Command = {
  cmd: Cmd.ROOMS,
  name: 'ROOMS',
  phase: 'member',
  fields: {},
  async run(conn, req) {
    const { config, directory } = conn.server;
    const capacity = config.maxUsers;
    const defaultKey = nameKey(config.defaultRoom);
    const list: RoomInfo[] = [{ name: config.defaultRoom, userCount: 0, capacity }];
    for (const { room, userCount } of await directory.rooms()) {
      if (nameKey(room) === defaultKey) list[0] = { name: room, userCount, capacity };
      else list.push({ name: room, userCount, capacity });
    }
    conn.reply({ cmd: Cmd.ROOMS_RESPONSE, rooms: list }, req.id);
  },
};
