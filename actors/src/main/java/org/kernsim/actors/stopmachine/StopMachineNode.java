package org.kernsim.actors.stopmachine;

import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage.StopPhase;

/**
 * The stop_machine barrier's presence on one NUMA node: it fans the stopper work and every phase
 * change out to the node's CPUs and combines their acknowledgements into one per phase. It lives
 * with the node's first CPU, so in a cluster the fan-out and the combining stay on one host.
 */
public final class StopMachineNode implements Entity {
  private final Machine m;
  private final int node;
  private final int[] cpus;
  private long op = -1;
  private StopPhase phase = StopPhase.NONE;
  private int acked;

  /** The CPUs of this node the current operation queued work on. */
  private int[] queued;

  public StopMachineNode(Machine m, int node) {
    this.m = m;
    this.node = node;
    this.cpus = m.cpusOfNode(node);
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof StopMachineMessage.StopWork w) {
      op = w.op();
      phase = StopPhase.PREPARE;
      acked = 0;
      queued = cpus;
      for (int c : cpus) ctx.send(m.cpu(c), w, m.latencies().ipi());
    } else if (msg instanceof StopMachineMessage.StopWorkOn w) {
      // stop_cpus(): cpu_stop_queue_work() on each CPU of the mask (a parked stopper drops it)
      op = w.op();
      phase = StopPhase.PREPARE;
      acked = 0;
      java.util.BitSet mask = java.util.BitSet.valueOf(w.cpus());
      int n = 0;
      for (int c : cpus) if (mask.get(c)) n++;
      queued = new int[n];
      n = 0;
      for (int c : cpus) if (mask.get(c)) queued[n++] = c;
      StopMachineMessage.StopWork work =
          new StopMachineMessage.StopWork(w.op(), w.activeCpu(), w.fnTarget(), w.fn());
      for (int c : queued) ctx.send(m.cpu(c), work, m.latencies().ipi());
    } else if (msg instanceof StopMachineMessage.PhaseChanged p) {
      if (p.op() != op)
        throw new IllegalStateException(
            "numa" + node + ": phase of op " + p.op() + " during " + op);
      phase = p.phase();
      acked = 0;
      for (int c : queued) ctx.send(m.cpu(c), p, m.latencies().stopRound());
    } else if (msg instanceof StopMachineMessage.PhaseAcked a) {
      if (a.op() != op || a.phase() != phase) {
        throw new IllegalStateException(
            "numa" + node + ": ack " + a + " during op " + op + " phase " + phase);
      }
      acked += a.cpus();
      if (acked == queued.length) {
        acked = 0;
        ctx.send(
            m.stopMachine(),
            new StopMachineMessage.PhaseAcked(op, phase, queued.length),
            m.latencies().stopRound());
      }
    } else {
      throw new IllegalStateException("numa" + node + ": unexpected " + msg);
    }
  }
}
