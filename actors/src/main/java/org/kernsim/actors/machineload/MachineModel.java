package org.kernsim.actors.machineload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.cpu.Task;
import org.kernsim.actors.machine.LaidOut;
import org.kernsim.actors.machine.Layout;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.smp.MachineEntities;
import org.kernsim.engine.Checker;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.Metrics;
import org.kernsim.engine.Simulation;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.hotplug.HotplugMessage;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.scenario.ModelFactory;
import org.kernsim.scenario.Setting;
import org.kernsim.scenario.Settings;

/**
 * The bare machine under load: one spinner task per CPU alternating preemptible work with short
 * non-preemptible sections, and a requester on CPU 0 that calls {@code stop_machine()} (and then
 * {@code synchronize_sched()}) {@code load.stop-machines} times. It exercises the CPU, stop_machine
 * and RCU layer alone — the scenario of the cluster tests that count the barrier's cross-node
 * messages ({@code machine.numa-nodes} = cluster nodes).
 */
public final class MachineModel implements ModelFactory {

  @Override
  public String name() {
    return "machine";
  }

  @Override
  public String description() {
    return "CPUs under load with periodic stop_machine() and synchronize_sched()";
  }

  @Override
  public List<Setting> settings() {
    List<Setting> s = new ArrayList<>(Machine.settings());
    s.add(
        Setting.duration(
            "load.work",
            Duration.ofNanos(100),
            Duration.ofSeconds(1),
            Duration.ofNanos(10_000),
            "Preemptible work of a spinner between two preemption points."));
    s.add(
        Setting.duration(
            "load.section",
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ofNanos(2_000),
            "Non-preemptible section of a spinner after each preemption point."));
    s.add(
        Setting.integer(
            "load.stop-machines",
            0,
            1_000_000,
            3,
            "How many stop_machine() calls the requester makes."));
    s.add(
        Setting.duration(
            "load.stop-interval",
            Duration.ofNanos(1),
            Duration.ofSeconds(10),
            Duration.ofMillis(1),
            "Sleep of the requester before each stop_machine()."));
    s.add(
        Setting.bool(
            "load.synchronize", true, "Call synchronize_sched() after each stop_machine()."));
    s.add(
        Setting.choice(
            "load.stop-machine-call",
            List.of("stop_machine", "cpuslocked", "cpuslocked-unlocked", "nested"),
            "stop_machine",
            "How the requester calls stop_machine: stop_machine() (takes cpus_read_lock() itself); cpuslocked ="
                + " stop_machine_cpuslocked() inside its own cpus_read_lock() section; cpuslocked-unlocked = a caller"
                + " bug: stop_machine_cpuslocked() without holding cpus_read_lock() (SM-1); nested = a caller bug:"
                + " stop_machine() inside its own cpus_read_lock() section, the lock taken twice (SM-2)."));
    s.add(
        Setting.duration(
            "load.hold",
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ZERO,
            "CPU time the requester spends in its own cpus_read_lock() section before calling stop_machine."));
    s.add(
        Setting.integer(
            "load.slow-cpu",
            -1,
            65_535,
            -1,
            "A CPU whose non-preemptible sections last load.slow-section instead (-1: none): it holds every stop_machine up."));
    s.add(
        Setting.duration(
            "load.slow-section",
            Duration.ZERO,
            Duration.ofSeconds(1),
            Duration.ofNanos(500_000),
            "Non-preemptible section of the slow CPU's spinner."));
    return s;
  }

  @Override
  public Simulation build(Settings s) {
    return new Load(new Layout(s.intValue("machine.cpus")), s);
  }

  /** A built machine load. */
  static final class Load implements LaidOut {
    final Layout layout;
    final Machine machine;
    final int spinnerBase;
    final int requester;
    final long work;
    final long section;
    final int stops;
    final long interval;
    final boolean synchronize;
    final int slowCpu;
    final long slowSection;
    final String call;
    final long hold;

