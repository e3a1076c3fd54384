import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ANSWERS, answers, isSuccess } from '../../src/protocol/answers.js';
import { Cmd } from '../../src/protocol/codes.js';
import { errorMessage } from '../../src/protocol/errors.js';
import {
  REQUESTS,
  fieldProblem,
  isRequestCode,
  type ChatRequest,
  type ConnectRequest,
  type Request,
} from '../../src/protocol/requests.js';

describe('the request table (rule 5.5)', () => {
  it('checks each field against its type, own properties only', () => {
    assert.equal(fieldProblem({ cmd: '7', msg: 'hi' }, Cmd.CHAT), undefined);
    assert.deepEqual(fieldProblem({ cmd: '7' }, Cmd.CHAT), {
      field: 'msg',
      problem: '"msg" is missing',
    });
    assert.deepEqual(fieldProblem({ cmd: '7', msg: 5 }, Cmd.CHAT), {
      field: 'msg',
      problem: '"msg" must be a string',
    });
    const inherited = Object.create({ msg: 'from the prototype' }) as Record<string, unknown>;
    assert.equal(fieldProblem(inherited, Cmd.CHAT)?.field, 'msg');
    assert.equal(fieldProblem({ nickname: 'a', caps: ['x', 1] }, Cmd.CONNECT)?.field, 'caps');
    assert.equal(
      fieldProblem({ nickname: 'a', heartbeatMs: 1.5 }, Cmd.CONNECT)?.field,
      'heartbeatMs',
    );
    assert.equal(
      fieldProblem({ nickname: 'a', room: 'r', heartbeatMs: 5000 }, Cmd.CONNECT),
      undefined,
    );
    assert.equal(fieldProblem({ beginTime: null }, Cmd.RTT), undefined, 'any value, even null');
    assert.equal(fieldProblem({}, Cmd.RTT)?.problem, '"beginTime" is missing');
  });

  it('knows every request code, and nothing else', () => {
    for (const code of Object.keys(REQUESTS)) assert.equal(isRequestCode(code), true);
    for (const code of ['03', '70', '900', 'constructor', '__proto__']) {
      assert.equal(isRequestCode(code), false, code);
    }
  });

  it('derives the request types from the table', () => {
    const connect: ConnectRequest = { cmd: '0', nickname: 'a', caps: ['whisper'], id: 1 };
    const chat: ChatRequest = { cmd: '7', msg: 'hi' };
    const all: Request[] = [connect, chat, { cmd: '3' }, { cmd: '6', beginTime: { any: 1 } }];
    // @ts-expect-error a CHAT needs its msg
    const missing: ChatRequest = { cmd: '7' };
    // @ts-expect-error heartbeatMs is a number
    const wrong: ConnectRequest = { cmd: '0', nickname: 'a', heartbeatMs: '5' };
    assert.equal(all.length + [missing, wrong].length, 6);
  });
});

describe('the answer table', () => {
  it('answers every request but EXIT, with codes of the request’s own family (rule 1.5)', () => {
    const codes = new Set<string>(Object.values(Cmd));
    for (const code of Object.keys(REQUESTS)) {
      const entry = (ANSWERS as Record<string, { success: string; refusals: readonly string[] }>)[
        code
      ];
      if (code === Cmd.EXIT) {
        assert.equal(entry, undefined);
        continue;
      }
      assert.ok(entry, `request ${code} is answered`);
      for (const answer of [entry.success, ...entry.refusals]) {
        assert.ok(codes.has(answer), answer);
        assert.ok(answer.startsWith(code) || answer === Cmd.CHAT_ACCEPTED, answer);
        assert.equal(answers(code, answer), true);
      }
      assert.equal(isSuccess(entry.success), true);
      for (const refusal of entry.refusals) assert.equal(isSuccess(refusal), false);
    }
    assert.equal(answers(Cmd.USERS, Cmd.CHAT_RESPONSE), false);
    assert.equal(answers('__proto__', '10'), false);
  });
});

describe('error messages (rule 5.1)', () => {
  it('name the request, echo its id, carry details and say when they are fatal', () => {
    assert.deepEqual(
      errorMessage('INVALID_FIELD', {
        request: { cmd: '7', id: 'x' },
        reason: '"msg" is missing',
        fields: { field: 'msg' },
      }),
      {
        cmd: '906',
        error: 'INVALID_FIELD',
        reason: '"msg" is missing',
        request: '7',
        field: 'msg',
        id: 'x',
      },
    );
    assert.deepEqual(errorMessage('FLOOD'), {
      cmd: '917',
      error: 'FLOOD',
      reason: 'too many requests over the limit; you are disconnected',
      fatal: true,
    });
    assert.equal(errorMessage('INVALID_REQUEST', { request: { cmd: 5 } }).request, undefined);
  });
});
