package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.cpu.Task;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.mutex.MutexClient;
import org.kernsim.engine.Context;

/**
 * A kernel task of the life-cycle model (the admin thread, {@code pwq_release_worker}, a workload
 * thread, a rescuer): a {@link Task} whose program ({@link #run}) is a state machine that sends
 * requests and waits for answers. An answer goes to an inbox; the program waits with {@link #await}
 * either spinning (a spinlock section elsewhere: the task keeps its CPU) or asleep (a completion, a
 * flush, {@code kthread_stop()}), and takes it with {@link #take}. Mutexes through {@link #mutex}.
 */
abstract class LifeTask extends Task {
  private enum Wait {
    NONE,
    SPIN,
    SLEEP
  }

  protected final MutexClient mutex;
  private final List<Object> inbox = new ArrayList<>();
  private Wait waiting = Wait.NONE;
  private long epoch;

  protected LifeTask(Machine machine, int cpu) {
    super(machine, cpu);
    this.mutex = new MutexClient(new MutexHost(), machine.latencies().lock());
  }

  /** The task as the caller of mutexes. */
  private final class MutexHost implements MutexClient.Host {
    @Override
    public int self(Context ctx) {
      return ctx.self();
    }

    @Override
    public int cpu() {
      return LifeTask.this.cpu();
    }

    @Override
    public long nextEpoch() {
      return LifeTask.this.nextEpoch();
    }

    @Override
    public boolean sleep(Context ctx) {
      return LifeTask.this.sleep(ctx);
    }

    @Override
    public void wake(Context ctx, long e) {
      LifeTask.this.wake(ctx, e);
    }

    @Override
    public void resume(Context ctx) {
      LifeTask.this.run(ctx);
    }
  }

  /** Whether the program, where it stands, waits for {@code msg}. */
  protected abstract boolean awaited(Object msg);

  /** A message that is neither an answer nor a mutex's: the task's own (its timers...). */
  protected void onOwn(Context ctx, Object msg) {
    throw new IllegalStateException(ctx.name(ctx.self()) + ": unexpected " + msg);
  }

  /** Whether {@code msg} is an answer for the inbox (else {@link #onOwn}). */
  protected abstract boolean isAnswer(Object msg);

  @Override
  protected final void onMessage(Context ctx, Object msg) {
    if (mutex.onMessage(ctx, msg)) return;
    if (!isAnswer(msg)) {
      onOwn(ctx, msg);
      return;
    }
    inbox.add(msg);
    if (waiting == Wait.SPIN && awaited(msg)) {
      waiting = Wait.NONE;
      run(ctx);
    } else if (waiting == Wait.SLEEP && awaited(msg)) {
      waiting = Wait.NONE;
      wake(ctx, epoch);
    }
  }

  /**
   * Waits for an awaited answer unless one is in the inbox: returns true if the program must return
   * now ({@link #run} is called again once it is there).
   */
  protected final boolean await(Context ctx, boolean asleep) {
    for (Object m : inbox) if (awaited(m)) return false;
    if (!asleep) {
      waiting = Wait.SPIN;
      return true;
    }
    waiting = Wait.SLEEP;
    epoch = nextEpoch();
    if (sleep(ctx)) return true;
    waiting = Wait.NONE;
    return false;
  }

  /** Takes the first awaited answer of type {@code type} from the inbox. */
  protected final <T> T take(Class<T> type) {
    for (int i = 0; i < inbox.size(); i++) {
      Object m = inbox.get(i);
      if (type.isInstance(m) && awaited(m)) {
        inbox.remove(i);
        return type.cast(m);
      }
    }
    throw new IllegalStateException("no " + type.getSimpleName() + " in the inbox " + inbox);
  }

  protected final int inboxSize() {
    return inbox.size();
  }
}
