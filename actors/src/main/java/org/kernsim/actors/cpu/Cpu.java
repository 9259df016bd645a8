package org.kernsim.actors.cpu;

import java.util.ArrayDeque;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.protocol.cpu.CpuMessage;
import org.kernsim.protocol.cpu.CpuNote;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage.StopPhase;

/**
 * One CPU: its run queue, the task it runs, its stopper thread and its RCU-sched quiescent states.
 *
 * <p>Scheduling: a task enqueued on an idle CPU runs after {@code latency.wakeup}; on a busy CPU it
 * waits in FIFO order, and the running task is asked to give way (at its next preemption point)
 * once it has run {@code sched.wakeup-granularity}. The stopper ({@code stop_machine}) preempts at
 * once, at the running task's next preemption point; while the CPU is in the stopper no task runs.
 * A context switch, and idle, are RCU-sched quiescent states.
 */
public final class Cpu implements Entity {
  static final int IDLE = -1;
  private static final String PREEMPT_CHECK = "preempt-check";
  private static final String INJECTED_PREEMPTION = "injected-preemption";

  private final Machine m;
  private final int index;
  private final int self;
  private final ArrayDeque<Integer> runqueue = new ArrayDeque<>();
  private int current = IDLE;
  private long dispatch;
  private long currentSince;
  private boolean preemptRequested;

  // stopper (multi_cpu_stop on this CPU)
  private StopMachineMessage.StopWork stopWork;
  private boolean inStopper;
  private boolean irqsOff;
  private long stopperSince;

  // the fault plan's preemptions (faults.preempt.*)
  private boolean stealPending;
  private boolean stolen;

  // RCU-sched: the grace period waiting for this CPU's next quiescent state (-1: none)
  private long qsWanted = -1;

