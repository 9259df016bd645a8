package org.kernsim.actors.kprobes;

import java.util.ArrayDeque;
import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.protocol.kprobes.OptimizerMessage;
import org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * The task that runs {@code kprobe_optimizer()} with {@code kprobes.optimizer=dedicated}: a
 * dedicated kthread ({@code kprobe-optimizer}); with {@code workqueue} a kworker runs {@link
 * OptimizerFunction} instead. Each run, in process context, sleeping between steps:
 *
 * <ol>
 *   <li>start the work (its PENDING bit clears), {@code mutex_lock(&module_mutex)}, {@code
 *       mutex_lock(&kprobe_mutex)};
 *   <li>Step 1 {@code do_unoptimize_kprobes()} (a stop_machine batch);
 *   <li>Step 2 {@code synchronize_sched()};
 *   <li>Step 3 {@code do_optimize_kprobes()} (a stop_machine batch);
 *   <li>Step 4 {@code do_free_cleaned_kprobes()};
 *   <li>unlock, Step 5 (kick again or {@code complete_all}).
 * </ol>
 *
 * A run requested while one is in progress starts after it (a work item never runs concurrently
 * with itself); requests are numbered by the manager.
 */
final class OptimizerWorker extends Task {
  private enum Pc {
    IDLE,
    LOCKED,
    UNOPTIMIZED,
    GRACE_PERIOD,
    OPTIMIZED,
    FREED
  }

  private final KprobesSim sim;
  private final ArrayDeque<Long> runs = new ArrayDeque<>();
  private Pc pc = Pc.IDLE;
  private long run;
  private long waiting = -1;
  private long gpToken;
  private boolean idleAsleep = true;

  OptimizerWorker(KprobesSim sim, int cpu) {
    super(sim.machine(), cpu);
    this.sim = sim;
  }

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof OptimizerMessage.RunOptimizer r) {
      runs.addLast(r.run());
      if (idleAsleep) {
        idleAsleep = false;
        wake(ctx, sleepEpoch());
      }
    } else if (msg instanceof OptimizerMessage.Granted g) {
      reply(ctx, g.run());
    } else if (msg instanceof OptimizerMessage.StepDone d) {
      reply(ctx, d.run());
      if (d.probes() > 0) ctx.count("optimizerStepProbes." + d.step().name(), d.probes());
    } else if (msg instanceof RcuMessage.GracePeriodDone g) {
      if (g.token() != gpToken)
        throw new IllegalStateException("optimizer: stray grace period " + g.token());
      reply(ctx, run);
    } else {
      super.onMessage(ctx, msg);
    }
  }

  private void reply(Context ctx, long r) {
    if (r != run || waiting < 0)
      throw new IllegalStateException(
          "optimizer: reply for run " + r + " while at " + pc + " of run " + run);
    long w = waiting;
    waiting = -1;
    wake(ctx, w);
  }

  /** Sends, then sleeps until the reply wakes this task. */
  private void await(Context ctx) {
    waiting = nextEpoch();
    if (!sleep(ctx)) run(ctx);
  }

  @Override
  protected void run(Context ctx) {
    switch (pc) {
      case IDLE -> {
        Long next = runs.pollFirst();
        if (next == null) {
          idleAsleep = true;
          if (!sleep(ctx)) {
            idleAsleep = false;
            run(ctx);
          }
          return;
        }
        run = next;
        pc = Pc.LOCKED;
        ctx.send(
            sim.manager(), new OptimizerMessage.Begin(ctx.self(), run), machine.latencies().lock());
        await(ctx);
      }
      case LOCKED -> {
        pc = Pc.UNOPTIMIZED;
        step(ctx, OptimizerStep.DO_UNOPTIMIZE);
      }
      case UNOPTIMIZED -> {
        pc = Pc.GRACE_PERIOD;
        if (sim.config().noGracePeriod()) {
          run(ctx); // ablation: Step 2 removed
          return;
        }
        gpToken = (run << 8) + 2;
        ctx.send(
            machine.rcu(),
            new RcuMessage.SynchronizeSched(ctx.self(), gpToken),
            machine.latencies().lock());
        await(ctx);
      }
      case GRACE_PERIOD -> {
        pc = Pc.OPTIMIZED;
        step(ctx, OptimizerStep.DO_OPTIMIZE);
      }
      case OPTIMIZED -> {
        pc = Pc.FREED;
        step(ctx, OptimizerStep.DO_FREE_CLEANED);
      }
      case FREED -> {
        pc = Pc.IDLE;
        ctx.send(sim.manager(), new OptimizerMessage.End(run), machine.latencies().lock());
        compute(ctx, 1_000, true);
      }
      default -> throw new IllegalStateException("optimizer at " + pc);
    }
  }

  private void step(Context ctx, OptimizerStep s) {
    ctx.send(sim.manager(), new OptimizerMessage.Step(run, s), machine.latencies().lock());
    await(ctx);
  }
}
