import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createClusterServer } from '../../src/cluster/index.js';
import { needRedis, REDIS_URL } from '../redis.js';

describe('cluster metrics', () => {
  it("/metrics has the node's round trips to Redis, measured by its heartbeats", async (t) => {
    const prefix = await needRedis(t);
    if (!prefix) return;
    const node = await createClusterServer({
      host: '127.0.0.1',
      port: 0,
      http: true,
      redis: REDIS_URL,
      redisPrefix: prefix,
    });
    t.after(() => node.close());
    const url = `http://127.0.0.1:${node.webAddress!.port}/metrics`;
    const text = await (await fetch(url)).text();
    assert.match(text, /^# TYPE natter_redis_rtt_seconds histogram$/m);
    // The first heartbeat, at least, was answered before the node listened.
    const count = Number(/^natter_redis_rtt_seconds_count (\d+)$/m.exec(text)?.[1]);
    assert.ok(count >= 1, `round trips measured: ${count}`);
    const inf = /^natter_redis_rtt_seconds_bucket\{le="\+Inf"\} (\d+)$/m.exec(text)?.[1];
    assert.equal(Number(inf), count);
    const sum = Number(/^natter_redis_rtt_seconds_sum (\S+)$/m.exec(text)?.[1]);
    assert.ok(sum > 0 && sum < count * 2, `each within the 2 s command timeout: ${sum}`);
  });
});
