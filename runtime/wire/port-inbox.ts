import type { MessagePort } from 'node:worker_threads';
import type { Envelope } from '../envelope.js';
import { BatchTag } from './port-link.js';
import { WireDecoder } from './wire-codec.js';

/**
 * The receiving side of one thread-to-thread MessagePort (PortLink is the sending side): decodes
 * each batch of envelopes into `deliver`, acknowledges it in the sender's shared counter, and
 * hands the other posts (records for the main thread's logs, see BatchTag) to `events`.
 */
export function listenToPort(port: MessagePort, origin: number, deliver: (e: Envelope) => void, events: (data: unknown[]) => void): void {
  const decoder = new WireDecoder();
  let received = 0;
  let taken: Int32Array | null = null;
  port.on('message', (data: unknown[]) => {
    if (data[0] === BatchTag.ENVELOPES) {
      decoder.decode(data, origin, deliver);
      // Acknowledged now, before any handler of this batch can run: a message that kills its
      // worker must not be sent again to the replacement (it would kill that one too).
      Atomics.store(taken!, 0, ++received);
    } else if (data[0] === BatchTag.ACK_COUNTER) {
      taken = new Int32Array(data[1] as SharedArrayBuffer);
    } else {
      events(data);
    }
  });
}
