import type { Bus } from '../../backends/bus.js';
import type { Directory, MemberRecord } from '../../backends/directory.js';
import type { AuditPage, Ban, BanTarget, Mute } from '../../backends/moderation.js';
import {
  AddressError,
  blockContains,
  parseAddress,
  parseAddressBlock,
} from '../../moderation/address-match.js';
import { nicknameKeys } from '../../protocol/names.js';
import type { Logger } from '../logger.js';
import type { Session } from '../session.js';
import type { Moderation } from './moderation.js';
import type { Operators } from './operators.js';

/** A request the operator got wrong: answered INVALID_FIELD `906` naming the field. */
export class ActionFieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** KICK of a nickname nobody holds: NO_SUCH_MEMBER `930`. */
export class NoSuchMemberError extends Error {}

/** What the operators' actions use. */
export interface ActionDeps {
  readonly moderation: Moderation;
  readonly operators: Operators;
  readonly directory: Directory;
  readonly bus: Bus;
  readonly logger: Logger;
}

/** Longest `reason` an operator may give, in code points (rule 13.3). */
export const MAX_REASON_LENGTH = 300;
/** Longest `durationMs`: a hundred years (rule 13.3). */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

/**
 * What operators do (docs/protocol.md, section 13): OPER, KICK, BAN, MUTE, UNBAN, BANS and
 * AUDIT, each kept in the audit log. The commands check that the session is an operator; here
 * the targets are checked, the store changed and the members concerned closed.
 */
export class ModerationActions {
  constructor(private readonly deps: ActionDeps) {}

  /** OPER (rule 13.2): makes the session an operator, or says why not. */
  async oper(session: Session, name: string, password: string) {
    const { operators, logger, moderation } = this.deps;
    const address = session.endpoints.remoteAddress;
    const checked = await operators.check(name, password, address);
    if (!checked.ok) {
      logger.warn(`OPER as ${JSON.stringify(name)} failed from ${address} (${session.label})`);
      return checked;
    }
    session.setOperator(name);
    logger.info(`${session.label} is now the operator ${name}`);
    await moderation.current.appendAudit({
      by: name,
      action: 'oper',
      target: name,
      details: { address },
    });
    return checked;
  }

  /** KICK (rule 13.4): closes the member holding `nickname`, on whichever node it is. */
  async kick(operator: string, session: Session, nickname: string, reason: string) {
    checkReason(reason);
    const { directory, bus, moderation } = this.deps;
    const member = await directory.find(nickname);
    if (!member) throw new NoSuchMemberError(`nobody is called ${nickname}`);
    if (member.id === session.id)
      throw new ActionFieldError('nickname', 'you cannot kick yourself');
    // Through the bus also on this node: a member whose join is still under way here gets it
    // once it has joined (deliveries.ts), as a whisper would.
    await bus.publish({ kind: 'kick', node: member.node, to: member.id, by: operator, reason });
    await moderation.current.appendAudit({
      by: operator,
      action: 'kick',
      target: member.nickname,
      reason,
      details: { address: member.ip },
    });
    return member.nickname;
  }

  /** BAN (rule 13.5): one ban per target given; closes the members they hold, everywhere. */
  async ban(
    operator: string,
    session: Session,
    request: { nickname?: string; address?: string; durationMs?: number; reason?: string },
  ): Promise<{ bans: Ban[]; kicked: string[] }> {
    const { nickname, address, durationMs, reason = '' } = request;
    checkReason(reason);
    if (durationMs !== undefined) checkDuration(durationMs, 1);
    const targets = banTargets(nickname, address);
    if (targets.length === 0) {
      throw new ActionFieldError('nickname', 'name a "nickname" or an "address" to ban');
    }
    for (const target of targets) {
      refuseSelf(session, target);
      // A block that holds the operator's own address is allowed (on one machine, or behind
      // one gateway, everyone shares an address), but does not close the operator who made it.
      if ('address' in target) this.deps.moderation.exempt(session, target.address);
    }
    // Who is held, before the ban closes them (the directory forgets them as they leave).
    const held = (await this.holders(targets)).filter((m) => m.id !== session.id);
    const bans: Ban[] = [];
    for (const target of targets) {
      const ban = await this.deps.moderation.current.addBan({
        ...target,
        reason,
        by: operator,
        ...(durationMs === undefined ? {} : { durationMs }),
      });
      bans.push(ban);
      this.deps.moderation.applied({ type: 'ban', ban });
      await this.audit(operator, 'ban', ban.target, reason, {
        banId: ban.id,
        kind: ban.kind,
        expiresAt: ban.expiresAt,
      });
    }
    return { bans, kicked: held.map((m) => m.nickname) };
  }

