import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Cmd } from '../../src/protocol/codes.js';
import { ERRORS, ErrorCode, isErrorCode, type ErrorName } from '../../src/protocol/errors.js';

const doc = (name: string) =>
  readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');

describe('codes are public API: one table, all documented', () => {
  it('every error code is in errors.md with its name and fatality', () => {
    const errors = doc('errors.md');
    for (const name of Object.keys(ERRORS) as ErrorName[]) {
      const { code, fatal } = ERRORS[name];
      const row = new RegExp(
        `^\\| \`${code}\` +\\| ${name} +\\| ${fatal ? 'yes' : 'no'} +\\|`,
        'm',
      );
      assert.match(errors, row, `${code} ${name}`);
    }
  });

  it('error codes are unique, in 900-999, and match their names', () => {
    const codes = Object.values(ErrorCode);
    assert.equal(new Set(codes).size, codes.length);
    for (const [name, code] of Object.entries(ErrorCode)) {
      assert.ok(isErrorCode(code), code);
      assert.equal(ERRORS[name as ErrorName].code, code);
    }
  });

  it('every command and response code is in the protocol code table; none collide with errors', () => {
    const protocol = doc('protocol.md');
    const codes = Object.values(Cmd);
    assert.equal(new Set(codes).size, codes.length, 'codes are unique');
    for (const [name, code] of Object.entries(Cmd)) {
      assert.ok(!isErrorCode(code), `${name} is not in the error range`);
      assert.match(
        protocol,
        new RegExp(`^\\| \`${code}\` +\\| ${name}[ |]`, 'm'),
        `${code} ${name}`,
      );
    }
  });

  it("the seed's codes keep their values", () => {
    assert.deepEqual(
      [Cmd.CONNECT, Cmd.CONNECT_DUPLICATE_NICKNAME, Cmd.CONNECT_CHATROOM_FULL, Cmd.CONNECT_SUCCESS],
      ['0', '01', '02', '03'],
    );
    assert.deepEqual(
      [Cmd.USERS, Cmd.USERS_RESPONSE, Cmd.WHISPER, Cmd.WHISPER_NO_SUCH_USER],
      ['1', '10', '2', '20'],
    );
    assert.deepEqual(
      [Cmd.WHISPER_MYSELF, Cmd.WHISPER_SUCCESS, Cmd.EXIT, Cmd.EXIT_BROADCAST],
      ['21', '22', '3', '30'],
    );
    assert.deepEqual(
      [Cmd.VERSION, Cmd.VERSION_RESPONSE, Cmd.RENAME, Cmd.RENAME_DUPLICATE_NICKNAME],
      ['4', '40', '5', '50'],
    );
    assert.deepEqual(
      [Cmd.RENAME_SUCCESS, Cmd.RTT, Cmd.RTT_RESPONSE, Cmd.CHAT],
      ['51', '6', '60', '7'],
    );
    assert.deepEqual([Cmd.CHAT_RESPONSE, Cmd.NEW_USER_ENTERS], ['70', '8']);
  });

  it('every rule the code cites exists in protocol.md', () => {
    const protocol = doc('protocol.md');
    const rules = new Set([...protocol.matchAll(/^\*\*(\d+\.\d+)[ *]/gm)].map((m) => m[1]));
    const srcDir = new URL('../../../src/', import.meta.url);
    const files = readdirSync(srcDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.ts'));
    let citations = 0;
    for (const file of files) {
      const text = readFileSync(new URL(file, srcDir), 'utf8');
      for (const match of text.matchAll(/\brules? (\d+\.\d+(?:(?:, |-| and )\d+\.\d+)*)/g)) {
        for (const rule of match[1]!.split(/, |-| and /)) {
          citations++;
          assert.ok(rules.has(rule), `${file} cites rule ${rule}, which docs/protocol.md lacks`);
        }
      }
    }
    assert.ok(citations > 20, 'the code cites the rules it implements');
  });
});
