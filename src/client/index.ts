/** The client library: depends only on the protocol module. */
export {
  connect,
  ChatClient,
  type ConnectOptions,
  type ChatEvent,
  type User,
} from './chat-client.js';
export { NatterError } from './errors.js';
