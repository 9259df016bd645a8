package org.kernsim.actors.workqueue;

import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.protocol.workqueue.WorkloadMessage;

/**
 * A busy thread on one CPU ({@code workload.hogs}): from {@code hog-start}, for {@code hog-run}, it
 * alternates user-mode computation ({@code hog-user}, preemptible) with system calls ({@code
 * hog-kernel}: kernel code that is not preemptible, as under CONFIG_PREEMPT_VOLUNTARY or with a
 * lock held), so a kworker woken on its CPU waits for the scheduler to preempt it (spec D.3: a
 * woken worker runs later).
 */
public final class Hog extends Task {
  private final Workload w;
  private long until = -1;
  private boolean user = true;

  public Hog(WqTopology topo, int cpu, Workload w) {
    super(topo.machine, cpu);
    this.w = w;
  }

  @Override
  public void start(Context ctx) {
    if (!w.hogs()) return;
    ctx.startTimer(
        "hog", Math.max(1, w.hogStart().sample(ctx.random())), new WorkloadMessage.Wakeup(1));
  }

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof WorkloadMessage.Wakeup) startRunnable(ctx);
    else super.onMessage(ctx, msg);
  }

  @Override
  protected void run(Context ctx) {
    if (until < 0) until = ctx.now() + w.hogRun().sample(ctx.random());
    if (ctx.now() >= until) {
      exit(ctx);
      return;
    }
    if (preemptionPoint(ctx)) return; // return to user mode
    user = !user;
    if (user) compute(ctx, w.hogUser().sample(ctx.random()), true);
    else compute(ctx, w.hogKernel().sample(ctx.random()), false);
  }
}
