package org.kernsim.protocol.engine;

import org.kernsim.protocol.WireMessage;

/**
 * One line of the canonical trace. Records are ordered by {@code (time, entity, index)}, where
 * {@code index} counts the records of one entity in the order it produced them; because every
 * entity processes its events in canonical order, this order is the same on every driver.
 */
public sealed interface TraceRecord extends WireMessage
    permits TraceRecord.Delivered, TraceRecord.Note, TraceRecord.Violation {

  long time();

  int entity();

  long index();

  /**
   * A message (or a timer) delivered to {@code entity}, sent by {@code src} as its {@code seq}-th
   * send. {@code sendsFrom} is {@code entity}'s own send counter as it takes the message: whatever
   * it sends while handling it is numbered from there (up to the {@code sendsFrom} of its next
   * delivery), so a reader can tie every message to the delivery during which it was sent (the flow
   * arrows of the trace exports).
   */
  record Delivered(
      long time, int entity, long index, int src, long seq, Object payload, long sendsFrom)
      implements TraceRecord {}

  /**
   * A model annotation ({@code ctx.trace(note)}): a step worth seeing, such as a lock or a pick.
   */
  record Note(long time, int entity, long index, Object note) implements TraceRecord {}

  /** An invariant checker fired. {@code entity} is where it was observed (-1: global). */
  record Violation(long time, int entity, long index, String checker, String message)
      implements TraceRecord {}

  static int compare(TraceRecord a, TraceRecord b) {
    int c = Long.compare(a.time(), b.time());
    if (c != 0) return c;
    c = Integer.compare(a.entity(), b.entity());
    if (c != 0) return c;
    return Long.compare(a.index(), b.index());
  }
}
