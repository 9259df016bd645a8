package org.kernsim.actors.kprobes;

import java.util.ArrayDeque;
import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.protocol.kprobes.OptimizerMessage;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * The task that runs {@code kprobe_optimizer()} with {@code kprobes.optimizer=dedicated}: a
 * dedicated kthread ({@code kprobe-optimizer}) with delayed-work semantics; with {@code workqueue}
 * a kworker runs {@link OptimizerFunction} instead. Each run, in process context: the work starts
 * (its PENDING bit clears) and takes its mutexes, then runs the steps of the configured kernel one
 * request at a time ({@link OptimizerRun}), sleeping while each is carried out and woken by its
 * reply, then unlocks ({@link OptimizerMessage.End}) and spends 1 us returning.
 *
 * <p>A run requested while one is in progress starts after it (a work item never runs concurrently
 * with itself); requests are numbered by the manager.
 */
final class OptimizerWorker extends Task {
  private final KprobesSim sim;
  private final ArrayDeque<Long> runs = new ArrayDeque<>();
  private final OptimizerRun steps;
  private boolean inRun;
  private OptimizerRun.Request toSend;
  private long waiting = -1;
  private boolean idleAsleep = true;

  OptimizerWorker(KprobesSim sim, int cpu) {
    super(sim.machine(), cpu);
    this.sim = sim;
    this.steps = sim.optimizerRun();
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
      reply(ctx, steps.granted(g));
    } else if (msg instanceof OptimizerMessage.StepDone d) {
      if (d.probes() > 0) ctx.count("optimizerStepProbes." + d.step().name(), d.probes());
      reply(ctx, steps.stepDone(d));
    } else if (msg instanceof RcuMessage.GracePeriodDone g) {
      reply(ctx, steps.gracePeriodDone(g.token()));
    } else if (msg instanceof org.kernsim.protocol.rcutasks.RcuTasksMessage.GracePeriodDone g) {
      reply(ctx, steps.gracePeriodDone(g.token()));
    } else {
      super.onMessage(ctx, msg);
    }
  }

  private void reply(Context ctx, OptimizerRun.Request next) {
    if (waiting < 0)
      throw new IllegalStateException(
          "optimizer: a reply while not waiting, for run " + steps.run());
    toSend = next;
    long w = waiting;
    waiting = -1;
    wake(ctx, w);
  }

  /** Sends the request, then sleeps until the reply wakes this task. */
  private void request(Context ctx, OptimizerRun.Request m) {
    if (m.waitsFor() != null)
      org.kernsim.engine.lockdep.Lockdep.waitFor(ctx, ctx.self(), m.waitsFor(), "kprobe_optimizer");
    ctx.send(m.to(), m.message(), machine.latencies().lock());
    waiting = nextEpoch();
    if (!sleep(ctx)) run(ctx);
  }

  @Override
  protected void run(Context ctx) {
    if (!inRun) {
      Long next = runs.pollFirst();
      if (next == null) {
        idleAsleep = true;
        if (!sleep(ctx)) {
          idleAsleep = false;
          run(ctx);
        }
        return;
      }
      inRun = true;
      request(ctx, steps.begin(ctx.self(), next));
      return;
    }
    OptimizerRun.Request m = toSend;
    toSend = null;
    if (m.message() instanceof OptimizerMessage.End) {
      inRun = false;
      ctx.send(m.to(), m.message(), machine.latencies().lock());
      compute(ctx, 1_000, true);
    } else {
      request(ctx, m);
    }
  }
}
