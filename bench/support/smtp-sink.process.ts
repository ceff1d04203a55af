/**
 * An SMTP server in its own process for the delivery benchmark, so the sender under test has a
 * core to itself. Accepts everything, counts messages, answers `{ type: 'count' }` over IPC.
 */
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  secure: false,
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received += 1;
      callback();
    });
  },
});
server.on('error', () => undefined);
server.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.server.address() as AddressInfo;
  process.send?.({ type: 'ready', port });
});
process.on('message', (message: unknown) => {
  if (typeof message === 'object' && message !== null && 'type' in message && message.type === 'count') process.send?.({ type: 'count', received });
  if (typeof message === 'object' && message !== null && 'type' in message && message.type === 'stop') server.close(() => process.exit(0));
});
