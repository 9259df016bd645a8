package org.kernsim.actors.workqueue;

import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.protocol.workqueue.WorkloadMessage;

/**
 * A CPU-bound user thread on one CPU ({@code workload.hogs}): from {@code hog-start} it computes
 * for {@code hog-run}, preemptible, so a kworker woken on its CPU waits for the scheduler to
 * preempt it (spec D.3: a woken worker runs later).
 */
public final class Hog extends Task {
  private final Workload w;
  private boolean ran;

  public Hog(WqTopology topo, int cpu, Workload w) {
    super(topo.machine, cpu);
    this.w = w;
  }

  @Override
  public void start(Context ctx) {
    if (!w.hogs()) return;
    ctx.startTimer("hog", Math.max(1, w.hogStart().sample(ctx.random())), new WorkloadMessage.Wakeup(1));
  }

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof WorkloadMessage.Wakeup) startRunnable(ctx);
    else super.onMessage(ctx, msg);
  }

  @Override
  protected void run(Context ctx) {
    if (ran) {
      exit(ctx);
      return;
    }
    ran = true;
    compute(ctx, w.hogRun().sample(ctx.random()), true);
  }
}
