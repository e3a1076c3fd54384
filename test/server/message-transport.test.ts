import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatServer } from '../../src/chat-server.js';
import type { LinkInput } from '../../src/server/link.js';
import { CaptureLink } from '../capture-link.js';
import { eventually, join, startServer, type Msg } from '../helpers.js';

const endpoints = {
  remoteAddress: '127.0.0.1',
  remotePort: 40001,
  localAddress: '127.0.0.1',
  localPort: 20825,
};

/** A client of a message transport (as a WebSocket is): each request is one whole message. */
class MessageClient {
  readonly link = new CaptureLink();
  readonly input: LinkInput;
  constructor(server: ChatServer) {
    const input = server.connect(this.link, endpoints);
    assert.ok(input, 'the server takes the client');
    this.input = input;
    this.link.onClosed = () => input.closed();
  }
  send(request: object | string): void {
    const text = typeof request === 'string' ? request : JSON.stringify(request);
    this.input.receiveMessage(Buffer.from(text));
  }
  /** Waits for the `n`th message the server wrote (0-based). */
  async message(n: number): Promise<Msg> {
    await eventually(() => this.link.messages.length > n, `message ${n}`);
    return this.link.messages[n] as Msg;
  }
}

describe('a message transport: whole messages in, frames out (docs/DEVELOPING.md)', () => {
  it('serves a client whose requests arrive as whole messages, next to TCP members', async (t) => {
    const server = await startServer(t);
    const tcp = await join(t, server, 'tcp');
    const client = new MessageClient(server);
    client.send({ cmd: '0', nickname: 'msg', id: 1 });
    assert.equal((await client.message(0)).cmd, '03');
    assert.equal((await tcp.expect('8')).nickname, 'msg');
    // No newline framing: a message is a frame even without `\n`, and its spaces are its own.
    client.send('{ "cmd" : "7", "msg": "line one\\nline two" }');
    assert.equal((await tcp.expect('70')).msg, 'line one\nline two');
    tcp.send({ cmd: '7', msg: 'to the message client' });
    assert.equal((await client.message(1)).msg, 'to the message client');
  });

  it('a message that is not exactly one JSON object is INVALID_JSON; the client stays', async (t) => {
    const server = await startServer(t);
    const client = new MessageClient(server);
    client.send('{"cmd":"4"}{"cmd":"4"}');
    client.send('');
    client.send('[1]');
    for (let i = 0; i < 3; i++) assert.equal((await client.message(i)).cmd, '900');
    client.send({ cmd: '0', nickname: 'ok' });
    assert.equal((await client.message(3)).cmd, '03');
  });

  it('applies the frame and nesting limits to messages', async (t) => {
    const server = await startServer(t, { maxFrameBytes: 256, maxDepth: 4 });
    const client = new MessageClient(server);
    client.send({ cmd: '0', nickname: 'deep', x: [[[[[1]]]]] });
    assert.equal((await client.message(0)).cmd, '903');
    client.send({ cmd: '0', nickname: 'big', pad: 'x'.repeat(300) });
    const tooLarge = await client.message(1);
    assert.equal(tooLarge.cmd, '902');
    assert.equal(tooLarge.fatal, true);
    await eventually(() => client.link.ended || client.link.destroyed, 'the link to close');
  });

  it('shuts down with the others: the client is told, the link ends, and close() resolves', async (t) => {
    const server = await startServer(t);
    const client = new MessageClient(server);
    client.send({ cmd: '0', nickname: 'msg' });
    assert.equal((await client.message(0)).cmd, '03');
    await server.close();
    const last = client.link.messages.at(-1)!;
    assert.equal(last.cmd, '912');
    assert.equal(client.link.ended, true);
    assert.equal(server.connectionCount, 0);
  });
});
