/**
 * Differential test against the seed: each session below is one script, run both against the
 * seed server (test/fixtures/seed_server.py, a verbatim copy of the runnable reconstruction of
 * ChatTCPServer.py) and against Natter, each freshly started. Every client must receive the same
 * messages, in the same order, in response to the same step of the script.
 *
 * The seed reads each request with a single recv(1024), so a request must arrive alone in one
 * read. The script therefore paces itself: after each step it waits until no client has received
 * anything for a short while before taking the next one. That waiting only paces the script;
 * nothing asserts on timing.
 *
 * Values that legitimately differ between the two runs are normalised before comparing: the
 * listening port in `serverAddress` and the clients' ephemeral ports in USERS rows (each port is
 * replaced by the label of the client that owns it, so a port swapped between members still
 * fails). Addresses are not normalised: both must say 127.0.0.1.
 *
 * Natter's documented additions to the protocol are messages a seed client ignores:
 * RENAME_BROADCAST `52` to the renamer's room, and error messages `900`..`999` (such as `911`
 * before a banned-phrase disconnect). They are taken out of Natter's transcript before the comparison and
 * checked separately against what the script says Natter must send, step by step, so they cannot
 * disappear (or appear elsewhere) unnoticed.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RawClient, startServer, type Msg } from '../helpers.js';
import { startSeed } from './seed-server.js';

/** A step is over once no client has received anything for this long. */
const QUIET_MS = 150;
/** Every step causes at least one message or close; wait this long at most for the first. */
const FIRST_EVENT_MAX_MS = 1000;
/** Upper bound for one step, so a chatty or broken server cannot stall the script. */
const STEP_MAX_MS = 2000;
const POLL_MS = 10;

/** Stands in a transcript for "the server closed this client's connection". */
const CLOSED = '(closed by the server)';
type Event = Msg | typeof CLOSED;

/** Natter-only codes (see the file comment); the seed never sends them. */
const isExtension = (cmd: string): boolean => cmd === '52' || /^9\d\d$/.test(cmd);

/**
 * Serialises a request the way the seed's client does, with Python's `json.dumps` defaults:
 * `", "` and `": "` separators, and ensure_ascii, which writes every character outside printable
 * ASCII as a lowercase `\uXXXX` escape (characters beyond the BMP as surrogate pairs). Numbers
 * are written by JavaScript's rules, which agree with Python's for the values used here.
 */
function pyDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${pyDumps(k)}: ${pyDumps(v)}`);
    return `{${members.join(', ')}}`;
  }
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new Error(`not a JSON value: ${String(value)}`);
  // JSON.stringify has already escaped quotes, backslashes and control characters exactly as
  // Python does; what is left outside printable ASCII is escaped code unit by code unit.
  return text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** How requests are terminated: as the seed's client writes them, or followed by `\n`. */
type Framing = 'bare' | 'newline';

/** One step of a session and what each client received during it. */
interface StepRecord {
  step: string;
  /** Events by client label, in arrival order; clients that received nothing are left out. */
  received: Record<string, Event[]>;
}

/** A client connection of a session, named by a label that stays fixed across renames. */
interface Peer {
  label: string;
  client: RawClient;
  /** How many of `client.messages` are already in the transcript. */
  seen: number;
  closeSeen: boolean;
  /** Closed by the script itself, so its close is not the server's doing. */
  dropped: boolean;
}

/** Something the script says must happen to a client in the step just taken. */
interface Expected {
  step: string;
  client: string;
}

/** A message Natter sends and the seed does not (expected or received). */
interface Extension extends Expected {
  msg: Msg;
}

/**
 * Runs a script against one server and records its transcript. The same script runs on one
 * Session per server; the transcripts are compared afterwards.
 */
class Session {
  readonly transcript: StepRecord[] = [];
  /** Natter-only messages taken out of the transcript, in order. */
  readonly extensions: Extension[] = [];
  readonly expectedCloses: Expected[] = [];
  readonly expectedExtensions: Extension[] = [];
  private readonly peers = new Map<string, Peer>();
  /** Client ephemeral port -> label, to normalise USERS rows. */
  private readonly portLabels = new Map<number, string>();
  private lastStep = '';

  constructor(
    private readonly t: TestContext,
    private readonly port: number,
    private readonly framing: Framing,
    /** Whether to separate Natter's additions from the transcript (only for Natter). */
    private readonly separateExtensions: boolean,
  ) {}

  /** Opens a connection for `label` and sends CONNECT with `nickname` (default: the label). */
  async join(label: string, nickname = label): Promise<void> {
    assert.ok(!this.peers.has(label), `label ${label} is already used`);
    const client = await RawClient.open(this.t, this.port);
    this.peers.set(label, { label, client, seen: 0, closeSeen: false, dropped: false });
    this.portLabels.set(client.socket.localPort!, label);
    await this.send(label, { cmd: '0', nickname });
  }

  /** Sends one request from `label`'s connection, written as the seed's client writes it. */
  async send(label: string, request: Record<string, unknown>): Promise<void> {
    const peer = this.peer(label);
    const wire = pyDumps(request);
    await this.step(`${label}: ${wire}`, () => {
      peer.client.send(this.framing === 'newline' ? `${wire}\n` : wire);
    });
  }

  /** Destroys `label`'s connection without a word, as a crashed client would. */
  async drop(label: string): Promise<void> {
    const peer = this.peer(label);
    await this.step(`${label} drops its connection`, () => {
      peer.dropped = true;
      peer.client.close();
    });
  }

  /** The server must close `label`'s connection in the step just taken. */
  expectClosed(label: string): void {
    this.expectedCloses.push({ step: this.lastStep, client: label });
  }

  /**
   * In the step just taken, Natter (not the seed) must send `label` this message, after the
   * previously expected ones. Only the fields given are checked.
   */
  natterSends(label: string, msg: Msg): void {
    this.expectedExtensions.push({ step: this.lastStep, client: label, msg });
  }

  private peer(label: string): Peer {
    const peer = this.peers.get(label);
    assert.ok(peer, `no client labelled ${label}`);
    return peer;
  }

  /** Takes one step, waits until the server has finished reacting, and records what came. */
  private async step(what: string, action: () => void): Promise<void> {
    // Numbered, so that a step repeated later in the script has a name of its own.
    const description = `#${this.transcript.length + 1} ${what}`;
    const baseline = this.activity();
    action();
    await this.settle(baseline);
    const received: Record<string, Event[]> = {};
    for (const peer of this.peers.values()) {
      const events: Event[] = [];
      for (const msg of peer.client.messages.slice(peer.seen)) {
        if (this.separateExtensions && isExtension(msg.cmd)) {
          this.extensions.push({ step: description, client: peer.label, msg });
        } else {
          events.push(this.normalise(msg));
        }
      }
      peer.seen = peer.client.messages.length;
      // A close always follows every byte sent before it, so it goes last.
      if (peer.client.closed && !peer.dropped && !peer.closeSeen) {
        peer.closeSeen = true;
        events.push(CLOSED);
      }
      if (events.length > 0) received[peer.label] = events;
    }
    this.transcript.push({ step: description, received });
    this.lastStep = description;
  }

  /** A counter that grows with every message received and every close by the server. */
  private activity(): number {
    let n = 0;
    for (const peer of this.peers.values()) {
      n += peer.client.messages.length;
      if (peer.client.closed && !peer.dropped) n += 1;
    }
    return n;
  }

  private async settle(baseline: number): Promise<void> {
    const start = Date.now();
    while (this.activity() === baseline && Date.now() - start < FIRST_EVENT_MAX_MS) {
      await sleep(POLL_MS);
    }
    let last = this.activity();
    let lastChange = Date.now();
    while (Date.now() - lastChange < QUIET_MS && Date.now() - start < STEP_MAX_MS) {
      await sleep(POLL_MS);
      const now = this.activity();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      }
    }
  }

  /** Replaces the ports that differ between runs by what they must identify. */
  private normalise(msg: Msg): Msg {
    const out: Msg = { ...msg };
    const address = msg.serverAddress;
    if (msg.cmd === '03' && Array.isArray(address) && address[1] === this.port) {
      out.serverAddress = [address[0], '<server port>'];
    }
    if (msg.cmd === '10' && Array.isArray(msg.users)) {
      out.users = msg.users.map((row: unknown) => {
        if (!Array.isArray(row) || typeof row[2] !== 'number') return row;
        const owner = this.portLabels.get(row[2]);
        return owner === undefined ? row : [row[0], row[1], `<port of ${owner}>`];
      });
    }
    return out;
  }
}

