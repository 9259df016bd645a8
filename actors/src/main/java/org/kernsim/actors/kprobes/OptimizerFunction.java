package org.kernsim.actors.kprobes;

import org.kernsim.actors.workqueue.WorkFunction;
import org.kernsim.engine.Context;
import org.kernsim.protocol.kprobes.OptimizerMessage;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * {@code kprobe_optimizer()} as the function of {@code optimizing_work} on the system workqueue
 * ({@code kprobes.optimizer=workqueue}): the run of {@link OptimizerRun}, in the context of the
 * kworker that executes the work item. Each request goes to the {@link KprobeManager} (it owns
 * kprobe_mutex and the lists); the kworker waits for the reply on its CPU unless the request sleeps
 * in the kernel: the manager says so ({@link OptimizerMessage.Blocked}) when the mutexes are
 * contended or a step calls stop_machine(); the grace period always sleeps. Every sleep is a sleep
 * of the kworker ({@code wq_worker_sleeping()} first). After {@link OptimizerMessage.End} (unlock,
 * and Step 5 in v2.6.38), 1 us of CPU and return.
 */
final class OptimizerFunction implements WorkFunction {
  private final KprobesSim sim;
  private final OptimizerRun steps;
  private OptimizerRun.Request toSend;
  private boolean waiting;
  private boolean returning;

  OptimizerFunction(KprobesSim sim) {
    this.sim = sim;
    this.steps = sim.optimizerRun();
  }

  @Override
  public void call(Context ctx, Kworker k) {
    request(ctx, k, steps.begin(ctx.self(), 0));
  }

  private void request(Context ctx, Kworker k, OptimizerRun.Request m) {
    if (m.waitsFor() != null)
      org.kernsim.engine.lockdep.Lockdep.waitFor(ctx, ctx.self(), m.waitsFor(), "kprobe_optimizer");
    ctx.send(m.to(), m.message(), sim.machine().latencies().lock());
    waiting = true;
    k.await(ctx, steps.awaitingSleep());
  }

  @Override
  public boolean onMessage(Context ctx, Object msg, Kworker k) {
    if (msg instanceof OptimizerMessage.Granted g) {
      reply(ctx, k, steps.granted(g));
    } else if (msg instanceof OptimizerMessage.StepDone d) {
      if (d.probes() > 0) ctx.count("optimizerStepProbes." + d.step().name(), d.probes());
      reply(ctx, k, steps.stepDone(d));
    } else if (msg instanceof RcuMessage.GracePeriodDone g) {
      reply(ctx, k, steps.gracePeriodDone(g.token()));
    } else if (msg instanceof org.kernsim.protocol.rcutasks.RcuTasksMessage.GracePeriodDone g) {
      reply(ctx, k, steps.gracePeriodDone(g.token()));
    } else if (msg instanceof OptimizerMessage.Blocked b) {
      // the request sleeps in the kernel; a late notice of an earlier wait is ignored
      if (waiting && b.phase() == steps.phase() && (b.phase() == 0 || b.run() == steps.run()))
        k.block(ctx);
    } else {
      return false;
    }
    return true;
  }

  private void reply(Context ctx, Kworker k, OptimizerRun.Request next) {
    if (!waiting) throw new IllegalStateException("optimizer function: a reply while not waiting");
    waiting = false;
    toSend = next;
    k.done(ctx);
  }

  @Override
  public void resume(Context ctx, Kworker k) {
    if (returning) {
      k.returned(ctx);
      return;
    }
    OptimizerRun.Request m = toSend;
    toSend = null;
    if (m.message() instanceof OptimizerMessage.End) {
      returning = true;
      ctx.send(m.to(), m.message(), sim.machine().latencies().lock());
      k.compute(ctx, 1_000);
    } else {
      request(ctx, k, m);
    }
  }

  /** The functions of the kprobes model's external work items (only {@code optimizing_work}). */
  static WorkFunction.Registry registry(KprobesSim sim) {
    return new WorkFunction.Registry() {
      @Override
      public WorkFunction create(org.kernsim.protocol.workqueue.WorkItem item) {
        if (item.owner() != sim.manager())
          throw new IllegalStateException("no function for " + item);
        return new OptimizerFunction(sim);
      }

      @Override
      public boolean stray(Object msg) {
        return msg instanceof OptimizerMessage.Blocked; // a late notice for a run that has returned
      }
    };
  }
}
