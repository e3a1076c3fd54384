import { Capability, Cmd } from '../../protocol/codes.js';
import { nameKey, nameProblem } from '../../protocol/names.js';
import { SERVER_SOFTWARE } from '../../version.js';
import type { Command } from '../dispatcher.js';

const KNOWN_CAPS: ReadonlySet<string> = new Set(Object.values(Capability));

/** Bounds of the heartbeat a client may promise (rule 3.9). */
export const MIN_HEARTBEAT_MS = 1000;
export const MAX_HEARTBEAT_MS = 600_000;

/**
 * CONNECT `0` (rules 3.9, 4.1, 4.2, 4.4): claim a nickname and a place in a room, atomically.
 * Existing members get NEW_USER_ENTERS `8` before the joiner gets CONNECT_SUCCESS `03`.
 * A taken nickname gets `01` and a full room `02`, and the server closes, as the seed does.
 */
export const connect: Command = {
  cmd: Cmd.CONNECT,
  name: 'CONNECT',
  phase: 'new',
  fields: { nickname: 'string', room: 'string?', caps: 'string[]?', heartbeatMs: 'integer?' },
  async run(conn, req) {
    const { server } = conn;
    const { config } = server;
    const nickname = req.nickname as string;
    const problem = server.nicknameProblem(nickname);
    if (problem) return conn.fail('INVALID_NICKNAME', req, `nickname ${problem}`);
    let room = config.defaultRoom;
    if (typeof req.room === 'string') {
      const roomProblem = nameProblem(req.room, config.maxRoomNameLength);
      if (roomProblem) return conn.fail('INVALID_ROOM_NAME', req, `room ${roomProblem}`);
      room = req.room;
    }
    const caps = req.caps as string[] | undefined;
    const heartbeatMs = req.heartbeatMs as number | undefined;
    if (
      heartbeatMs !== undefined &&
      (heartbeatMs < MIN_HEARTBEAT_MS || heartbeatMs > MAX_HEARTBEAT_MS)
    ) {
      return conn.fail(
        'INVALID_FIELD',
        req,
        `"heartbeatMs" must be from ${MIN_HEARTBEAT_MS} to ${MAX_HEARTBEAT_MS}`,
        { field: 'heartbeatMs' },
      );
    }

    conn.phase = 'joining';
    const { remoteAddress: ip, remotePort: port } = conn.endpoints;
    const roomKey = nameKey(room);
    const { membership } = server;
    let result;
    try {
      // Receive the room's messages before joining it, so none published after the join is
      // missed (in a cluster the subscription takes a round trip).
      await membership.watch(conn, roomKey);
      result = await server.directory.claim(
        { id: conn.id, nickname, room, ip, port, node: server.nodeId },
        config.maxUsers,
      );
    } catch (err) {
      conn.phase = 'new';
      membership.unwatch(conn.id);
      throw err;
    }
    if (!result.ok) {
      membership.unwatch(conn.id);
      if (conn.closing) return;
      conn.phase = 'new';
      const cmd =
        result.reason === 'nickname-taken'
          ? Cmd.CONNECT_DUPLICATE_NICKNAME
          : Cmd.CONNECT_CHATROOM_FULL;
      conn.reply({ cmd }, req.id);
      conn.close({ kind: 'refused' });
      return;
    }
    if (conn.closing) {
      // The client left while the claim was in flight: undo it; nobody was told.
      membership.abandon(conn, nickname, result.room, false);
      return;
    }

    if (heartbeatMs !== undefined) conn.heartbeatMs = heartbeatMs;
    if (caps) {
      conn.extended = true;
      conn.whisperCap = caps.includes(Capability.WHISPER);
    }
    try {
      await membership.enter(conn, nickname, result.room, result.userCount);
    } catch (err) {
      // The room could not be told (the cluster's bus just went away): undo the join.
      conn.phase = 'new';
      membership.abandon(conn, nickname, result.room, false);
      throw err;
    }
    if (conn.closing) {
      // Announced, but gone before its membership began: the room is told it left.
      membership.abandon(conn, nickname, result.room, true);
      return;
    }
    const { localAddress, localPort } = conn.endpoints;
    const success: Record<string, unknown> & { cmd: string } = {
      cmd: Cmd.CONNECT_SUCCESS,
      serverAddress: [localAddress, localPort],
      userCount: result.userCount,
    };
    if (caps) {
      success.room = result.room;
      success.caps = caps.filter((c) => KNOWN_CAPS.has(c));
      success.server = SERVER_SOFTWARE;
    }
    conn.reply(success, req.id);
  },
};