  /** UNBAN (rule 13.7): lifts the bans of a nickname, an address or block, or by id. */
  async unban(
    operator: string,
    request: { nickname?: string; address?: string; id?: string },
  ): Promise<Ban[]> {
    const { moderation } = this.deps;
    const targets = banTargets(request.nickname, request.address);
    if (request.id !== undefined) {
      const ban = (await moderation.current.listBans()).find((b) => b.id === request.id);
      if (ban)
        targets.push(ban.kind === 'nickname' ? { nickname: ban.target } : { address: ban.target });
    } else if (targets.length === 0) {
      throw new ActionFieldError(
        'nickname',
        'name a "nickname", an "address" or a "banId" to unban',
      );
    }
    const removed: Ban[] = [];
    for (const target of targets) {
      for (const ban of await moderation.current.removeBan(target)) {
        removed.push(ban);
        moderation.applied({ type: 'unban', ban });
        await this.audit(operator, 'unban', ban.target, '', { banId: ban.id, kind: ban.kind });
      }
    }
    return removed;
  }

  /** MUTE (rule 13.6): `durationMs` 0 lifts it. Resolves with the mute, or none when lifted. */
  async mute(
    operator: string,
    session: Session,
    request: { nickname: string; durationMs: number; reason?: string },
  ): Promise<Mute | undefined> {
    const { nickname, durationMs, reason = '' } = request;
    checkReason(reason);
    checkDuration(durationMs, 0);
    const { moderation } = this.deps;
    if (durationMs === 0) {
      for (const mute of await moderation.current.removeMute(nickname)) {
        moderation.applied({ type: 'unmute', mute });
        await this.audit(operator, 'unmute', mute.nickname, reason, { muteId: mute.id });
      }
      return undefined;
    }
    refuseSelf(session, { nickname });
    const mute = await moderation.current.addMute({ nickname, reason, by: operator, durationMs });
    moderation.applied({ type: 'mute', mute });
    await this.audit(operator, 'mute', nickname, reason, {
      muteId: mute.id,
      expiresAt: mute.expiresAt,
    });
    return mute;
  }

  /** BANS (rule 13.8): the active bans and mutes, newest first. */
  async list(): Promise<{ bans: Ban[]; mutes: Mute[] }> {
    const store = this.deps.moderation.current;
    const [bans, mutes] = await Promise.all([store.listBans(), store.listMutes()]);
    return { bans: bans.reverse(), mutes: mutes.reverse() };
  }

  /** AUDIT (rule 13.9): a page of the log, newest first. */
  auditPage(query: { before?: number; limit: number }): Promise<AuditPage> {
    return this.deps.moderation.current.readAudit(query);
  }

  /** The members the targets hold now, on every node (for `kicked`). */
  private async holders(targets: BanTarget[]): Promise<MemberRecord[]> {
    const { directory } = this.deps;
    const found = new Map<string, MemberRecord>();
    for (const target of targets) {
      if ('nickname' in target) {
        const member = await directory.find(target.nickname);
        if (member) found.set(member.id, member);
        continue;
      }
      const block = parseAddressBlock(target.address);
      for (const { room } of await directory.rooms()) {
        for (const member of await directory.members(room)) {
          if (inBlock(block, member.ip)) found.set(member.id, member);
        }
      }
    }
    return [...found.values()];
  }

  private async audit(
    by: string,
    action: string,
    target: string,
    reason: string,
    details: Readonly<Record<string, string | number | boolean | null>>,
  ): Promise<void> {
    await this.deps.moderation.current.appendAudit({ by, action, target, reason, details });
  }
}

/** The targets of a BAN or UNBAN, the address checked. */
function banTargets(nickname: string | undefined, address: string | undefined): BanTarget[] {
  const targets: BanTarget[] = [];
  if (nickname !== undefined) targets.push({ nickname });
  if (address !== undefined) {
    try {
      targets.push({ address: parseAddressBlock(address).text });
    } catch (err) {
      if (!(err instanceof AddressError)) throw err;
      throw new ActionFieldError('address', `"address" ${err.message}`);
    }
  }
  return targets;
}

/** An operator may not ban or mute its own nickname (rule 13.3). */
function refuseSelf(session: Session, target: BanTarget): void {
  if (!('nickname' in target)) return;
  const own = new Set(nicknameKeys(session.nickname));
  if (nicknameKeys(target.nickname).some((key) => own.has(key))) {
    throw new ActionFieldError('nickname', 'that is your own nickname');
  }
}

function inBlock(block: ReturnType<typeof parseAddressBlock>, address: string): boolean {
  try {
    return blockContains(block, parseAddress(address));
  } catch (err) {
    if (err instanceof AddressError) return false;
    throw err;
  }
}

function checkReason(reason: string): void {
  if (reason.length > MAX_REASON_LENGTH && Array.from(reason).length > MAX_REASON_LENGTH) {
    throw new ActionFieldError(
      'reason',
      `"reason" must be at most ${MAX_REASON_LENGTH} characters`,
    );
  }
}

function checkDuration(ms: number, min: number): void {
  if (ms < min || ms > MAX_DURATION_MS) {
    throw new ActionFieldError(
      'durationMs',
      `"durationMs" must be from ${min} to ${MAX_DURATION_MS}`,
    );
  }
}
