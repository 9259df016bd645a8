package org.kernsim.actors.stopmachine;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.hotplug.HotplugMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage.StopPhase;

/**
 * {@code stop_machine()} ({@code kernel/stop_machine.c}): one multi-CPU stop at a time ({@code
 * stop_cpus_mutex}); for each, the barrier state PREPARE, DISABLE_IRQ, RUN, EXIT advances when as
 * many CPUs as {@code msdata->num_threads} have acknowledged the current state ({@code
 * ack_state()}). Acknowledgements arrive combined per NUMA node ({@link StopMachineNode}), and
 * phase changes leave once per NUMA node: two messages per node and phase.
 *
 * <p>With CPU hotplug the barrier follows the kernel's view of the CPUs: {@code
 * stop_machine_cpuslocked()} counts {@code num_threads = num_online_cpus()} when it is called, and
 * {@code stop_cpus(cpu_online_mask, ...)} queues the stopper work on the CPUs online when it gets
 * {@code stop_cpus_mutex}; a CPU whose stopper is parked ({@code take_cpu_down()}, or not yet
 * unparked by {@code cpuhp_online_idle()}) never runs it. {@code stop_machine()} takes {@code
 * cpus_read_lock()} on its caller's behalf around all of it, which keeps the two views equal; a
 * caller of {@code stop_machine_cpuslocked()} that does not hold it can see them differ (catalogue
 * SM-1): fewer stoppers than {@code num_threads} spin forever in the barrier, more let it advance
 * before every CPU stopped. Both are reported as {@code SM1_StopMachineVsHotplug} at the moment
 * {@code stop_cpus()} queues the work.
 */
public final class StopMachine implements Entity {
  /** A request waiting for {@code stop_cpus_mutex}, with the CPU count it was called with. */
  private record Pending(
      int requester,
      long token,
      int activeCpu,
      int fnTarget,
      Object fn,
      int numThreads,
      boolean lockedForCaller) {}

  private final Machine m;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private Pending active;
  private long op;
  private StopPhase phase = StopPhase.NONE;
  private int acked;
  private long startedAt;

  /** The acknowledgements that end a phase: {@code num_threads}. */
  private int expected;

  /** The NUMA nodes the current operation queued work on (null: all of them). */
  private boolean[] opNodes;

  // the kernel's view of the CPUs (only changes with hotplug)
  private final BitSet online;
  private final BitSet stopperEnabled;

  // stop_machine() calls waiting for cpus_read_lock() (token -> request)
  private final Map<Long, StopMachineMessage.StopMachineRequest> locking = new HashMap<>();
  private long lockTokens;

