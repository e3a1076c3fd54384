import type { ChatClient, NatterError } from '../../src/client/browser.js';
import { byId } from './dom.js';
import type { MessageList } from './message-list.js';
import { durationWords, sentenceFor } from './sentences.js';

/** What the operator's controls need of the page. */
export interface OperatorHost {
  /** The client, while connected. */
  client(): ChatClient | undefined;
  /** The member list shows (or hides) each member's Moderate button. */
  showActions(shown: boolean): void;
  readonly messages: MessageList;
}

/**
 * Logging in as an operator (OPER, docs/protocol.md section 13) and acting on a member: kick,
 * mute for a chosen time, ban for a chosen time. Everything here is hidden until OPER
 * succeeded, and hidden again when the session stops being an operator (a reconnect starts a
 * new session; an operator removed from the server's configuration is refused).
 */
export class OperatorControls {
  private readonly box = byId<HTMLDetailsElement>('oper-box');
  private readonly form = byId<HTMLFormElement>('oper-form');
  private readonly nameInput = byId<HTMLInputElement>('oper-name');
  private readonly passwordInput = byId<HTMLInputElement>('oper-password');
  private readonly error = byId('oper-error');
  private readonly status = byId('oper-status');
  private readonly panel = byId<HTMLFormElement>('moderate-form');
  private readonly who = byId('moderate-who');
  private readonly reason = byId<HTMLInputElement>('moderate-reason');
  private readonly muteFor = byId<HTMLSelectElement>('mute-for');
  private readonly banFor = byId<HTMLSelectElement>('ban-for');
  private readonly panelError = byId('moderate-error');
  /** The member the panel acts on. */
  private target: string | undefined;
  private operator: string | undefined;

  constructor(private readonly host: OperatorHost) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.logIn();
    });
    this.panel.addEventListener('submit', (event) => event.preventDefault());
    byId('do-kick').addEventListener('click', () => void this.act('kick'));
    byId('do-mute').addEventListener('click', () => void this.act('mute'));
    byId('do-unmute').addEventListener('click', () => void this.act('unmute'));
    byId('do-ban').addEventListener('click', () => void this.act('ban'));
    byId('moderate-close').addEventListener('click', () => this.close());
  }

  /** Opens the panel for a member (from its Moderate button). */
  open(nickname: string): void {
    if (!this.operator) return;
    this.target = nickname;
    this.who.textContent = nickname;
    this.panelError.textContent = '';
    this.panel.hidden = false;
    this.reason.focus();
  }

  /** The member the panel is open for left, or was renamed. */
  follow(from: string, to: string | undefined): void {
    if (this.target !== from) return;
    if (to === undefined) return this.close();
    this.target = to;
    this.who.textContent = to;
  }

  /** Checks that the client is still an operator (it is not after a reconnect). */
  check(): void {
    const client = this.host.client();
    if (this.operator && client && client.operator === undefined) {
      this.host.messages.system('You are no longer an operator. Log in as operator again to act.');
      this.drop();
    }
  }

  /** The session ended: nothing of the operator is left on the page. */
  reset(): void {
    this.drop();
    this.box.open = false;
  }

  private async logIn(): Promise<void> {
    const client = this.host.client();
    const name = this.nameInput.value.trim();
    const password = this.passwordInput.value;
    if (!client || !name || !password) {
      this.error.textContent = 'Enter the operator name and password.';
      return;
    }
    this.error.textContent = '';
    try {
      const { name: operator } = await client.oper(name, password);
      this.operator = operator;
      this.passwordInput.value = '';
      this.form.hidden = true;
      this.status.textContent = `You are an operator (${operator}).`;
      this.status.hidden = false;
      this.host.showActions(true);
      this.host.messages.system(
        'You are an operator now. Choose ⋯ beside a member to act on them.',
      );
    } catch (err) {
      this.error.textContent = sentenceFor(err as NatterError);
    }
  }

  private async act(action: 'kick' | 'mute' | 'unmute' | 'ban'): Promise<void> {
    const client = this.host.client();
    const nickname = this.target;
    if (!client || nickname === undefined) return;
    const reason = this.reason.value.trim() || undefined;
    this.panelError.textContent = '';
    try {
      const said = await this.run(client, action, nickname, reason);
      this.host.messages.system(said);
      this.reason.value = '';
      if (action === 'kick' || action === 'ban') this.close();
    } catch (err) {
      this.panelError.textContent = sentenceFor(err as NatterError);
      if (client.operator === undefined) this.drop();
    }
  }

  /** Does it; what to say in the conversation. */
  private async run(
    client: ChatClient,
    action: 'kick' | 'mute' | 'unmute' | 'ban',
    nickname: string,
    reason: string | undefined,
  ): Promise<string> {
    switch (action) {
      case 'kick':
        await client.kick(nickname, reason);
        return `You kicked ${nickname}.`;
      case 'mute': {
        const ms = Number(this.muteFor.value);
        await client.mute(nickname, ms, reason);
        return `You muted ${nickname} for ${durationWords(ms)}.`;
      }
      case 'unmute':
        await client.unmute(nickname);
        return `${nickname} is no longer muted.`;
      case 'ban': {
        const ms = Number(this.banFor.value);
        const { kicked } = await client.ban({
          nickname,
          ...(ms > 0 ? { durationMs: ms } : {}),
          ...(reason !== undefined ? { reason } : {}),
        });
        const time = ms > 0 ? `for ${durationWords(ms)}` : 'until the ban is lifted';
        const gone = kicked.length > 0 ? ` Disconnected: ${kicked.join(', ')}.` : '';
        return `You banned ${nickname} ${time}.${gone}`;
      }
    }
  }

  private close(): void {
    this.target = undefined;
    this.panel.hidden = true;
  }

  /** Not an operator (any more): the controls go, the login form is back. */
  private drop(): void {
    this.operator = undefined;
    this.close();
    this.form.hidden = false;
    this.status.hidden = true;
    this.host.showActions(false);
  }
}
