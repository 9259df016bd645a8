package org.kernsim.actors.hotplug;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CPU hotplug lock, {@code cpu_hotplug_lock}, as one kernel version has it. Plain Java: holders
 * are task entity ids, and every method is one step of the kernel function it is named after.
 *
 * <ul>
 *   <li>{@link Kind#PERCPU_RWSEM} (v4.13 and later, so the kernel seed 001 applies to: {@code
 *       DEFINE_STATIC_PERCPU_RWSEM(cpu_hotplug_lock)}, {@code kernel/locking/percpu-rwsem.c} as
 *       rewritten in v5.8; read from v6.13.7): readers take a per-CPU count on the fast path while
 *       {@code rcu_sync} is idle; a writer ({@code percpu_down_write()}) first waits a grace period
 *       ({@code rcu_sync_enter()}), then sets {@code sem->block} — from then on every new reader,
 *       including one that already holds the read side, queues on {@code sem->waiters} — and waits
 *       until the readers are gone. A reader that takes the read side again while a writer waits
 *       therefore deadlocks (catalogue SM-2). {@code percpu_up_write()} clears {@code block} and
 *       wakes the waiters in FIFO order.
 *   <li>{@link Kind#REFCOUNT} (v3.8, v3.9: {@code get_online_cpus()}, {@code cpu_hotplug_begin()}
 *       in {@code kernel/cpu.c}): a reader takes {@code cpu_hotplug.lock} (a mutex) only to bump
 *       {@code cpu_hotplug.refcount}; the writer loops {@code mutex_lock; if (!refcount) break;
 *       mutex_unlock; schedule()} and holds the mutex from then on. Readers block only while the
 *       writer holds the mutex, which it does only once the count is zero, so a nested {@code
 *       get_online_cpus()} never deadlocks; the active writer's own reads return at once.
 * </ul>
 */
public final class HotplugLock {

  /** Which implementation. */
  public enum Kind {
    /** v3.8 / v3.9: {@code get_online_cpus()} refcount under {@code cpu_hotplug.lock}. */
    REFCOUNT,
    /** v4.13+: {@code percpu_rw_semaphore}. */
    PERCPU_RWSEM
  }

  /** The writer's progress in {@code cpus_write_lock()}. */
  public enum WriterState {
    /** No writer. */
    NONE,
    /** {@code rcu_sync_enter()}: waiting for a grace period; readers still take the fast path. */
    RCU_SYNC,
    /** {@code sem->block} set (or, v3.8, the writer loops): waiting for the readers to leave. */
    WAIT_READERS,
    /** {@code cpus_write_lock()} returned. */
    HELD
  }

  /** A blocked acquisition: {@code holder} waits, {@code token} names it to its requester. */
  public record Waiter(int holder, int replyTo, long token, String site, boolean recursive) {}

  /** A read acquisition granted later (when the writer leaves). */
  public record Grant(int holder, int replyTo, long token, String site, int depth) {}

  private final Kind kind;

  /** Readers that hold the read side: holder -> nesting depth (ordered, for determinism). */
  private final TreeMap<Integer, Integer> readers = new TreeMap<>();

  /** {@code sem->waiters} (v3.8: tasks blocked on {@code cpu_hotplug.lock}), FIFO. */
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

  private int writer = -1;
  private WriterState writerState = WriterState.NONE;

