package org.kernsim.actors.machine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Latency;
import org.kernsim.engine.Metrics;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;

/**
 * A small machine for testing the CPU, stop_machine and RCU layer: one spinner task per CPU that
 * alternates preemptible work with non-preemptible sections, and a requester task on CPU 0 that
 * calls stop_machine() and then synchronize_sched() at a given time.
 */
final class MachineHarness implements LaidOut {
  final Layout layout;
  final Machine machine;
  final int spinnerBase;
  final int requester;
  final long nonPreemptible;
  final int slowCpu;
  final long slowSection;
  final long requestAt;
  final List<Long> log = new ArrayList<>(); // requester: [stop done, gp done] (sequential driver only)

  static Machine.Latencies fixedLatencies() {
    return new Machine.Latencies(
        Latency.fixed(200), Latency.fixed(5_000), Latency.fixed(1_000), Latency.fixed(2_000),
        Latency.fixed(100), Latency.fixed(200), Latency.fixed(1_000_000), 1_000_000);
  }

  MachineHarness(int cpus, int numa, long nonPreemptible, int slowCpu, long slowSection, long requestAt) {
    this(cpus, numa, nonPreemptible, slowCpu, slowSection, requestAt, 0, Latency.fixed(1));
  }

  MachineHarness(int cpus, int numa, long nonPreemptible, int slowCpu, long slowSection, long requestAt,
      double preemptFaultsPerSecond, Latency preemptFaultDuration) {
    this.layout = new Layout(cpus);
    Machine.Latencies f = fixedLatencies();
    this.machine = new Machine(cpus, numa, new Machine.Latencies(f.lock(), f.wakeup(), f.ctxswitch(), f.ipi(), f.local(),
        f.stopRound(), f.gpDelay(), f.wakeupGranularity(), preemptFaultsPerSecond, preemptFaultDuration), layout);
    this.spinnerBase = layout.add(cpus, i -> "spin/" + i, i -> i);
    this.requester = layout.add(1, i -> "requester", i -> 0);
    this.nonPreemptible = nonPreemptible;
    this.slowCpu = slowCpu;
    this.slowSection = slowSection;
    this.requestAt = requestAt;
  }

  @Override
  public String model() {
    return "machine-harness";
  }

  @Override
  public Layout layout() {
    return layout;
  }

  @Override
  public Entity createEntity(int id) {
    Entity e = machine.create(id);
    if (e != null) return e;
    if (id == requester) return new Requester();
    return new Spinner(id - spinnerBase);
  }

  @Override
  public long lookahead() {
    return machine.latencies().min();
  }

  @Override
  public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
    return new java.util.LinkedHashMap<>(merged.counters());
  }

  /** Alternates 10us of preemptible work with a non-preemptible section (longer on the slow CPU). */
  final class Spinner extends Task {
    private int pc;
    private boolean slowDone;

    Spinner(int cpu) {
      super(MachineHarness.this.machine, cpu);
    }

    @Override
    public void start(Context ctx) {
      startRunnable(ctx);
    }

    @Override
    protected void run(Context ctx) {
      if (pc == 0) {
        pc = 1;
        compute(ctx, 10_000, true);
      } else {
        pc = 0;
        quiescentState(ctx); // cond_resched()
        if (preemptionPoint(ctx)) return;
        long section = nonPreemptible;
        if (cpu() == slowCpu && !slowDone && ctx.now() >= requestAt - 100_000) {
          slowDone = true; // one long non-preemptible section, already running when the stop arrives
          section = slowSection;
        }
        compute(ctx, section, false);
      }
    }
  }

  /** Sleeps until requestAt, then stop_machine(), then synchronize_sched(), then exits. */
  final class Requester extends Task {
    private int pc;
    private long waiting;

    Requester() {
      super(MachineHarness.this.machine, 0);
    }

    @Override
    public void start(Context ctx) {
      ctx.startTimer("go", requestAt, "go");
    }

    @Override
    protected void onMessage(Context ctx, Object msg) {
      if ("go".equals(msg)) startRunnable(ctx);
      else if (msg instanceof StopMachineMessage.StopMachineDone) {
        ctx.count("stopDoneAt", ctx.now());
        wake(ctx, waiting);
      } else if (msg instanceof RcuMessage.GracePeriodDone) {
        ctx.count("gpDoneAt", ctx.now());
        wake(ctx, waiting);
      } else super.onMessage(ctx, msg);
    }

    @Override
    protected void run(Context ctx) {
      switch (pc) {
        case 0 -> {
          pc = 1;
          ctx.count("requestedAt", ctx.now());
          ctx.send(machine.stopMachine(), new StopMachineMessage.StopMachineRequest(ctx.self(), 1, -1, -1, null), machine.latencies().lock());
          waiting = nextEpoch();
          if (!sleep(ctx)) run(ctx);
        }
        case 1 -> {
          pc = 2;
          ctx.send(machine.rcu(), new RcuMessage.SynchronizeSched(ctx.self(), 2), machine.latencies().lock());
          waiting = nextEpoch();
          if (!sleep(ctx)) run(ctx);
        }
        default -> exit(ctx);
      }
    }
  }
}
