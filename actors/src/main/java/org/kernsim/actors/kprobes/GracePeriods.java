package org.kernsim.actors.kprobes;

import java.util.HashMap;
import java.util.Map;
import org.kernsim.protocol.engine.TraceRecord;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * Tracks completed RCU-sched grace periods from the delivered {@code SynchronizeSched} (at the RCU
 * core: the request time) and {@code GracePeriodDone} (at the requester) messages: the latest
 * request time among the grace periods completed so far. A grace period requested at or after time
 * T and completed proves that every CPU passed a quiescent state after T.
 */
final class GracePeriods {
  private final Map<Long, Long> requested = new HashMap<>();
  private long lastCompletedRequest = Long.MIN_VALUE;

  private static long key(int requester, long token) {
    return ((long) requester << 40) ^ token;
  }

  /** Feeds one record; returns true if it was a grace-period message. */
  boolean observe(TraceRecord r) {
    if (!(r instanceof TraceRecord.Delivered d)) return false;
    if (d.payload() instanceof RcuMessage.SynchronizeSched s) {
      requested.put(key(s.requester(), s.token()), d.time());
      return true;
    }
    if (d.payload() instanceof RcuMessage.GracePeriodDone g) {
      Long at = requested.remove(key(d.entity(), g.token()));
      if (at != null) lastCompletedRequest = Math.max(lastCompletedRequest, at);
      return true;
    }
    return false;
  }

  /** Whether a grace period requested at or after {@code t} has completed. */
  boolean elapsedSince(long t) {
    return lastCompletedRequest >= t;
  }
}
