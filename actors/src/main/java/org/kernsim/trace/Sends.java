package org.kernsim.trace;

/**
 * Where each message of a trace was sent: a delivered record's {@code sendsFrom} says that what its
 * entity sends while handling it is numbered from there, so the delivery during which {@code src}
 * sent its {@code seq}-th message is {@code src}'s last delivery with {@code sendsFrom <= seq} (a
 * message numbered below its first delivery was sent by its {@code start()}, at time 0). Fed every
 * record in file order; keeps the last {@code depth} deliveries of each entity (what a message sent
 * earlier than that cannot be placed), so memory is bounded by the number of active entities.
 */
public final class Sends {
  private final int depth;
  private long[][] from = new long[0][];
  private long[][] times = new long[0][];
  private long[][] ordinals = new long[0][];
  private int[] head = new int[0];
  private int[] count = new int[0];
  private boolean[] dropped = new boolean[0];
  private long unknown;

  public Sends(int depth) {
    this.depth = depth;
  }

  /**
   * Where a message was sent: the time and the ordinal of the delivery that sent it (-1: start).
   */
  public record Origin(long time, long ordinal) {}

  /**
   * {@code entity} handled a delivery at {@code time}, numbering its sends from {@code sendsFrom}.
   */
  public void handled(int entity, long sendsFrom, long time, long ordinal) {
    if (entity < 0) return;
    ensure(entity);
    if (from[entity] == null) {
      from[entity] = new long[8];
      times[entity] = new long[8];
      ordinals[entity] = new long[8];
    }
    int n = count[entity];
    long[] f = from[entity];
    if (n == f.length && f.length < depth) {
      int cap = Math.min(depth, f.length * 2);
      from[entity] = unroll(f, head[entity], n, cap);
      times[entity] = unroll(times[entity], head[entity], n, cap);
      ordinals[entity] = unroll(ordinals[entity], head[entity], n, cap);
      head[entity] = 0;
      f = from[entity];
    }
    int cap = f.length;
    int slot;
    if (n == cap) { // full at depth: forget the oldest
      slot = head[entity];
      head[entity] = (head[entity] + 1) % cap;
      dropped[entity] = true;
    } else {
      slot = (head[entity] + n) % cap;
      count[entity] = n + 1;
    }
    f[slot] = sendsFrom;
    times[entity][slot] = time;
    ordinals[entity][slot] = ordinal;
  }

  /** Where {@code src}'s {@code seq}-th message was sent, or null when it cannot be placed. */
  public Origin origin(int src, long seq) {
    if (src < 0) {
      unknown++;
      return null;
    }
    if (src >= from.length || from[src] == null) return new Origin(0, -1); // sent by start()
    long[] f = from[src];
    int n = count[src];
    int cap = f.length;
    int h = head[src];
    // the last slot whose sendsFrom <= seq (slots are in increasing sendsFrom order)
    int lo = 0;
    int hi = n - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (f[(h + mid) % cap] <= seq) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) {
      if (dropped[src]) {
        unknown++;
        return null;
      }
      return new Origin(0, -1); // sent by start()
    }
    int slot = (h + found) % cap;
    return new Origin(times[src][slot], ordinals[src][slot]);
  }

  /** How many messages could not be placed (sent longer ago than the kept history). */
  public long unknown() {
    return unknown;
  }

  private void ensure(int entity) {
    if (entity < from.length) return;
    int n = Math.max(entity + 1, from.length * 2);
    from = java.util.Arrays.copyOf(from, n);
    times = java.util.Arrays.copyOf(times, n);
    ordinals = java.util.Arrays.copyOf(ordinals, n);
    head = java.util.Arrays.copyOf(head, n);
    count = java.util.Arrays.copyOf(count, n);
    dropped = java.util.Arrays.copyOf(dropped, n);
  }

  private static long[] unroll(long[] a, int head, int n, int cap) {
    long[] out = new long[cap];
    for (int i = 0; i < n; i++) out[i] = a[(head + i) % a.length];
    return out;
  }
}
