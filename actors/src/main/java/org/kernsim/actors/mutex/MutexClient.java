package org.kernsim.actors.mutex;

import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.mutex.MutexMessage;

/**
 * The caller's side of a {@link KMutex}, for a task: {@code mutex_lock()} spins while the answer is
 * on its way (the task keeps its CPU), sleeps if the mutex is contended, and goes on (its {@link
 * Host#resume}) once the mutex is granted; {@code mutex_unlock()} is one message. A task owns one
 * client per mutex it may wait for at a time (a task waits for one mutex at a time).
 */
public final class MutexClient {

  /** What the client needs from its task (the task's protected scheduling calls). */
  public interface Host {
    int self(Context ctx);

    int cpu();

    long nextEpoch();

    /** {@code Task.sleep}: true if the task blocked. */
    boolean sleep(Context ctx);

    /** {@code Task.wake} of the task's own sleep {@code epoch}. */
    void wake(Context ctx, long epoch);

    /** The mutex is held: continue the program (the task holds its CPU). */
    void resume(Context ctx);
  }

  private final Host host;
  private final Latency lock;
  private int waitingOn = -1;
  private long token;
  private long grantedToken = -1;
  private boolean asleep;
  private long epoch;

  public MutexClient(Host host, Latency lock) {
    this.host = host;
    this.lock = lock;
  }

  /** Whether the task waits for a mutex. */
  public boolean waiting() {
    return waitingOn >= 0;
  }

  /**
   * {@code mutex_lock(mutex)} in {@code site}: {@link Host#resume} follows once it is held. The
   * attempt is told to the lock-order checker as lock class {@code lockClass} ({@code
   * wq_pool_mutex}, {@code &wq->mutex}).
   */
  public void lock(Context ctx, int mutex, String lockClass, String site) {
    if (waitingOn >= 0) throw new IllegalStateException("already waiting for a mutex");
    Lockdep.acquire(ctx, host.self(ctx), lockClass, site);
    waitingOn = mutex;
    asleep = false;
    // program order: a lock right after an unlock of the same mutex reaches it after the unlock
    long d = lock.sample(ctx.random());
    if (mutex == lastUnlocked) d = Math.max(d, unlockArrives - ctx.now() + 1);
    ctx.sendAfter(mutex, new MutexMessage.Lock(host.self(ctx), ++token, host.cpu()), d);
  }

  /** {@code mutex_unlock(mutex)} of lock class {@code lockClass}. */
  public void unlock(Context ctx, int mutex, String lockClass) {
    Lockdep.release(ctx, host.self(ctx), lockClass);
    long d = lock.sample(ctx.random());
    lastUnlocked = mutex;
    unlockArrives = ctx.now() + d;
    ctx.sendAfter(mutex, new MutexMessage.Unlock(host.self(ctx), host.cpu()), d);
  }

  private int lastUnlocked = -1;
  private long unlockArrives;

  /** Handles the mutex's answers; false if {@code msg} is not one of them. */
  public boolean onMessage(Context ctx, Object msg) {
    if (msg instanceof MutexMessage.Granted g) {
      if (g.token() != token || g.mutex() != waitingOn)
        throw new IllegalStateException("a grant nobody waits for: " + g);
      waitingOn = -1;
      grantedToken = g.token();
      if (asleep) {
        asleep = false;
        host.wake(ctx, epoch);
      } else {
        host.resume(ctx);
      }
      return true;
    }
    if (msg instanceof MutexMessage.Contended c) {
      if (c.token() == grantedToken) return true; // the grant overtook it: already going on
      if (c.token() != token || c.mutex() != waitingOn)
        throw new IllegalStateException("a contention notice nobody waits for: " + c);
      asleep = true;
      epoch = host.nextEpoch();
      if (!host.sleep(ctx)) {
        asleep = false; // cannot happen: the wake is sent only with the grant
        throw new IllegalStateException("woken before sleeping on a mutex");
      }
      return true;
    }
    return false;
  }

  /** The task runs again after sleeping on the mutex: whether that was the grant's wake. */
  public boolean resumedFromSleep() {
    return waitingOn < 0 && !asleep;
  }
}