    Load(Layout layout, Settings s) {
      this.layout = layout;
      this.machine = new Machine(s, layout);
      this.spinnerBase = layout.add(machine.cpus(), i -> "spin/" + i, i -> i);
      this.requester = layout.add(1, i -> "requester", i -> 0);
      this.work = s.nanos("load.work");
      this.section = s.nanos("load.section");
      this.stops = s.intValue("load.stop-machines");
      this.interval = s.nanos("load.stop-interval");
      this.synchronize = s.bool("load.synchronize");
      this.slowCpu = s.intValue("load.slow-cpu");
      this.slowSection = s.nanos("load.slow-section");
      this.call = s.text("load.stop-machine-call");
      this.hold = s.nanos("load.hold");
    }

    @Override
    public List<Checker> checkers() {
      return machine.hotplugEnabled() ? List.of(new Lockdep()) : List.of();
    }

    @Override
    public String model() {
      return "machine";
    }

    @Override
    public org.kernsim.engine.TraceNaming naming() {
      return machine.naming(layout);
    }

    @Override
    public Layout layout() {
      return layout;
    }

    @Override
    public Entity createEntity(int id) {
      Entity e = MachineEntities.create(machine, id);
      if (e != null) return e;
      if (id == requester) return new Requester(this);
      return new Spinner(this, id - spinnerBase);
    }

    @Override
    public long lookahead() {
      return machine.latencies().min();
    }

    @Override
    public Map<String, Object> metrics(Metrics merged, List<Checker> checkers) {
      Map<String, Object> out = new LinkedHashMap<>(merged.counters());
      for (Checker c : checkers) c.contribute(out);
      return out;
    }

    @Override
    public List<org.kernsim.protocol.kryo.KryoRegistry.Entry> stateClasses() {
      return STATE_CLASSES;
    }

    @Override
    public List<org.kernsim.engine.Obligation> obligations() {
      return org.kernsim.actors.smp.MachineState.OBLIGATIONS;
    }
  }

  /** The machine's state classes and the load's own (ids 2600-2649). */
  static final List<org.kernsim.protocol.kryo.KryoRegistry.Entry> STATE_CLASSES;

  static {
    List<org.kernsim.protocol.kryo.KryoRegistry.Entry> all =
        new ArrayList<>(org.kernsim.actors.smp.MachineState.ROWS);
    all.add(org.kernsim.engine.snapshot.StateRows.row(2600, Load.class));
    all.add(org.kernsim.engine.snapshot.StateRows.row(2601, Spinner.class));
    all.add(org.kernsim.engine.snapshot.StateRows.row(2602, Requester.class));
    all.add(org.kernsim.engine.snapshot.StateRows.row(2603, Requester.Pc.class));
    STATE_CLASSES = List.copyOf(all);
  }

  /** Alternates preemptible work with a non-preemptible section. */
  static final class Spinner extends Task {
    private final Load load;
    private boolean inWork;

    Spinner(Load load, int cpu) {
      super(load.machine, cpu);
      this.load = load;
    }

    @Override
    public void start(Context ctx) {
      startRunnable(ctx);
    }

    @Override
    protected void run(Context ctx) {
      if (!inWork) {
        inWork = true;
        compute(ctx, load.work, true);
      } else {
        inWork = false;
        quiescentState(ctx); // cond_resched()
        if (preemptionPoint(ctx)) return;
        long section = cpu() == load.slowCpu ? load.slowSection : load.section;
        if (section > 0) compute(ctx, section, false);
        else run(ctx);
      }
    }
  }

