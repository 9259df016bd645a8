package org.kernsim.actors.mutex;

import java.util.ArrayDeque;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.mutex.MutexMessage;
import org.kernsim.protocol.mutex.MutexNote;

/**
 * A sleeping mutex ({@code kernel/locking/mutex.c}) as an entity: {@code mutex_lock()} takes it if
 * it is free, else the caller sleeps on the wait list; {@code mutex_unlock()} hands it to the first
 * waiter (FIFO; the optimistic spinning and lock stealing of the real mutex are not modelled: a
 * waiter gets the mutex in arrival order). A subclass adds the state the mutex protects and the
 * operations its holder performs on it ({@link #onOther}); {@link #holder()} tells who may.
 */
public class KMutex implements Entity {
  private record Waiter(int task, long token, int cpu, long since) {}

  private final String name;
  private final Latency lock;
  private int holder = -1;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

  /**
   * @param name the kernel's name ({@code wq_pool_attach_mutex}), for messages
   * @param lock the latency of a lock hop (a cache-line transfer)
   */
  public KMutex(String name, Latency lock) {
    this.name = name;
    this.lock = lock;
  }

  /** The task holding the mutex, or -1. */
  public final int holder() {
    return holder;
  }

  public final String mutexName() {
    return name;
  }

  protected final Latency lockLatency() {
    return lock;
  }

  @Override
  public final void receive(Context ctx, Object msg) {
    if (msg instanceof MutexMessage.Lock l) onLock(ctx, l);
    else if (msg instanceof MutexMessage.Unlock u) onUnlock(ctx, u);
    else if (!onOther(ctx, msg))
      throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected " + msg);
  }

  /** A message for the state the mutex protects; false if it is not one. */
  protected boolean onOther(Context ctx, Object msg) {
    return false;
  }

  /** Throws unless {@code task} holds the mutex (a model bug: the kernel's lockdep_assert_held). */
  protected final void assertHeld(Context ctx, int task, String what) {
    if (holder != task) {
      throw new IllegalStateException(
          ctx.name(ctx.self())
              + ": "
              + ctx.name(task)
              + " "
              + what
              + " without holding "
              + name
              + " (held by "
              + (holder < 0 ? "nobody" : ctx.name(holder))
              + ")");
    }
  }

  private void onLock(Context ctx, MutexMessage.Lock l) {
    if (l.requester() == holder)
      throw new IllegalStateException(ctx.name(l.requester()) + " takes " + name + " twice");
    if (holder < 0) {
      holder = l.requester();
      ctx.count("mutexAcquisitions", 1);
      if (ctx.tracing()) ctx.trace(new MutexNote.Acquired(ctx.self(), holder, l.cpu(), 0));
      ctx.send(l.requester(), new MutexMessage.Granted(ctx.self(), l.token()), lock);
      return;
    }
    waiters.addLast(new Waiter(l.requester(), l.token(), l.cpu(), ctx.now()));
    ctx.count("mutexContended", 1);
    if (ctx.tracing()) ctx.trace(new MutexNote.Waiting(ctx.self(), l.requester(), l.cpu(), holder));
    ctx.send(l.requester(), new MutexMessage.Contended(ctx.self(), l.token(), holder), lock);
  }

  private void onUnlock(Context ctx, MutexMessage.Unlock u) {
    assertHeld(ctx, u.holder(), "releases " + name);
    if (ctx.tracing()) ctx.trace(new MutexNote.Released(ctx.self(), holder, u.cpu()));
    holder = -1;
    Waiter w = waiters.pollFirst();
    if (w == null) return;
    holder = w.task();
    ctx.count("mutexAcquisitions", 1);
    ctx.record("mutexWaitNanos", ctx.now() - w.since());
    if (ctx.tracing())
      ctx.trace(new MutexNote.Acquired(ctx.self(), holder, w.cpu(), ctx.now() - w.since()));
    ctx.send(w.task(), new MutexMessage.Granted(ctx.self(), w.token()), lock);
  }
}
