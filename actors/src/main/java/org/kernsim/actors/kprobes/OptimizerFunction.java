package org.kernsim.actors.kprobes;

import org.kernsim.actors.workqueue.WorkFunction;
import org.kernsim.engine.Context;
import org.kernsim.protocol.kprobes.OptimizerMessage;
import org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * {@code kprobe_optimizer()} as the function of {@code optimizing_work} on the system workqueue
 * ({@code kprobes.optimizer=workqueue}): the same steps as {@link OptimizerWorker}, run in the
 * context of the kworker that executes the work item. Each step is handed to the {@link
 * KprobeManager} (it owns kprobe_mutex and the lists) by a message; the kworker waits for the reply
 * on its CPU unless the request sleeps in the kernel:
 *
 * <ul>
 *   <li>{@code mutex_lock(&module_mutex); mutex_lock(&kprobe_mutex)}: spins; sleeps if the manager
 *       says the mutex is contended ({@link OptimizerMessage.Blocked} phase 0);
 *   <li>Step 1 and Step 3: spin; sleep if the step calls stop_machine() (Blocked phase 1 or 2);
 *   <li>Step 2 {@code synchronize_sched()}: always sleeps;
 *   <li>Step 4: spins (it never sleeps);
 *   <li>unlock and Step 5 ({@link OptimizerMessage.End}), 1 us of CPU, return.
 * </ul>
 *
 * Every sleep is a sleep of the kworker ({@code wq_worker_sleeping()} first). The run number is the
 * manager's, learnt from {@link OptimizerMessage.Granted}.
 */
final class OptimizerFunction implements WorkFunction {
  private enum Pc {
    LOCKING,
    LOCKED,
    UNOPTIMIZED,
    GRACE_PERIOD,
    OPTIMIZED,
    FREED,
    RETURNING
  }

  private final KprobesSim sim;
  private Pc pc = Pc.LOCKING;
  private long run;
  private boolean waiting;

  /** The phase of the request being waited for (see {@link OptimizerMessage.Blocked}), or -1. */
  private int phase = -1;

  private long gpToken;

  OptimizerFunction(KprobesSim sim) {
    this.sim = sim;
  }

  @Override
  public void call(Context ctx, Kworker k) {
    pc = Pc.LOCKING;
    ctx.send(
        sim.manager(), new OptimizerMessage.Begin(ctx.self(), 0), sim.machine().latencies().lock());
    await(ctx, k, 0, false);
  }

  private void await(Context ctx, Kworker k, int ph, boolean blocking) {
    waiting = true;
    phase = ph;
    k.await(ctx, blocking);
  }

  @Override
  public boolean onMessage(Context ctx, Object msg, Kworker k) {
    if (msg instanceof OptimizerMessage.Granted g) {
      if (!waiting || pc != Pc.LOCKING)
        throw new IllegalStateException("optimizer function: stray " + g);
      run = g.run();
      pc = Pc.LOCKED;
      reply(ctx, k);
    } else if (msg instanceof OptimizerMessage.StepDone d) {
      if (!waiting || d.run() != run || phase != 1 + d.step().ordinal()) {
        throw new IllegalStateException(
            "optimizer function: stray " + d + " at " + pc + " of run " + run);
      }
      if (d.probes() > 0) ctx.count("optimizerStepProbes." + d.step().name(), d.probes());
      reply(ctx, k);
    } else if (msg instanceof RcuMessage.GracePeriodDone g) {
      if (!waiting || g.token() != gpToken)
        throw new IllegalStateException("optimizer function: stray grace period " + g.token());
      reply(ctx, k);
    } else if (msg instanceof OptimizerMessage.Blocked b) {
      // the request sleeps in the kernel; a late notice of an earlier wait is ignored
      if (waiting && b.phase() == phase && (phase == 0 || b.run() == run)) k.block(ctx);
    } else {
      return false;
    }
    return true;
  }

  private void reply(Context ctx, Kworker k) {
    waiting = false;
    phase = -1;
    k.done(ctx);
  }

  @Override
  public void resume(Context ctx, Kworker k) {
    switch (pc) {
      case LOCKED -> {
        pc = Pc.UNOPTIMIZED;
        step(ctx, k, OptimizerStep.DO_UNOPTIMIZE);
      }
      case UNOPTIMIZED -> {
        pc = Pc.GRACE_PERIOD;
        if (sim.config().noGracePeriod()) {
          resume(ctx, k); // ablation: Step 2 removed
          return;
        }
        gpToken = (run << 8) + 2;
        ctx.send(
            sim.machine().rcu(),
            new RcuMessage.SynchronizeSched(ctx.self(), gpToken),
            sim.machine().latencies().lock());
        await(ctx, k, 9, true);
      }
      case GRACE_PERIOD -> {
        pc = Pc.OPTIMIZED;
        step(ctx, k, OptimizerStep.DO_OPTIMIZE);
      }
      case OPTIMIZED -> {
        pc = Pc.FREED;
        step(ctx, k, OptimizerStep.DO_FREE_CLEANED);
      }
      case FREED -> {
        pc = Pc.RETURNING;
        ctx.send(sim.manager(), new OptimizerMessage.End(run), sim.machine().latencies().lock());
        k.compute(ctx, 1_000);
      }
      case RETURNING -> k.returned(ctx);
      default -> throw new IllegalStateException("optimizer function resumes at " + pc);
    }
  }

  private void step(Context ctx, Kworker k, OptimizerStep s) {
    ctx.send(sim.manager(), new OptimizerMessage.Step(run, s), sim.machine().latencies().lock());
    await(ctx, k, 1 + s.ordinal(), false);
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
