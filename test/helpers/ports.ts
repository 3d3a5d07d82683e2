// A free TCP port for a test's or bench's own nginx or API. Always below Linux's ephemeral range
// (32768–60999): a listen port inside it can be taken by a client socket's local port, and nginx
// then fails with "bind() … Address already in use" while the test polls it.
import { portIsFree } from '../../src/host/real-host.js';

const FROM = 20_000;
const TO = 32_000;

export async function freePort(): Promise<number> {
  for (;;) {
    const port = FROM + Math.floor(Math.random() * (TO - FROM));
    if (await portIsFree(port, '127.0.0.1')) return port;
  }
}