  public Cpu(Machine m, int index) {
    this.m = m;
    this.index = index;
    this.self = m.cpu(index);
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof CpuMessage.Enqueue e) {
      onEnqueue(ctx, e.task());
    } else if (msg instanceof CpuMessage.Release r) {
      onRelease(ctx, r);
    } else if (msg instanceof CpuMessage.TaskQuiescent q) {
      if (q.task() == current && q.dispatch() == dispatch) reportQs(ctx);
    } else if (msg instanceof CpuMessage.PreemptCheck p) {
      if (p.dispatch() == dispatch && current != IDLE && !runqueue.isEmpty()) requestPreempt(ctx);
    } else if (msg instanceof StopMachineMessage.StopWork w) {
      onStopWork(ctx, w);
    } else if (msg instanceof StopMachineMessage.PhaseChanged p) {
      onPhase(ctx, p);
    } else if (msg instanceof StopMachineMessage.StopFnDone) {
      ack(ctx, StopPhase.RUN);
    } else if (msg instanceof RcuMessage.QsRequest q) {
      onQsRequest(ctx, q.gp());
    } else if (msg instanceof CpuMessage.InjectedPreemption) {
      onInjectedPreemption(ctx);
    } else if (msg instanceof CpuMessage.StolenTimeEnd) {
      stolen = false;
      next(ctx, IDLE);
    } else {
      throw new IllegalStateException("cpu" + index + ": unexpected " + msg);
    }
  }

  // ------------------------------------------------------------------ scheduling

  private void onEnqueue(Context ctx, int task) {
    if (current == IDLE && !inStopper && stopWork == null && !stolen) {
      dispatch(ctx, task, m.latencies().wakeup().sample(ctx.random()));
    } else {
      runqueue.addLast(task);
      considerPreempt(ctx);
    }
  }

  private void dispatch(Context ctx, int task, long delay) {
    int from = current;
    current = task;
    dispatch++;
    preemptRequested = false;
    currentSince = ctx.now() + delay;
    ctx.sendAfter(task, new CpuMessage.Dispatch(self, dispatch), delay);
    armInjectedPreemption(ctx);
    if (ctx.tracing()) ctx.trace(new CpuNote.Switch(index, from, task));
    ctx.count("contextSwitches", 1);
    considerPreempt(ctx);
  }

  private void considerPreempt(Context ctx) {
    if (current == IDLE || preemptRequested || runqueue.isEmpty()) return;
    long at = currentSince + m.latencies().wakeupGranularity();
    if (at <= ctx.now()) requestPreempt(ctx);
    else ctx.startTimer(PREEMPT_CHECK, at - ctx.now(), new CpuMessage.PreemptCheck(dispatch));
  }

  private void requestPreempt(Context ctx) {
    if (current == IDLE || preemptRequested) return;
    preemptRequested = true;
    ctx.cancelTimer(PREEMPT_CHECK);
    ctx.send(current, new CpuMessage.Preempt(self, dispatch), m.latencies().local());
  }

  private void onRelease(Context ctx, CpuMessage.Release r) {
    if (r.task() != current || r.dispatch() != dispatch) {
      throw new IllegalStateException(
          "cpu"
              + index
              + ": release by "
              + ctx.name(r.task())
              + " (dispatch "
              + r.dispatch()
              + ") but running "
              + (current == IDLE ? "nothing" : ctx.name(current))
              + " (dispatch "
              + dispatch
              + ")");
    }
    ctx.cancelTimer(PREEMPT_CHECK);
    if (r.kind() == CpuMessage.ReleaseKind.PREEMPTED || r.kind() == CpuMessage.ReleaseKind.YIELD) {
      runqueue.addLast(r.task());
    }
    int from = current;
    current = IDLE;
    reportQs(ctx); // a context switch is a quiescent state
    next(ctx, from);
  }

  private void next(Context ctx, int from) {
    if (stolen) return; // the CPU comes back at StolenTimeEnd
    if (stealPending && !inStopper) {
      stealPending = false;
      steal(ctx, from);
    } else if (stopWork != null && !inStopper) {
      enterStopper(ctx);
    } else if (!runqueue.isEmpty()) {
      dispatch(ctx, runqueue.pollFirst(), m.latencies().ctxswitch().sample(ctx.random()));
    } else {
      ctx.cancelTimer(INJECTED_PREEMPTION); // faults.preempt.* preempt running tasks only
      if (ctx.tracing() && from != IDLE) ctx.trace(new CpuNote.Switch(index, from, IDLE));
    }
  }

  // ------------------------------------------------------------------ fault plan

  /**
   * Injected preemptions arrive as a Poisson process while a task runs (the process is memoryless,
   * so re-arming with a fresh draw at each dispatch from idle is the same process; an idle CPU has
   * nothing to preempt and costs no events, so idle stretches stay free).
   */
  private void armInjectedPreemption(Context ctx) {
    if (m.latencies().preemptFaultsPerSecond() <= 0 || ctx.timerActive(INJECTED_PREEMPTION)) return;
    double mean = 1e9 / m.latencies().preemptFaultsPerSecond();
    long delay = Math.max(1, (long) (-mean * Math.log1p(-ctx.random().nextDouble())));
    ctx.startTimer(INJECTED_PREEMPTION, delay, new CpuMessage.InjectedPreemption());
  }

  private void onInjectedPreemption(Context ctx) {
    if (current == IDLE || inStopper || stolen || stealPending) return;
    stealPending = true;
    requestPreempt(ctx);
    armInjectedPreemption(ctx);
  }

  private void steal(Context ctx, int from) {
    long d = m.latencies().preemptFaultDuration().sample(ctx.random());
    stolen = true;
    ctx.count("faultsPreempted", 1);
    ctx.count("faultsStolenNanos", d);
    if (ctx.tracing()) ctx.trace(new CpuNote.TimeStolen(index, from, d));
    ctx.startTimer("stolen", d, new CpuMessage.StolenTimeEnd());
  }

  // ------------------------------------------------------------------ stopper

  private void onStopWork(Context ctx, StopMachineMessage.StopWork w) {
    if (stopWork != null)
      throw new IllegalStateException(
          "cpu" + index + ": stop work " + w.op() + " while " + stopWork.op() + " is active");
    stopWork = w;
    if (stolen) return; // the stopper runs when the CPU comes back
    if (current == IDLE) enterStopper(ctx);
    else requestPreempt(ctx);
  }

  private void enterStopper(Context ctx) {
    inStopper = true;
    stopperSince = ctx.now();
    if (ctx.tracing()) ctx.trace(new CpuNote.StopperEntered(index, stopWork.op()));
    reportQs(ctx);
    ack(ctx, StopPhase.PREPARE);
  }

  private void onPhase(Context ctx, StopMachineMessage.PhaseChanged p) {
    if (!inStopper || stopWork == null || p.op() != stopWork.op()) {
      throw new IllegalStateException("cpu" + index + ": phase " + p + " outside its stopper");
    }
    switch (p.phase()) {
      case DISABLE_IRQ -> {
        irqsOff = true;
        ack(ctx, StopPhase.DISABLE_IRQ);
      }
      case RUN -> {
        int active = stopWork.activeCpu() < 0 ? 0 : stopWork.activeCpu();
        if (active == index && stopWork.fnTarget() >= 0) {
          ctx.send(
              stopWork.fnTarget(),
              new StopMachineMessage.StopFnCall(stopWork.op(), index, stopWork.fn()),
              m.latencies().lock());
        } else {
          ack(ctx, StopPhase.RUN);
        }
      }
      case EXIT -> {
        ack(ctx, StopPhase.EXIT);
        long stalled = ctx.now() - stopperSince;
        ctx.count("stopMachineStallNanos", stalled);
        if (ctx.tracing()) ctx.trace(new CpuNote.StopperLeft(index, stopWork.op(), stalled));
        inStopper = false;
        irqsOff = false;
        stopWork = null;
        reportQs(ctx);
        next(ctx, IDLE);
      }
      default -> throw new IllegalStateException("cpu" + index + ": unexpected phase " + p.phase());
    }
  }

  private void ack(Context ctx, StopPhase phase) {
    ctx.send(
        m.numaNode(m.nodeOfCpu(index)),
        new StopMachineMessage.PhaseAcked(stopWork.op(), phase, 1),
        m.latencies().stopRound());
  }

  // ------------------------------------------------------------------ RCU-sched

  private void onQsRequest(Context ctx, long gp) {
    qsWanted = Math.max(qsWanted, gp);
    if (current == IDLE && !inStopper && !stolen) reportQs(ctx);
  }

  private void reportQs(Context ctx) {
    if (qsWanted < 0) return;
    if (inStopper && irqsOff) return; // spinning with interrupts off: reported when it leaves
    ctx.send(m.rcu(), new RcuMessage.QsReport(qsWanted, index), m.latencies().lock());
    qsWanted = -1;
  }

  // ------------------------------------------------------------------ for tests and checkers

  int current() {
    return current;
  }

  boolean inStopper() {
    return inStopper;
  }

  int queued() {
    return runqueue.size();
  }
}
