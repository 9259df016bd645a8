package org.kernsim.engine;

import java.util.Arrays;
import org.kernsim.protocol.engine.Event;

/**
 * A 4-ary min-heap of events in canonical global order {@code (time, dst, src, seq)}. The keys of a
 * slot are three adjacent longs of one array — the time, {@code dst} and {@code src} packed into
 * one long that compares as the pair, and the sequence number — so a comparison reads one place in
 * memory and a node's four children are 96 contiguous bytes; with four children a level, the heap
 * is half as deep as a binary one. Comparisons never touch the event objects. It replaces {@code
 * PriorityQueue<Event>} on the actor engine's hot path (the window queue's overflow). The heap is a
 * {@link SlotHeap} (the sequential driver's, which holds no event objects) with the event as each
 * slot's reference: one heap, two views.
 */
public final class EventHeap {
  private final SlotHeap slots;

  public EventHeap(int capacity) {
    slots = new SlotHeap(capacity);
  }

  public int size() {
    return slots.size();
  }

  public boolean isEmpty() {
    return slots.isEmpty();
  }

  /** The pending events in canonical global order (the heap is left as it is). */
  public java.util.List<Event> sorted() {
    Event[] a = new Event[slots.size()];
    for (int i = 0; i < a.length; i++) a[i] = at(i);
    Arrays.sort(a, Event::compareGlobal);
    return Arrays.asList(a);
  }

  /** The earliest event's time; {@code Long.MAX_VALUE} if empty. */
  public long minTime() {
    return slots.minTime();
  }

  /** The latest event's time ({@code Long.MIN_VALUE} if empty): a scan of every key. */
  public long maxTime() {
    return slots.maxTime();
  }

  /** The earliest event's destination (the heap must not be empty). */
  public int minDst() {
    return (int) (slots.minPair() >> 32);
  }

  /** The earliest event's source key: its source, or the rank it was added with. */
  public int minSrcKey() {
    return (int) slots.minPair() ^ Integer.MIN_VALUE;
  }

  public Event peek() {
    return (Event) slots.minRef();
  }

  /** The event in slot {@code i} of the heap ({@code i < size}; heap order, not sorted). */
  Event at(int i) {
    return (Event) slots.refAt(i);
  }

  public void add(Event e) {
    add(e, e.src());
  }

  /**
   * {@code dst} then {@code src} as one long whose signed order is the pair's: {@code dst} in the
   * high half, {@code src} with its sign bit flipped (so that its signed order becomes the unsigned
   * order of the low half).
   */
  static long pair(int dst, int src) {
    return ((long) dst << 32) | ((src ^ Integer.MIN_VALUE) & 0xFFFF_FFFFL);
  }

  /**
   * Adds {@code e} ordered among same-time events at its destination by {@code srcKey} instead of
   * its source id (a forked schedule's order of sources).
   */
  public void add(Event e, int srcKey) {
    slots.add(e.time(), pair(e.dst(), srcKey), e.seq(), e);
  }

  public Event poll() {
    Event top = (Event) slots.minRef();
    if (top != null) slots.remove();
    return top;
  }
}