type Script = (s: Session) => Promise<void>;

/** Keeps only the fields of `msg` that `shape` names, so expectations can be partial. */
function pick(msg: Msg, shape: Msg): Msg {
  return Object.fromEntries(Object.keys(shape).map((k) => [k, msg[k]])) as Msg;
}

function assertClosures(session: Session, server: string): void {
  for (const { step, client } of session.expectedCloses) {
    const record = session.transcript.find((r) => r.step === step);
    assert.equal(
      record?.received[client]?.at(-1),
      CLOSED,
      `${server} should have closed ${client} in step ${step}`,
    );
  }
}

/** Runs `script` against a fresh seed and a fresh Natter and compares what the clients got. */
async function differential(
  t: TestContext,
  script: Script,
  framing: Framing = 'bare',
): Promise<void> {
  const [seed, natter] = await Promise.all([startSeed(t), startServer(t)]);
  const seedSession = new Session(t, seed.port, framing, false);
  const natterSession = new Session(t, natter.port, framing, true);
  await Promise.all([script(seedSession), script(natterSession)]);
  try {
    assertClosures(seedSession, 'the seed');
    assertClosures(natterSession, 'Natter');
    assert.deepEqual(natterSession.transcript, seedSession.transcript);
    const expected = natterSession.expectedExtensions;
    assert.deepEqual(
      natterSession.extensions.map((e, i) => ({
        ...e,
        msg: pick(e.msg, expected[i]?.msg ?? e.msg),
      })),
      expected,
      'Natter-only messages',
    );
  } catch (error) {
    t.diagnostic(`seed output:\n${seed.output()}`);
    throw error;
  }
}

/** RENAME, then chat and whisper under the new name; run with both framings. */
const renameScript: Script = async (s) => {
  await s.join('alice');
  await s.join('bob');
  await s.join('carol');
  await s.send('alice', { cmd: '5', newNickname: 'bob' });
  await s.send('alice', { cmd: '5', newNickname: 'alice' });
  await s.send('alice', { cmd: '5', newNickname: 'al' });
  s.natterSends('bob', { cmd: '52', nickname: 'alice', newNickname: 'al' });
  s.natterSends('carol', { cmd: '52', nickname: 'alice', newNickname: 'al' });
  await s.send('bob', { cmd: '2', to: 'alice', msg: 'are you there?' });
  await s.send('bob', { cmd: '2', to: 'al', msg: 'there you are' });
  await s.send('alice', { cmd: '7', msg: 'call me al' });
  await s.send('alice', { cmd: '2', to: 'carol', msg: 'psst, it is al' });
  await s.send('carol', { cmd: '5', newNickname: '캐롤' });
  s.natterSends('alice', { cmd: '52', nickname: 'carol', newNickname: '캐롤' });
  s.natterSends('bob', { cmd: '52', nickname: 'carol', newNickname: '캐롤' });
  await s.send('carol', { cmd: '7', msg: '이름을 바꿨어요' });
  await s.send('alice', { cmd: '3' });
  s.expectClosed('alice');
};