  /**
   * Sleeps, calls stop_machine(), then synchronize_sched(); {@code load.stop-machines} times. How
   * it calls stop_machine is {@code load.stop-machine-call}: {@code stop_machine()} (which takes
   * {@code cpus_read_lock()} itself), {@code stop_machine_cpuslocked()} inside its own {@code
   * cpus_read_lock()} section (the correct way for a caller that already holds it), the same
   * without the section (a caller bug: catalogue SM-1), or {@code stop_machine()} inside its own
   * section (the lock taken twice: SM-2, the powerpc memory-unplug report). {@code load.hold} is
   * the CPU time the caller spends in its section before the call.
   */
  static final class Requester extends Task {
    private static final String TICK = "requester-tick";

    enum Pc {
      LOCK,
      HOLD,
      CALL,
      UNLOCK,
      SYNC,
      NEXT
    }

    private final Load load;
    private int done;
    private Pc pc = Pc.LOCK;
    private long waiting;
    private long since;

    Requester(Load load) {
      super(load.machine, 0);
      this.load = load;
    }

    @Override
    public void start(Context ctx) {
      if (load.stops > 0) ctx.startTimer(TICK, load.interval, TICK);
    }

    private boolean ownSection() {
      return load.machine.hotplugEnabled()
          && (load.call.equals("cpuslocked") || load.call.equals("nested"));
    }

    @Override
    protected void onMessage(Context ctx, Object msg) {
      if (TICK.equals(msg)) {
        startRunnable(ctx);
      } else if (msg instanceof StopMachineMessage.StopMachineDone) {
        ctx.count(
            "requester.stopMachineNanos",
            ctx.now() - since); // stop_machine() as its caller sees it
        wake(ctx, waiting);
      } else if (msg instanceof RcuMessage.GracePeriodDone) {
        ctx.count("requester.synchronizeSchedNanos", ctx.now() - since);
        wake(ctx, waiting);
      } else if (msg instanceof HotplugMessage.CpusReadLocked) {
        wake(ctx, waiting);
      } else {
        super.onMessage(ctx, msg);
      }
    }

    private void await(Context ctx) {
      waiting = nextEpoch();
      if (!sleep(ctx)) run(ctx);
    }

    @Override
    protected void run(Context ctx) {
      Machine m = load.machine;
      switch (pc) {
        case LOCK -> {
          pc = Pc.HOLD;
          if (ownSection()) { // cpus_read_lock()
            ctx.send(
                m.cpuhp(),
                new HotplugMessage.CpusReadLock(ctx.self(), ctx.self(), done, "requester"),
                m.latencies().local());
            await(ctx);
          } else {
            run(ctx);
          }
        }
        case HOLD -> {
          pc = Pc.CALL;
          if (load.hold > 0) compute(ctx, load.hold, true);
          else run(ctx);
        }
        case CALL -> {
          pc = Pc.UNLOCK;
          since = ctx.now();
          Object req =
              load.call.startsWith("cpuslocked")
                  ? new StopMachineMessage.StopMachineCpuslocked(ctx.self(), done, -1, -1, null)
                  : new StopMachineMessage.StopMachineRequest(ctx.self(), done, -1, -1, null);
          ctx.send(m.stopMachine(), req, m.latencies().lock());
          await(ctx);
        }
        case UNLOCK -> {
          pc = load.synchronize ? Pc.SYNC : Pc.NEXT;
          if (ownSection()) // cpus_read_unlock()
          ctx.send(m.cpuhp(), new HotplugMessage.CpusReadUnlock(ctx.self()), m.latencies().local());
          run(ctx);
        }
        case SYNC -> {
          pc = Pc.NEXT;
          since = ctx.now();
          ctx.send(
              m.rcu(), new RcuMessage.SynchronizeSched(ctx.self(), done), m.latencies().lock());
          await(ctx);
        }
        case NEXT -> {
          pc = Pc.LOCK;
          done++;
          if (done < load.stops) {
            ctx.startTimer(TICK, load.interval, TICK);
            await(ctx);
          } else {
            exit(ctx);
          }
        }
        default -> throw new IllegalStateException("requester: " + pc);
      }
    }
  }
}
