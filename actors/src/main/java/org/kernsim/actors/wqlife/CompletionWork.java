package org.kernsim.actors.wqlife;

import org.kernsim.actors.workqueue.WorkFunction;
import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.wqlife.LifeMessage;

/**
 * The function of a dependent work item ({@code load.pairs}): the waiter spends CPU time, then
 * {@code wait_for_completion(&done[id])} (it sleeps if its partner has not run: {@code
 * wq_worker_sleeping()} first), then CPU time; the completer spends CPU time and {@code
 * complete(&done[id])}. The pair is the situation WQ-6 needs: "all work items get blocked on
 * pending work items of the pool". Item ids: the queuing thread in the high 32 bits, {@link
 * #WAITER} for the waiter, the completion id below.
 */
final class CompletionWork implements WorkFunction {
  static final long WAITER = 0x4000_0000L;

  private enum Pc {
    CPU1,
    WAITING,
    CPU2,
    RETURNING
  }

  private final int completions;
  private final Latency lock;
  private final WorkItem item;
  private Pc pc;

  CompletionWork(int completions, Latency lock, WorkItem item) {
    this.completions = completions;
    this.lock = lock;
    this.item = item;
  }

  static int completionId(long itemId) {
    return (int) (itemId & 0x3FFF_FFFFL);
  }

  private boolean waiter() {
    return (item.id() & WAITER) != 0;
  }

  @Override
  public void call(Context ctx, Kworker k) {
    pc = Pc.CPU1;
    k.compute(ctx, item.cpuNanos());
  }

  @Override
  public boolean onMessage(Context ctx, Object msg, Kworker k) {
    if (pc != Pc.WAITING) return false;
    if (msg instanceof LifeMessage.NotDone) {
      k.block(ctx); // wait_for_completion(): schedule()
      return true;
    }
    if (msg instanceof LifeMessage.Completed) {
      pc = Pc.CPU2;
      k.done(ctx);
      return true;
    }
    return false;
  }

  @Override
  public void resume(Context ctx, Kworker k) {
    switch (pc) {
      case CPU1 -> {
        int id = completionId(item.id());
        if (waiter()) {
          pc = Pc.WAITING;
          ctx.send(completions, new LifeMessage.WaitCompletion(id, ctx.self()), lock);
          k.await(ctx, false);
        } else {
          ctx.send(completions, new LifeMessage.Complete(id), lock);
          pc = Pc.RETURNING;
          k.compute(ctx, Math.max(1, item.cpuNanos2()));
        }
      }
      case CPU2 -> {
        pc = Pc.RETURNING;
        k.compute(ctx, Math.max(1, item.cpuNanos2()));
      }
      case RETURNING -> k.returned(ctx);
      default -> throw new IllegalStateException("completion work resumed in " + pc);
    }
  }

  /** The registry of the model: every EXTERNAL item is a dependent item. */
  static WorkFunction.Registry registry(int completions, Latency lock) {
    return new Functions(completions, lock);
  }

  /** Makes the function of each dependent item. */
  static final class Functions implements WorkFunction.Registry {
    private final int completions;
    private final Latency lock;

    Functions(int completions, Latency lock) {
      this.completions = completions;
      this.lock = lock;
    }

    @Override
    public WorkFunction create(WorkItem item) {
      return new CompletionWork(completions, lock, item);
    }
  }
}