describe('differential: Natter against the seed server', () => {
  it('CONNECT: 03 with userCount to the joiner, 8 to the members already in', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('carol', '캐롤');
      await s.join('dave');
    });
  });

  it('CONNECT with a taken nickname: 01, then the server closes; nobody else is told', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('impostor', 'bob');
      s.expectClosed('impostor');
      await s.send('alice', { cmd: '1' });
    });
  });

  it('CONNECT to a full room of 10: 02 and closed; a taken nickname still gets 01', async (t) => {
    await differential(t, async (s) => {
      for (let i = 1; i <= 10; i++) await s.join(`m${i}`);
      await s.join('late');
      s.expectClosed('late');
      // The duplicate check comes before the capacity check.
      await s.join('impostor', 'm3');
      s.expectClosed('impostor');
      await s.send('m10', { cmd: '1' });
    });
  });

  it('USERS: 10 rows in join order, a renamed member listed last', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('carol');
      await s.send('bob', { cmd: '1' });
      await s.send('alice', { cmd: '5', newNickname: 'al' });
      s.natterSends('bob', { cmd: '52', nickname: 'alice', newNickname: 'al' });
      s.natterSends('carol', { cmd: '52', nickname: 'alice', newNickname: 'al' });
      await s.send('carol', { cmd: '1' });
      await s.send('alice', { cmd: '1' });
    });
  });

  it('WHISPER: 20, 21, and 70 to the target only, then 22 to the sender', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('carol');
      await s.send('alice', { cmd: '2', to: 'ghost', msg: 'anyone?' });
      await s.send('alice', { cmd: '2', to: 'alice', msg: 'note to self' });
      await s.send('alice', { cmd: '2', to: 'bob', msg: 'psst' });
      await s.send('carol', { cmd: '2', to: 'alice', msg: '비밀이야' });
    });
  });

  it('EXIT: no reply, the server closes, the others get 30 with the remaining userCount', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('carol');
      await s.send('bob', { cmd: '3' });
      s.expectClosed('bob');
      await s.send('alice', { cmd: '1' });
      await s.send('carol', { cmd: '3' });
      s.expectClosed('carol');
    });
  });

  it('abrupt disconnect: the others get 30 as for EXIT', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('carol');
      await s.drop('carol');
      await s.drop('alice');
      await s.send('bob', { cmd: '1' });
    });
  });

  it('VERSION: 40 with serverVersion "1", to the requester only', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.send('alice', { cmd: '4' });
      await s.send('bob', { cmd: '4' });
    });
  });

  it('RENAME: 50 for a taken or own nickname, 51, then chat and whisper under the new name', async (t) => {
    await differential(t, renameScript);
  });

  it('RENAME session with newline-terminated requests', async (t) => {
    await differential(t, renameScript, 'newline');
  });

  it('RTT: 60 echoes beginTime unchanged, whatever its type', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.send('alice', { cmd: '6', beginTime: 1716543210.123456 });
      await s.send('alice', { cmd: '6', beginTime: 42 });
      await s.send('alice', { cmd: '6', beginTime: '1716543210.123456' });
      await s.send('bob', { cmd: '6', beginTime: '시작 -0.5' });
    });
  });

  it('CHAT: 70 to everyone but the sender; non-ASCII and escapes survive', async (t) => {
    // The seed writes non-ASCII as \uXXXX escapes and Natter as UTF-8; decoded, they are equal.
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('carol');
      await s.send('alice', { cmd: '7', msg: 'hello' });
      await s.send('bob', { cmd: '7', msg: '안녕하세요! 반갑습니다 😀' });
      await s.send('carol', { cmd: '7', msg: 'two\nlines, "quoted", back\\slash, tab\t' });
    });
  });

  it('banned phrase in CHAT and WHISPER (case-insensitive): the sender is disconnected', async (t) => {
    await differential(t, async (s) => {
      await s.join('alice');
      await s.join('bob');
      await s.join('carol');
      await s.join('dave');
      // Shares words with the phrase, and is not it: delivered as usual by both. (With two
      // spaces the seed would deliver it too, and Natter disconnects, as rule 6.1 says.)
      await s.send('dave', { cmd: '7', msg: 'i hate professional advice' });
      await s.send('bob', { cmd: '7', msg: 'Well, I HATE Professor Kim' });
      s.natterSends('bob', { cmd: '911', error: 'BANNED_PHRASE', fatal: true });
      s.expectClosed('bob');
      // 20 and 21 are decided before the phrase is looked at.
      await s.send('carol', { cmd: '2', to: 'ghost', msg: 'i hate professor' });
      await s.send('carol', { cmd: '2', to: 'carol', msg: 'i hate professor' });
      await s.send('carol', { cmd: '2', to: 'alice', msg: 'xI Hate PROFESSORSx' });
      s.natterSends('carol', { cmd: '911', error: 'BANNED_PHRASE', fatal: true });
      s.expectClosed('carol');
      await s.send('alice', { cmd: '1' });
    });
  });
});