  public HotplugLock(Kind kind) {
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * {@code cpus_read_lock()} / {@code get_online_cpus()}: returns the nesting depth if granted, or
   * 0 if the reader now waits (it is queued; {@link #writeUnlock} grants it).
   */
  public int readLock(int holder, int replyTo, long token, String site) {
    boolean recursive = readers.containsKey(holder);
    if (kind == Kind.REFCOUNT) {
      // get_online_cpus(): if (cpu_hotplug.active_writer == current) return;
      if (holder == writer) return depth(holder) + 1;
      // mutex_lock(&cpu_hotplug.lock): held by the writer only once it is HELD
      if (writerState == WriterState.HELD) {
        waiters.addLast(new Waiter(holder, replyTo, token, site, recursive));
        return 0;
      }
      return take(holder);
    }
    // percpu_down_read(): the fast path while rcu_sync is idle, else __percpu_down_read(): granted
    // unless sem->block is set
    if (writerState == WriterState.WAIT_READERS || writerState == WriterState.HELD) {
      waiters.addLast(new Waiter(holder, replyTo, token, site, recursive));
      return 0;
    }
    return take(holder);
  }

  private int take(int holder) {
    return readers.merge(holder, 1, Integer::sum);
  }

  private int depth(int holder) {
    return readers.getOrDefault(holder, 0);
  }

  /**
   * {@code cpus_read_unlock()} / {@code put_online_cpus()}: returns whether the writer's wait for
   * the readers is now over ({@code rcuwait_wake_up(&sem->writer)} / {@code
   * wake_up_process(cpu_hotplug.active_writer)}): then the writer holds the lock.
   */
  public boolean readUnlock(int holder) {
    if (kind == Kind.REFCOUNT && holder == writer) return false; // the writer's own read
    Integer d = readers.get(holder);
    if (d == null) throw new IllegalStateException("cpus_read_unlock() by " + holder + " not held");
    if (d == 1) readers.remove(holder);
    else readers.put(holder, d - 1);
    if (writerState == WriterState.WAIT_READERS && readers.isEmpty()) {
      writerState = WriterState.HELD;
      return true;
    }
    return false;
  }

  /**
   * {@code cpus_write_lock()} by {@code w}: returns the state it reached — {@link
   * WriterState#RCU_SYNC} (v4.13+: call {@link #gracePeriodPassed} once a grace period has passed),
   * {@link WriterState#WAIT_READERS} or {@link WriterState#HELD}.
   */
  public WriterState writeLock(int w) {
    if (writerState != WriterState.NONE)
      throw new IllegalStateException(
          "a second writer " + w + " while " + writer + " is " + writerState);
    writer = w;
    if (kind == Kind.PERCPU_RWSEM) {
      writerState = WriterState.RCU_SYNC; // rcu_sync_enter(&sem->rss): synchronize_rcu()
      return writerState;
    }
    return block();
  }

  /** {@code rcu_sync_enter()} returned: set {@code sem->block}, wait for the readers. */
  public WriterState gracePeriodPassed() {
    if (writerState != WriterState.RCU_SYNC)
      throw new IllegalStateException("grace period while the writer is " + writerState);
    return block();
  }

  private WriterState block() {
    writerState = readers.isEmpty() ? WriterState.HELD : WriterState.WAIT_READERS;
    return writerState;
  }

  /**
   * {@code cpus_write_unlock()} / {@code cpu_hotplug_done()}: clear {@code sem->block} and wake the
   * waiting readers, in order; returns their grants.
   */
  public List<Grant> writeUnlock() {
    if (writerState != WriterState.HELD)
      throw new IllegalStateException("cpus_write_unlock() while the writer is " + writerState);
    writer = -1;
    writerState = WriterState.NONE;
    List<Grant> out = new ArrayList<>();
    while (!waiters.isEmpty()) {
      Waiter w = waiters.pollFirst();
      out.add(new Grant(w.holder(), w.replyTo(), w.token(), w.site(), take(w.holder())));
    }
    return out;
  }

  /**
   * A deadlock of the lock itself: the writer waits for the readers to leave, and a reader that
   * holds the read side waits behind the writer (SM-2) — nobody can move. Returns that reader, or
   * -1.
   */
  public int deadlockedReader() {
    if (writerState != WriterState.WAIT_READERS) return -1;
    for (Waiter w : waiters) if (readers.containsKey(w.holder())) return w.holder();
    return -1;
  }

  public int writer() {
    return writer;
  }

  public WriterState writerState() {
    return writerState;
  }

  /** The readers that hold the read side, with their depth. */
  public Map<Integer, Integer> readers() {
    return java.util.Collections.unmodifiableMap(readers);
  }

  public List<Waiter> waiters() {
    return List.copyOf(waiters);
  }

  public boolean holdsRead(int holder) {
    return readers.containsKey(holder) || (kind == Kind.REFCOUNT && holder == writer);
  }
}
