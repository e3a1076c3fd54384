/**
 * What a benchmark client says, by wire (plan.ts): how it joins, how a chat is written and how
 * messages are framed (a newline on a stream, a masked frame on a WebSocket). Whatever the wire,
 * a chat's text carries the same header (payload.ts), so the receiver counts every wire's
 * deliveries with the same scan.
 */
import { HEADER_BYTES, chatTemplate } from './payload.js';
import type { Wire } from './plan.js';
import { maskFrame, maskFrames } from './ws-frames.js';

/** Where a join stands after the answers so far. */
export type JoinStep =
  | { readonly joined: true; readonly granted?: string[] | undefined }
  | { readonly send: string }
  | { readonly refused: string }
  | undefined;

/** One client's join: the first message, then what the answers so far call for. */
export interface Join {
  readonly hello: string;
  /** Called with everything answered so far (the payloads, run together). */
  step(answer: string): JoinStep;
}

export interface Dialect {
  /** The WebSocket's path, or undefined for NDJSON on the stream itself. */
  readonly path: string | undefined;
  /** The server's one-byte text frames are Engine.IO packets (its ping is the text "2"). */
  readonly engineIo: boolean;
  /** A chat whose text is `msgSize` bytes, unframed, and the offset of its `~`. */
  chat(msgSize: number): { frame: Uint8Array; mark: number };
  /** `count` unframed messages of `each` bytes, back to back, framed for the wire. */
  frame(messages: Uint8Array, each: number, count: number): Uint8Array;
  /** One message, framed for the wire. */
  message(text: string): Uint8Array;
  /** A client's join, asking for `caps` (rule 4.4) when given. */
  join(nickname: string, caps?: readonly string[]): Join;
}

const encoder = new TextEncoder();

function websocketFraming(): Pick<Dialect, 'frame' | 'message'> {
  return {
    frame: (messages, each, count) => maskFrames(messages, each, count),
    message: (text) => maskFrame(encoder.encode(text)),
  };
}

/** Natter's protocol: CONNECT, answered `03`; a chat is `{"cmd":"7","msg":...}`. */
function natter(websocket: boolean): Dialect {
  return {
    path: websocket ? '/ws' : undefined,
    engineIo: false,
    chat: (msgSize) => chatTemplate(msgSize, !websocket),
    ...(websocket
      ? websocketFraming()
      : { frame: (messages) => messages, message: (text) => encoder.encode(text + '\n') }),
    join: (nickname, caps) => ({
      hello: JSON.stringify(caps ? { cmd: '0', nickname, caps } : { cmd: '0', nickname }),
      step(answer) {
        if (answer.includes('"03"'))
          return { joined: true, granted: caps ? grantedCaps(answer) : undefined };
        if (answer.includes('"01"') || answer.includes('"02"') || answer.includes('"9'))
          return { refused: answer };
        return undefined;
      },
    }),
  };
}

/**
 * Socket.IO v4 over a WebSocket (Engine.IO protocol 4): the server opens with `0{...}`, the
 * client connects to the main namespace (`40`, answered `40{"sid":...}`), then emits `join` with
 * its nickname and an acknowledgement (`420["join",...]`, answered `430[count]`). A chat is
 * `42["chat","<text>"]`; the server sends the others `42["chat",{"from":...,"msg":...}]`.
 */
function socketIo(): Dialect {
  return {
    path: '/socket.io/?EIO=4&transport=websocket',
    engineIo: true,
    chat(msgSize) {
      const natterChat = chatTemplate(Math.max(msgSize, HEADER_BYTES), false);
      const text = new TextDecoder().decode(natterChat.frame);
      const msg = (JSON.parse(text) as { msg: string }).msg;
      const head = '42["chat","';
      return { frame: encoder.encode(`${head}${msg}"]`), mark: head.length };
    },
    ...websocketFraming(),
    join(nickname) {
      let joining = false;
      return {
        hello: '40',
        step(answer) {
          if (answer.includes('44{')) return { refused: answer };
          if (answer.includes('430[')) return { joined: true };
          if (!joining && answer.includes('40{')) {
            joining = true;
            return { send: `420${JSON.stringify(['join', nickname])}` };
          }
          return undefined;
        },
      };
    },
  };
}

/**
 * The capabilities a `03` in `answer` (messages run together, as a join reads them) grants:
 * its `caps`, or none when it has no such list.
 */
export function grantedCaps(answer: string): string[] {
  for (const text of answer.split(/\n|(?<=\})(?=\{)/)) {
    if (!text.includes('"03"')) continue;
    try {
      const reply = JSON.parse(text) as { cmd?: unknown; caps?: unknown };
      if (reply.cmd === '03' && Array.isArray(reply.caps))
        return reply.caps.filter((c): c is string => typeof c === 'string');
    } catch {
      // Not one whole message: look on.
    }
  }
  return [];
}

export function dialectOf(wire: Wire): Dialect {
  return wire.protocol === 'socketio' ? socketIo() : natter(wire.websocket);
}
