import { Capability, Cmd } from '../../protocol/codes.js';
import type { ConnectSuccess } from '../../protocol/messages.js';
import { nameKey, nameProblem } from '../../protocol/names.js';
import { MAX_HEARTBEAT_MS, MIN_HEARTBEAT_MS } from '../../protocol/requests.js';
import { SERVER_SOFTWARE } from '../../version.js';
import type { Command } from './command.js';

const KNOWN_CAPS: ReadonlySet<string> = new Set(Object.values(Capability));

/**
 * CONNECT `0` (rules 3.9, 4.1, 4.2, 4.4): claim a nickname and a place in a room, atomically.
 * Existing members get NEW_USER_ENTERS `8` before the joiner gets CONNECT_SUCCESS `03`.
 * A taken nickname gets `01` and a full room `02`, and the server closes, as the seed does.
 */
export const connect: Command<typeof Cmd.CONNECT> = {
  cmd: Cmd.CONNECT,
  name: 'CONNECT',
  phase: 'new',
  async run(ctx, req) {
    const { session, settings, membership } = ctx;
    const { nickname, caps, heartbeatMs } = req;
    const problem = ctx.policy.nicknameProblem(nickname);
    if (problem) return ctx.error('INVALID_NICKNAME', req, `nickname ${problem}`);
    let room = settings.defaultRoom;
    if (req.room !== undefined) {
      const roomProblem = nameProblem(req.room, settings.maxRoomNameLength);
      if (roomProblem) return ctx.error('INVALID_ROOM_NAME', req, `room ${roomProblem}`);
      room = req.room;
    }
    if (
      heartbeatMs !== undefined &&
      (heartbeatMs < MIN_HEARTBEAT_MS || heartbeatMs > MAX_HEARTBEAT_MS)
    ) {
      return ctx.error(
        'INVALID_FIELD',
        req,
        `"heartbeatMs" must be from ${MIN_HEARTBEAT_MS} to ${MAX_HEARTBEAT_MS}`,
        { field: 'heartbeatMs' },
      );
    }

    session.beginJoin();
    const { id, endpoints } = session;
    let result;
    try {
      // Receive the room's messages before joining it, so none published after the join is
      // missed (in a cluster the subscription takes a round trip).
      await membership.watches.watch(id, nameKey(room));
      result = await ctx.directory.claim(
        {
          id,
          nickname,
          room,
          ip: endpoints.remoteAddress,
          port: endpoints.remotePort,
          node: ctx.nodeId,
        },
        settings.maxUsers,
      );
    } catch (err) {
      session.cancelJoin();
      membership.watches.unwatch(id);
      throw err;
    }
    if (!result.ok) {
      membership.watches.unwatch(id);
      if (session.closing) return;
      session.cancelJoin();
      const cmd =
        result.reason === 'nickname-taken'
          ? Cmd.CONNECT_DUPLICATE_NICKNAME
          : Cmd.CONNECT_CHATROOM_FULL;
      ctx.reply({ cmd }, req.id);
      session.end({ kind: 'refused' });
      return;
    }
    if (session.closing) {
      // The client left while the claim was in flight: undo it; nobody was told.
      membership.abandon(session, nickname, result.room, false);
      return;
    }
    try {
      const claim = { nickname, room: result.room, userCount: result.userCount };
      await membership.enter(session, claim, { caps, heartbeatMs });
    } catch (err) {
      // The room could not be told (the cluster's bus just went away): undo the join.
      session.cancelJoin();
      membership.abandon(session, nickname, result.room, false);
      throw err;
    }
    if (session.closing) {
      // Announced, but gone before its membership began: the room is told it left.
      membership.abandon(session, nickname, result.room, true);
      return;
    }
    const success: ConnectSuccess = {
      cmd: Cmd.CONNECT_SUCCESS,
      serverAddress: [endpoints.localAddress, endpoints.localPort],
      userCount: result.userCount,
    };
    if (caps) {
      success.room = result.room;
      success.caps = caps.filter((c) => KNOWN_CAPS.has(c));
      success.server = SERVER_SOFTWARE;
    }
    ctx.reply(success, req.id);
  },
};
