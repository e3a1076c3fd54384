/**
 * A TCP proxy in front of a server that can lose a connection at the worst moment: just after
 * a request went through, before its answer comes back (the server then sees the client close
 * its side, and answers into the void). Like a load balancer, it can send new connections to
 * another server (another node of a cluster).
 */
import net from 'node:net';
import type { TestContext } from 'node:test';

export class CuttingProxy {
  /** Cuts the connection that sends a chunk containing this text, once, after forwarding it. */
  cutAfter: string | undefined;
  /** Connections made through the proxy. */
  connections = 0;
  /** The port new connections are forwarded to. */
  target: number;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(targetPort: number) {
    this.target = targetPort;
    this.server = net.createServer((client) => {
      this.connections++;
      const upstream = net.connect({ host: '127.0.0.1', port: this.target, noDelay: true });
      client.setNoDelay(true);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.end());
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        if (this.cutAfter !== undefined && chunk.toString('utf8').includes(this.cutAfter)) {
          this.cutAfter = undefined;
          // The client loses the connection now; the server gets the request, then the end.
          client.destroy();
          upstream.end();
        }
      });
    });
  }

  static async start(t: TestContext, targetPort: number): Promise<CuttingProxy> {
    const proxy = new CuttingProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    t.after(() => proxy.close());
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
