import { Cmd } from '../../protocol/codes.js';
import { ROOMS_PAGE } from '../../protocol/limits.js';
import type { RoomInfo, RoomsResponse } from '../../protocol/messages.js';
import { nameKey } from '../../protocol/names.js';
import type { Command } from './command.js';

/**
 * ROOMS `11` (rule 7.2): every room with members, ordered by name, the default room always first,
 * at most `limit` (default and most: ROOMS_PAGE) per answer; `after` asks for the page after a
 * name.
 */
export const rooms: Command<typeof Cmd.ROOMS> = {
  cmd: Cmd.ROOMS,
  name: 'ROOMS',
  phase: 'member',
  async run(ctx, req) {
    if (req.limit !== undefined && req.limit < 1) {
      return ctx.error('INVALID_FIELD', req, '"limit" must be at least 1', { field: 'limit' });
    }
    const page = Math.min(ROOMS_PAGE, req.limit ?? ROOMS_PAGE);
    const { maxUsers: capacity, defaultRoom } = ctx.settings;
    const defaultKey = nameKey(defaultRoom);
    const all = await ctx.directory.rooms();
    const { after } = req;
    const list: RoomInfo[] = [];
    if (after === undefined) {
      const own = all.find((r) => nameKey(r.room) === defaultKey);
      list.push({ name: own?.room ?? defaultRoom, userCount: own?.userCount ?? 0, capacity });
    }
    // The list is ordered by name: the page starts after the first name past `after`.
    let i = after === undefined ? 0 : firstAfter(all, after);
    for (; i < all.length && list.length <= page; i++) {
      const { room, userCount } = all[i]!;
      if (nameKey(room) !== defaultKey) list.push({ name: room, userCount, capacity });
    }
    const answer: RoomsResponse = { cmd: Cmd.ROOMS_RESPONSE, rooms: list.slice(0, page) };
    if (list.length > page) answer.next = list[page - 1]!.name;
    ctx.reply(answer, req.id);
  },
};

/** The index of the first room whose name sorts after `name` (binary search). */
function firstAfter(all: readonly { readonly room: string }[], name: string): number {
  let low = 0;
  let high = all.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (all[mid]!.room <= name) low = mid + 1;
    else high = mid;
  }
  return low;
}