  public StopMachine(Machine m) {
    this.m = m;
    this.online = new BitSet(m.cpus());
    this.online.set(0, m.cpus());
    this.stopperEnabled = (BitSet) online.clone();
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof StopMachineMessage.StopMachineRequest r) {
      onStopMachine(ctx, r);
    } else if (msg instanceof StopMachineMessage.StopMachineCpuslocked r) {
      enqueue(ctx, r.requester(), r.token(), r.activeCpu(), r.fnTarget(), r.fn(), false);
    } else if (msg instanceof HotplugMessage.CpusReadLocked g) {
      StopMachineMessage.StopMachineRequest r = locking.remove(g.token());
      if (r == null) throw new IllegalStateException("stop_machine: unknown lock grant " + g);
      enqueue(ctx, r.requester(), r.token(), r.activeCpu(), r.fnTarget(), r.fn(), true);
    } else if (msg instanceof org.kernsim.protocol.hotplug26.Hotplug26Message.StopperView v) {
      // v2.6.36-v2.6.38: start_secondary(), CPU_POST_DEAD
      online.set(v.cpu(), v.online());
      stopperEnabled.set(v.cpu(), v.enabled());
    } else if (msg instanceof org.kernsim.protocol.hotplug26.Hotplug26Message.StopperEnable v) {
      // v2.6.36-v2.6.38 CPU_ONLINE: the writer calls cpu_hotplug_done() only once this is set
      online.set(v.cpu());
      stopperEnabled.set(v.cpu());
      ctx.send(
          v.replyTo(),
          new org.kernsim.protocol.hotplug26.Hotplug26Message.StopperViewSet(v.cpu()),
          m.latencies().lock());
    } else if (msg instanceof HotplugMessage.StopperState st) {
      online.set(st.cpu(), st.online());
      stopperEnabled.set(st.cpu(), st.stopperEnabled());
    } else if (msg instanceof StopMachineMessage.PhaseAcked a) {
      onAck(ctx, a);
    } else {
      throw new IllegalStateException("stop_machine: unexpected " + msg);
    }
  }

  /**
   * {@code stop_machine()}: {@code cpus_read_lock()} (for real only when CPUs come and go: without
   * hotplug its per-CPU read count costs no cross-CPU traffic), then {@code
   * stop_machine_cpuslocked()}.
   */
  private void onStopMachine(Context ctx, StopMachineMessage.StopMachineRequest r) {
    if (!m.hotplugEnabled()) {
      enqueue(ctx, r.requester(), r.token(), r.activeCpu(), r.fnTarget(), r.fn(), false);
      return;
    }
    long t = ++lockTokens;
    locking.put(t, r);
    ctx.send(
        m.cpuhp(),
        new HotplugMessage.CpusReadLock(r.requester(), ctx.self(), t, "stop_machine"),
        m.latencies().local());
  }

  /** {@code stop_machine_cpuslocked()}: {@code num_threads = num_online_cpus()}, then the mutex. */
  private void enqueue(
      Context ctx, int requester, long token, int activeCpu, int fnTarget, Object fn, boolean lk) {
    queue.addLast(new Pending(requester, token, activeCpu, fnTarget, fn, online.cardinality(), lk));
    // v2.6.38 __stop_machine() (kernel/stop_machine.c:465-474): msdata.num_threads is set; the
    // caller goes on, without sleeping, to stop_cpus()'s mutex_lock(&stop_cpus_mutex) (197-206):
    // it sleeps there if another stop holds it, else it queues the work (__stop_cpus(), 139-167)
    // and sleeps in wait_for_completion()
    if (requester == m.stopMachineCountedTo())
      ctx.send(
          requester, new StopMachineMessage.Counted(token, active == null), m.latencies().lock());
    if (active == null) startNext(ctx);
  }

  private void startNext(Context ctx) {
    active = queue.pollFirst();
    if (active == null) return;
    op++;
    phase = StopPhase.PREPARE;
    acked = 0;
    expected = active.numThreads();
    startedAt = ctx.now();
    if (!m.hotplugEnabled() && !m.hotplug26()) {
      opNodes = null;
      StopMachineMessage.StopWork work =
          new StopMachineMessage.StopWork(op, active.activeCpu(), active.fnTarget(), active.fn());
      for (int n = 0; n < m.numaNodes(); n++) ctx.send(m.numaNode(n), work, m.latencies().ipi());
      return;
    }
    // stop_cpus(cpu_online_mask, multi_cpu_stop, &msdata)
    BitSet runners = (BitSet) online.clone();
    runners.and(stopperEnabled);
    int stoppers = runners.cardinality();
    if (stoppers != active.numThreads()) {
      reportMismatch(ctx, stoppers);
      // fewer: the barrier hangs, as in the kernel. More: the kernel's counter goes wrong in ways
      // the model does not follow; once reported, the barrier waits for every stopper that runs
      if (stoppers > active.numThreads()) expected = stoppers;
    }
    long[] mask = online.toLongArray();
    opNodes = new boolean[m.numaNodes()];
    for (int n = 0; n < m.numaNodes(); n++) {
      boolean any = false;
      for (int c : m.cpusOfNode(n)) any |= online.get(c);
      if (!any) continue;
      opNodes[n] = true;
      ctx.send(
          m.numaNode(n),
          new StopMachineMessage.StopWorkOn(
              op, active.activeCpu(), active.fnTarget(), active.fn(), mask),
          m.latencies().ipi());
    }
  }

  private void reportMismatch(Context ctx, int stoppers) {
    BitSet parked = (BitSet) online.clone();
    parked.andNot(stopperEnabled);
    String who =
        stoppers < active.numThreads()
            ? stoppers
                + " stopper(s) will run but num_threads = "
                + active.numThreads()
                + " (num_online_cpus() when "
                + ctx.name(active.requester())
                + " called it): the last acknowledgement never comes, "
                + stoppers
                + " CPU(s) spin in multi_cpu_stop() forever (hard lockup)"
                + (parked.isEmpty() ? "" : "; online CPUs with a parked stopper: " + parked)
            : stoppers
                + " stopper(s) run but num_threads = "
                + active.numThreads()
                + ": the kernel's barrier advances before every online CPU has stopped";
    ctx.violation(
        "SM1_StopMachineVsHotplug",
        "stop_machine op "
            + op
            + " (from "
            + ctx.name(active.requester())
            + (m.hotplug26()
                ? ""
                : active.lockedForCaller()
                    ? ", cpus_read_lock() held"
                    : ", without cpus_read_lock()")
            + "): "
            + who);
  }

  private void onAck(Context ctx, StopMachineMessage.PhaseAcked a) {
    if (active == null || a.op() != op || a.phase() != phase) {
      throw new IllegalStateException(
          "stop_machine: ack " + a + " during op " + op + " phase " + phase);
    }
    acked += a.cpus();
    if (acked < expected) return;
    acked = 0;
    if (phase == StopPhase.EXIT) {
      ctx.count("stopMachineCount", 1);
      ctx.record("stopMachineNanos", ctx.now() - startedAt);
      if (active.lockedForCaller()) {
        ctx.send(
            m.cpuhp(),
            new HotplugMessage.CpusReadUnlock(active.requester()),
            m.latencies().local());
      }
      ctx.send(
          active.requester(),
          new StopMachineMessage.StopMachineDone(active.token(), op),
          m.latencies().lock());
      active = null;
      phase = StopPhase.NONE;
      startNext(ctx);
      return;
    }
    if (phase == StopPhase.RUN && active.fn() instanceof HotplugMessage.TakeCpuDown t) {
      // take_cpu_down() ran: __cpu_disable() cleared it from cpu_online_mask, its stopper is parked
      online.clear(t.cpu());
      stopperEnabled.clear(t.cpu());
    }
    if (phase == StopPhase.RUN
        && active.fn() instanceof org.kernsim.protocol.hotplug26.Hotplug26Message.TakeCpuDown t) {
      // v2.6.36-v2.6.38 take_cpu_down(): __cpu_disable() cleared it from cpu_online_mask; its
      // stopper stays enabled until CPU_POST_DEAD (cpu_stop_cpu_callback())
      online.clear(t.cpu());
    }
    phase = StopPhase.values()[phase.ordinal() + 1];
    StopMachineMessage.PhaseChanged change = new StopMachineMessage.PhaseChanged(op, phase);
    for (int n = 0; n < m.numaNodes(); n++) {
      if (opNodes != null && !opNodes[n]) continue;
      ctx.send(m.numaNode(n), change, m.latencies().stopRound());
    }
  }
}
