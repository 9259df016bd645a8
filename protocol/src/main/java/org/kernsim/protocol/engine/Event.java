package org.kernsim.protocol.engine;

/**
 * One scheduled delivery: {@code payload} reaches entity {@code dst} at virtual time {@code time}.
 *
 * <p>The canonical order at a destination is {@code (time, src, seq)}; {@code seq} is the sender's
 * own send counter, so the key is unique. A timer is an event an entity sends to itself with {@code
 * timerKey != null}; it is delivered only if {@code timerGen} is still the entity's current
 * generation for that key (a cancelled or restarted timer never fires).
 */
public record Event(
    long time, int src, long seq, int dst, Object payload, Object timerKey, int timerGen) {

  public static Event message(long time, int src, long seq, int dst, Object payload) {
    return new Event(time, src, seq, dst, payload, null, 0);
  }

  public boolean isTimer() {
    return timerKey != null;
  }

  /** Canonical comparison at one destination: (time, src, seq). */
  public static int compareAtDestination(Event a, Event b) {
    int c = Long.compare(a.time, b.time);
    if (c != 0) return c;
    c = Integer.compare(a.src, b.src);
    if (c != 0) return c;
    return Long.compare(a.seq, b.seq);
  }

  /** Canonical global comparison: (time, dst, src, seq). */
  public static int compareGlobal(Event a, Event b) {
    int c = Long.compare(a.time, b.time);
    if (c != 0) return c;
    c = Integer.compare(a.dst, b.dst);
    if (c != 0) return c;
    c = Integer.compare(a.src, b.src);
    if (c != 0) return c;
    return Long.compare(a.seq, b.seq);
  }
}
