import type { Directory, MemberRecord } from '../../backends/directory.js';
import type { ServerConfig } from '../../config/options.js';
import { encode } from '../../protocol/encode.js';
import { errorMessage, type ErrorDetails, type ErrorName } from '../../protocol/errors.js';
import type { Announcement, Reply } from '../../protocol/messages.js';
import type { RequestId } from '../../protocol/requests.js';
import type { Logger } from '../logger.js';
import type { Announcer } from '../services/announcer.js';
import type { Membership } from '../services/membership.js';
import type { Policy } from '../services/policy.js';
import type { Session } from '../session.js';

/** The settings commands read. */
export type CommandSettings = Pick<
  ServerConfig,
  'maxUsers' | 'defaultRoom' | 'maxRoomNameLength' | 'hideAddresses'
>;

/** The services every command may use; one set per server. */
export interface Services {
  readonly directory: Directory;
  readonly membership: Membership;
  readonly announcer: Announcer;
  readonly policy: Policy;
  readonly settings: CommandSettings;
  readonly logger: Logger;
  /** This node's id in member records. */
  readonly nodeId: string;
}

/**
 * What a command handler is given (docs/DEVELOPING.md, "Adding a command"): the session it acts
 * for, the services, and the only ways to answer. Handlers never see the connection or its
 * transport.
 */
export interface CommandContext extends Services {
  readonly session: Session;
  /** Sends a direct answer, echoing the request's `id` when it had one (rule 4.3). */
  reply(message: Reply, id?: RequestId): void;
  /** Sends an already encoded frame to this client. */
  send(frame: Uint8Array): void;
  /** Sends an error from the error table (docs/errors.md) in answer to `request`. */
  error(
    name: ErrorName,
    request?: ErrorDetails['request'],
    reason?: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void;
  /** Delivers a message to every other member of this session's room, on every node. */
  announce(message: Announcement): void;
  /** Delivers a whisper from this session's member to another member, wherever it is. */
  whisper(to: MemberRecord, msg: string): void;
}

/** One session's context, made once per connection. */
export class SessionContext implements CommandContext {
  constructor(
    readonly session: Session,
    private readonly services: Services,
  ) {}

  get directory(): Directory {
    return this.services.directory;
  }
  get membership(): Membership {
    return this.services.membership;
  }
  get announcer(): Announcer {
    return this.services.announcer;
  }
  get policy(): Policy {
    return this.services.policy;
  }
  get settings(): CommandSettings {
    return this.services.settings;
  }
  get logger(): Logger {
    return this.services.logger;
  }
  get nodeId(): string {
    return this.services.nodeId;
  }

  reply(message: Reply, id?: RequestId): void {
    if (id !== undefined) message.id = id;
    this.session.writer.send(Buffer.from(encode(message)));
  }

  send(frame: Uint8Array): void {
    this.session.writer.send(frame);
  }

  error(
    name: ErrorName,
    request?: ErrorDetails['request'],
    reason?: string,
    fields?: Readonly<Record<string, unknown>>,
  ): void {
    const message = errorMessage(name, { request, reason, fields });
    this.session.writer.send(Buffer.from(encode(message)));
  }

  announce(message: Announcement): void {
    const { session } = this;
    this.services.announcer.announce(session.roomKey, message, session.id);
  }

  whisper(to: MemberRecord, msg: string): void {
    this.services.announcer.whisper(to, this.session.nickname, msg);
  }
}
