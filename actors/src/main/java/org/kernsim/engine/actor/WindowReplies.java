package org.kernsim.engine.actor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.kernsim.engine.Metrics;
import org.kernsim.protocol.engine.Event;
import org.kernsim.protocol.engine.PartitionCommand;
import org.kernsim.protocol.engine.TraceRecord;

/**
 * How the entity actors of a partition's window answer it: each entity told to run the window
 * ({@link EntityActor.RunWindow}) writes what it sent, its records and its counts into its own
 * {@link Reply} and counts the window down; the one that brings the count to zero tells the
 * partition {@link WindowRan}. A window costs the partition one message in, however many entities
 * ran in it (before: an {@code EntityDone} per entity, as many {@code tell}s out as in), and the
 * replies and their event lists are reused from window to window.
 *
 * <p>Every entity stays an actor: it gets its window as a message, runs its own logic over its own
 * state, and no other thread touches its reply until it has counted down. The count is atomic, so
 * the entities of a window may run on several threads at once (a test kit's default dispatcher):
 * each entity's writes happen before its decrement, every decrement reads the one before it, and
 * the last one's {@code tell} happens before the partition reads the replies.
 *
 * <p>The replies are a pool indexed by the entity's place in the window (not one per entity): it is
 * as large as the partition's largest recent window and shrinks back as {@link
 * org.kernsim.engine.WindowSlices} does, and a reply's event list that grew beyond {@link
 * #KEEP_EVENTS} is dropped after the window, so a burst does not stay in the heap. Not thread-safe
 * apart from the count: one partition hands out and reads the replies.
 */
public final class WindowReplies {

  /** The partition's message: every entity of window {@code window} has answered. */
  public record WindowRan(long window)
      implements PartitionCommand.Local, NoSerializationVerificationNeeded {}

  /** An event list of a reply longer than this is not kept for the next window. */
  static final int KEEP_EVENTS = 64;

  /** Windows after which a pool that none of them filled beyond a quarter shrinks. */
  static final int SHRINK_AFTER = 256;

  /** One entity's answer for one window. */
  public static final class Reply {
    private final WindowReplies owner;
    int slot;
    List<Event> out = new ArrayList<>(8);
    List<TraceRecord> records; // null: none
    long lastTime;
    long delivered;
    Metrics recorded; // null: nothing recorded

    Reply(WindowReplies owner) {
      this.owner = owner;
    }

    /** The entity has written its answer: counts the window down; the last one tells. */
    void done(ActorRef<PartitionCommand> partition) {
      if (owner.running.decrementAndGet() == 0) partition.tell(new WindowRan(owner.window));
    }
  }

  private final AtomicInteger running = new AtomicInteger();
  private volatile long window; // written before the count is set: read by the last entity
  private Reply[] pool = new Reply[0];
  private int size;
  private int peak;
  private int windows;

  /**
   * Starts window {@code window} for {@code entities} entities: the replies {@code 0..entities-1}
   * are ready to be handed out ({@link #reply}). Call before any entity of the window is told.
   */
  void start(long window, int entities) {
    if (running.get() != 0) throw new IllegalStateException("a window is still running");
    if (pool.length < entities) {
      int n = Math.max(entities, pool.length * 2);
      int old = pool.length;
      pool = Arrays.copyOf(pool, n);
      for (int i = old; i < n; i++) pool[i] = new Reply(this);
    }
    this.window = window;
    size = entities;
    running.set(entities);
  }

  /** The reply of the {@code i}-th entity of the window, for the entity in {@code slot}. */
  Reply reply(int i, int slot) {
    Reply r = pool[i];
    r.slot = slot;
    return r;
  }

  /** The replies of the window, in the order they were handed out (once {@link WindowRan}). */
  Reply get(int i) {
    return pool[i];
  }

  /** The entities of the window under way. */
  int size() {
    return size;
  }

  /**
   * Forgets the window's answers once the partition has taken them: long event lists go, and every
   * {@link #SHRINK_AFTER} windows a pool that none of them filled beyond a quarter shrinks.
   */
  void clear() {
    for (int i = 0; i < size; i++) {
      Reply r = pool[i];
      if (r.out.size() > KEEP_EVENTS) r.out = new ArrayList<>(8);
      else r.out.clear();
      r.records = null;
      r.recorded = null;
    }
    if (size > peak) peak = size;
    size = 0;
    if (++windows < SHRINK_AFTER) return;
    if (peak * 4 <= pool.length && pool.length > 16)
      pool = Arrays.copyOf(pool, Math.max(16, Integer.highestOneBit(Math.max(1, peak)) << 1));
    peak = 0;
    windows = 0;
  }

  /** The pool's size now (for tests). */
  int capacity() {
    return pool.length;
  }
}
