// Sessions this process ends in Redis (a sign-out, a revocation, a ticket replaced at sign-in) are
// announced by ticket id on a pub/sub channel, so every process sharing the store can end what it
// holds open for them: a websocket on another replica ends with its session too. Best effort: a
// message published while a subscriber is reconnecting is lost, and that websocket then ends when
// its cookie expires. Only ticket ids travel, never who the user is: ids are already the store's
// key names, and the session behind one cannot be read without the secret in the browser's cookie.
import type { Cluster, Redis } from 'ioredis';

export interface EndedSessions {
  /** Tells every subscriber (this process included) that these tickets' sessions ended. */
  publish(ids: readonly string[]): void;
  /** Starts listening; the listener gets the ids of each message that are ticket ids of this store. */
  subscribe(listener: (ids: string[]) => void): void;
  close(): Promise<void>;
}

export function endedSessions(client: Redis | Cluster, cookieName: string): EndedSessions {
  const channel = `${cookieName}-ended`;
  const isTicketId = (id: string) => id.length === cookieName.length + 33 && id.startsWith(cookieName + '-') && /^[0-9a-f]{32}$/.test(id.slice(cookieName.length + 1));
  let sub: Redis | Cluster | undefined;

  return {
    publish(ids) {
      if (ids.length === 0) return;
      // Not awaited: the sign-out or revocation is done whether or not anyone hears of it.
      client.publish(channel, ids.join(' ')).catch(() => {});
    },
    subscribe(listener) {
      if (sub !== undefined) throw new Error('already subscribed');
      // A connection of its own, since a subscribed connection can issue no other commands. Unlike
      // the main connection it queues while offline: the SUBSCRIBE waits for the connection (and
      // is sent again after every reconnect) instead of failing at once.
      const s = client.isCluster
        ? (client as Cluster).duplicate([], { enableOfflineQueue: true })
        : (client as Redis).duplicate({ enableOfflineQueue: true });
      sub = s;
      s.on('error', () => { /* it reconnects and resubscribes; the main connection's errors are what the log reports */ });
      s.on('message', (from: string, message: string) => {
        if (from !== channel) return;
        const ids = message.split(' ').filter(isTicketId);
        if (ids.length > 0) listener(ids);
      });
      s.subscribe(channel).catch(() => { /* retried on reconnect */ });
    },
    async close() {
      const s = sub;
      sub = undefined;
      // disconnect, not QUIT: QUIT would wait for a connection that may never come back.
      s?.disconnect();
    },
  };
}
