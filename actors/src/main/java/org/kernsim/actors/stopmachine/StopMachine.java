package org.kernsim.actors.stopmachine;

import java.util.ArrayDeque;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage.StopPhase;

/**
 * {@code stop_machine()}: one multi-CPU stop at a time ({@code stop_cpus_mutex}); for each, the
 * barrier state PREPARE, DISABLE_IRQ, RUN, EXIT advances when every online CPU has acknowledged the
 * current state. Acknowledgements arrive combined per NUMA node ({@link StopMachineNode}), and
 * phase changes leave once per NUMA node: two messages per node and phase.
 */
public final class StopMachine implements Entity {
  private final Machine m;
  private final ArrayDeque<StopMachineMessage.StopMachineRequest> queue = new ArrayDeque<>();
  private StopMachineMessage.StopMachineRequest active;
  private long op;
  private StopPhase phase = StopPhase.NONE;
  private int acked;
  private long startedAt;

  public StopMachine(Machine m) {
    this.m = m;
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof StopMachineMessage.StopMachineRequest r) {
      queue.addLast(r);
      if (active == null) startNext(ctx);
    } else if (msg instanceof StopMachineMessage.PhaseAcked a) {
      onAck(ctx, a);
    } else {
      throw new IllegalStateException("stop_machine: unexpected " + msg);
    }
  }

  private void startNext(Context ctx) {
    active = queue.pollFirst();
    if (active == null) return;
    op++;
    phase = StopPhase.PREPARE;
    acked = 0;
    startedAt = ctx.now();
    StopMachineMessage.StopWork work =
        new StopMachineMessage.StopWork(op, active.activeCpu(), active.fnTarget(), active.fn());
    for (int n = 0; n < m.numaNodes(); n++) ctx.send(m.numaNode(n), work, m.latencies().ipi());
  }

  private void onAck(Context ctx, StopMachineMessage.PhaseAcked a) {
    if (active == null || a.op() != op || a.phase() != phase) {
      throw new IllegalStateException(
          "stop_machine: ack " + a + " during op " + op + " phase " + phase);
    }
    acked += a.cpus();
    if (acked < m.cpus()) return;
    acked = 0;
    if (phase == StopPhase.EXIT) {
      ctx.count("stopMachineCount", 1);
      ctx.record("stopMachineNanos", ctx.now() - startedAt);
      ctx.send(
          active.requester(),
          new StopMachineMessage.StopMachineDone(active.token(), op),
          m.latencies().lock());
      active = null;
      phase = StopPhase.NONE;
      startNext(ctx);
      return;
    }
    phase = StopPhase.values()[phase.ordinal() + 1];
    StopMachineMessage.PhaseChanged change = new StopMachineMessage.PhaseChanged(op, phase);
    for (int n = 0; n < m.numaNodes(); n++)
      ctx.send(m.numaNode(n), change, m.latencies().stopRound());
  }
}
