package org.kernsim.engine;

import org.kernsim.protocol.engine.Event;

/**
 * What the sequential driver's queue ({@link CalendarHeap}) keeps of an event beyond its keys when
 * the keys and the payload do not say it all: a timer (its key and generation), or an event whose
 * source is not its ordering key (a forked schedule's source ranks). A plain message is kept as its
 * payload alone, next to its keys (time, destination, source, sequence) in the queue's arrays: no
 * {@link Event} object per event. Package-private, so no payload is ever one.
 */
final class PendingEvent {
  final int src;
  final Object payload;
  final Object timerKey;
  final int timerGen;

  private PendingEvent(int src, Object payload, Object timerKey, int timerGen) {
    this.src = src;
    this.payload = payload;
    this.timerKey = timerKey;
    this.timerGen = timerGen;
  }

  /**
   * What the queue keeps next to the keys {@code (time, dst, srcKey, seq)}: the payload itself for
   * a message ordered by its own source, else a {@link PendingEvent}.
   */
  static Object ref(int src, int srcKey, Object payload, Object timerKey, int timerGen) {
    if (timerKey == null && src == srcKey) return payload;
    return new PendingEvent(src, payload, timerKey, timerGen);
  }

  /** The event that keys and {@code ref} (from {@link #ref}) stand for. */
  static Event event(long time, int srcKey, long seq, int dst, Object ref) {
    if (ref instanceof PendingEvent) {
      PendingEvent p = (PendingEvent) ref;
      return new Event(time, p.src, seq, dst, p.payload, p.timerKey, p.timerGen);
    }
    return Event.message(time, srcKey, seq, dst, ref);
  }
}
