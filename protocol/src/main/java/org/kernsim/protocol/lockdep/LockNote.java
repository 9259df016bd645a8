package org.kernsim.protocol.lockdep;

import org.kernsim.protocol.WireMessage;

/**
 * What a model tells the lock-order checker ({@code org.kernsim.engine.lockdep}): the lock classes
 * a task acquires and releases, in the order it does so. A lock is named by its <em>class</em>, as
 * lockdep does ({@code kprobe_mutex}, {@code cpu_hotplug_lock}, {@code &pool->lock}), not by its
 * instance; two instances of one class taken nested need distinct names (lockdep's subclasses,
 * {@code &pool->lock/1}).
 *
 * <p>Waits are pseudo-locks, as lockdep annotates {@code flush_work()}: the waiter acquires and at
 * once releases the pseudo-lock ({@link Wait}); whoever the waiter waits for holds it while it does
 * the work the waiter waits for ({@link Acquire} ... {@link Release}, e.g. around a work function
 * or from a completer's start to its {@code complete()}).
 */
public sealed interface LockNote extends WireMessage
    permits LockNote.Acquire, LockNote.Release, LockNote.Wait {

  /** How a lock is taken (lockdep's {@code read} argument: 0, 1, 2). */
  enum LockMode {
    /** Exclusive: a mutex, a spinlock, the write side of a rwsem ({@code read = 0}). */
    WRITE,
    /**
     * A shared, non-recursive read ({@code down_read()}, {@code percpu_down_read()}: {@code read =
     * 1}): a pending writer blocks new readers, so taking it again while holding it can deadlock.
     */
    READ,
    /**
     * A recursive read ({@code read = 2}: {@code rcu_read_lock()}, a rwlock's read side, or a read
     * lock of an era whose readers never wait for a pending writer): may nest in itself.
     */
    RECURSIVE_READ
  }

  /**
   * Task {@code task} (an entity id) tries to take lock class {@code lock}, in {@code site} (a
   * kernel function). Recorded at the attempt, before it can block, as lockdep does: a deadlocked
   * attempt still adds its dependency. A {@code trylock} adds no dependency (it cannot wait).
   */
  record Acquire(int task, String lock, LockMode mode, boolean trylock, String site)
      implements LockNote {}

  /** Task {@code task} releases lock class {@code lock} (its most recent acquisition of it). */
  record Release(int task, String lock) implements LockNote {}

  /**
   * Task {@code task} waits for pseudo-lock {@code lock} in {@code site} ({@code flush_work()},
   * {@code wait_for_completion()}): an exclusive acquisition immediately released.
   */
  record Wait(int task, String lock, String site) implements LockNote {}
}
