import { Capability, Cmd } from '../../protocol/codes.js';
import type { ConnectSuccess } from '../../protocol/messages.js';
import { nameProblem } from '../../protocol/names.js';
import { MAX_HEARTBEAT_MS, MIN_HEARTBEAT_MS } from '../../protocol/requests.js';
import { SERVER_SOFTWARE } from '../../version.js';
import type { JoinInfo } from '../services/membership.js';
import type { Command } from './command.js';

const KNOWN_CAPS: ReadonlySet<string> = new Set(Object.values(Capability));

/**
 * CONNECT `0` (rules 3.9, 4.1, 4.2, 4.4): claim a nickname and a place in a room, atomically.
 * Existing members get NEW_USER_ENTERS `8` before the joiner gets CONNECT_SUCCESS `03`.
 * A taken nickname gets `01` and a full room `02`, and the server closes, as the seed does; a
 * banned nickname or address gets BANNED `931`, and is closed too.
 */
export const connect: Command<typeof Cmd.CONNECT> = {
  cmd: Cmd.CONNECT,
  name: 'CONNECT',
  phase: 'new',
  async run(ctx, req) {
    const { settings } = ctx;
    const { nickname, heartbeatMs } = req;
    // Granted: the known ones, in the order asked; `history` only while history is on.
    const caps = req.caps?.filter(
      (c) => KNOWN_CAPS.has(c) && (c !== Capability.HISTORY || ctx.historyOn),
    );
    const problem = ctx.policy.nicknameProblem(nickname);
    if (problem) return ctx.error('INVALID_NICKNAME', req, `nickname ${problem}`);
    // A ban of the nickname or the address: told why and until when, then closed (rule 13.5).
    const banned = ctx.banned(nickname);
    if (banned) return ctx.session.end({ kind: 'error', ...banned, request: req });
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

    // The answer goes out where the membership begins: before anything the room says after.
    const welcome = (joined: JoinInfo) => {
      const { localAddress, localPort } = ctx.session.endpoints;
      const success: ConnectSuccess = {
        cmd: Cmd.CONNECT_SUCCESS,
        serverAddress: [localAddress, localPort],
        userCount: joined.userCount,
      };
      if (caps) {
        success.room = joined.room;
        success.caps = caps;
        success.server = SERVER_SOFTWARE;
        const { maxFrameBytes, maxMessageLength } = settings;
        success.limits = { maxFrameBytes, maxMessageLength };
      }
      ctx.reply(success, req.id);
    };
    const outcome = await ctx.join(nickname, room, { caps, heartbeatMs }, welcome);
    if (outcome.ok) {
      // A ban made while the directory was claiming the nickname found no member to close.
      const late = ctx.banned(nickname);
      if (late) ctx.session.end({ kind: 'error', ...late, request: req });
      return;
    }
    if (outcome.reason === 'closed') return;
    const cmd =
      outcome.reason === 'nickname-taken'
        ? Cmd.CONNECT_DUPLICATE_NICKNAME
        : Cmd.CONNECT_CHATROOM_FULL;
    ctx.reply({ cmd }, req.id);
    ctx.session.end({ kind: 'refused' });
  },
};
