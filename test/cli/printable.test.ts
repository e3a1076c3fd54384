import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEvent, printable } from '../../src/cli/chat.js';

describe("natter chat shows other people's text safely", () => {
  it('renders control characters visibly and indents continuation lines', () => {
    assert.equal(printable('clear\u001b[2J screen'), 'clear\\u{1b}[2J screen');
    assert.equal(
      printable('bell\u0007 nul\u0000 del\u007f c1\u009b'),
      'bell\\u{7} nul\\u{0} del\\u{7f} c1\\u{9b}',
    );
    assert.equal(printable('rtl\u202eevil'), 'rtl\\u{202e}evil');
    assert.equal(printable('two\nlines'), 'two\n  lines');
    assert.equal(printable('tab\tand 한국어 😀'), 'tab\tand 한국어 😀');
    assert.equal(
      formatEvent({ type: 'chat', from: 'x\u001b]0;title\u0007', msg: 'hi' }),
      'x\\u{1b}]0;title\\u{7}: hi',
    );
  });
});
