import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NatterError } from '../../src/client/index.js';
import {
  auditRow,
  banRow,
  formatDuration,
  formatTime,
  moderationLine,
  muteRow,
  until,
} from '../../src/cli/moderation-format.js';

/** The error the library gives for a message from the server. */
function answer(fields: Record<string, unknown> & { cmd: string }): NatterError {
  return NatterError.fromAnswer(fields);
}

describe('how natter chat words moderation', () => {
  it('shows a duration by its two largest units, rounded up to the second', () => {
    assert.equal(formatDuration(250_000), '4m 10s');
    assert.equal(formatDuration(7_200_000), '2h');
    assert.equal(formatDuration(7_260_000), '2h 1m');
    assert.equal(formatDuration(7 * 86_400_000 + 3 * 3_600_000 + 5_000), '7d 3h');
    assert.equal(formatDuration(86_400_000 + 59_000), '1d', 'a zero next unit is left out');
    assert.equal(formatDuration(300), '1s');
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(-5), '0s');
  });

  it('shows times in local time, and how long is left', () => {
    const at = new Date(2026, 11, 1, 18, 5).getTime();
    assert.equal(formatTime(at), '2026-12-01 18:05');
    assert.equal(until(at, at - 90_000), 'until 2026-12-01 18:05 (1m 30s left)');
    assert.equal(until(null, at), 'until lifted');
  });

  it('lists bans, mutes and audit entries one a row, the text made safe', () => {
    const now = new Date(2026, 0, 2, 10, 0).getTime();
    const ban = {
      id: '7',
      nickname: 'bob',
      reason: 'spam\u001b[2J',
      by: 'root',
      createdAt: now,
      expiresAt: null,
    };
    assert.equal(banRow(ban, now), '  ban #7  nickname bob  until lifted, by root: spam\\u{1b}[2J');
    const block = { ...ban, nickname: undefined, address: '192.0.2.0/24', reason: '' };
    assert.equal(banRow(block, now), '  ban #7  address 192.0.2.0/24  until lifted, by root');
    const mute = {
      nickname: 'eve',
      reason: 'calm',
      by: 'root',
      createdAt: now,
      expiresAt: now + 600_000,
    };
    assert.equal(
      muteRow(mute, now),
      '  mute  eve  until 2026-01-02 10:10 (10m left), by root: calm',
    );
    const entry = {
      id: 3,
      at: now,
      by: 'server',
      action: 'filter',
      target: 'bob',
      reason: '',
      phrase: 'bad',
    };
    assert.equal(auditRow(entry), '  [2026-01-02 10:00] server filter bob (phrase=bad)');
    const oper = { id: 4, at: now, by: 'root', action: 'oper', target: '', reason: '' };
    assert.equal(auditRow(oper), '  [2026-01-02 10:00] root oper');
  });

  it('words being kicked, banned and muted, and nothing else', () => {
    const kicked = answer({
      cmd: '929',
      error: 'KICKED',
      reason: 'kicked by root: spamming',
      by: 'root',
      fatal: true,
    });
    assert.equal(moderationLine(kicked), '! kicked by root: spamming');

    const ends = Date.parse('2026-12-01T18:00:00.000Z');
    const banned = answer({
      cmd: '931',
      error: 'BANNED',
      reason: 'banned by root until 2026-12-01T18:00:00.000Z: spamming',
      by: 'root',
      expiresAt: ends,
      fatal: true,
    });
    assert.equal(
      moderationLine(banned, ends - 7_200_000),
      `! banned by root until ${formatTime(ends)}: spamming (2h left)`,
    );
    const forever = answer({
      cmd: '931',
      error: 'BANNED',
      reason: 'banned by root',
      by: 'root',
      expiresAt: null,
    });
    assert.equal(moderationLine(forever), '! banned by root');

    const muted = answer({
      cmd: '932',
      error: 'MUTED',
      reason: 'you are muted',
      retryAfterMs: 250_000,
      expiresAt: 1,
      by: 'root',
    });
    assert.equal(
      moderationLine(muted),
      '! you are muted for another 4m 10s (by root): nothing was sent',
    );
    const refused = answer({ cmd: '933', error: 'MESSAGE_REFUSED', reason: 'not allowed here' });
    assert.equal(moderationLine(refused), '! not allowed here');
    assert.equal(moderationLine(answer({ cmd: '20' })), undefined);
    assert.equal(moderationLine(new NatterError('CLOSED', 'closed')), undefined);
  });
});
