/** The wire protocol: codes, messages, codec and limits. Pure: no I/O, no timers. */
export * from './codes.js';
export * from './errors.js';
export * from './requests.js';
export * from './messages.js';
export * from './answers.js';
export * from './decoder.js';
export * from './encode.js';
export * from './limits.js';
export * from './names.js';
export { rawMember } from './raw.js';
