package org.kernsim.actors.hotplug;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.actors.cpu.Task;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.protocol.hotplug.CpuhpState;
import org.kernsim.protocol.hotplug.HotplugMessage;
import org.kernsim.protocol.hotplug.HotplugNote;
import org.kernsim.protocol.rcu.RcuMessage;

/**
 * {@code cpuhp/N}: the per-CPU hotplug thread ({@code cpuhp_thread_fun()}, {@code kernel/cpu.c},
 * 2026), a per-CPU kthread bound to its CPU. Kicked by the control CPU ({@code
 * cpuhp_kick_ap_work()}) it runs, on its own CPU, the callbacks of the thread states one after the
 * other, sleeping while each one works, then reports back and parks:
 *
 * <ul>
 *   <li>{@code CPUHP_AP_ACTIVE}: {@code sched_cpu_activate()} / {@code sched_cpu_deactivate()} —
 *       the CPU enters or leaves {@code cpu_active_mask} ({@code balance_push}); going down it then
 *       waits a grace period ({@code synchronize_rcu()}) so that every CPU sees it inactive;
 *   <li>{@code CPUHP_AP_WORKQUEUE_ONLINE} and any other state a model registered: its callback;
 *   <li>{@code CPUHP_AP_SCHED_WAIT_EMPTY}: {@code sched_cpu_wait_empty()} — until only this thread
 *       is left on the CPU.
 * </ul>
 */
public final class CpuhpThread extends Task {

  private record Call(CpuhpState state, int target, boolean internal) {}

  private final int index;
  private final int cpuhp;
  private long op = -1;
  private boolean bringup;
  private final List<Call> calls = new ArrayList<>();
  private int pc;
  private long waitEpoch = 1;
  private long tokens;

  public CpuhpThread(Machine m, int index) {
    super(m, index);
    this.index = index;
    this.cpuhp = m.cpuhp();
    setPerCpuKthread(true);
  }

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof HotplugMessage.CpuhpKickAp k) {
      op = k.op();
      bringup = k.bringup();
      calls.clear();
      pc = 0;
      for (CpuhpState s : Cpuhp.threadStates(bringup)) {
        if (s == CpuhpState.AP_ACTIVE) calls.add(new Call(s, machine.cpu(index), true));
        if (s == CpuhpState.AP_SCHED_WAIT_EMPTY && !bringup)
          calls.add(new Call(s, machine.cpu(index), true));
        for (Machine.CpuhpCallback c : machine.cpuhpCallbacks(s)) {
          if (bringup ? c.startup() : c.teardown())
            calls.add(new Call(s, c.handler().applyAsInt(index), false));
        }
      }
      wake(ctx, waitEpoch); // unpark
    } else if (msg instanceof HotplugMessage.CpuhpCallbackDone d) {
      if (d.op() == op) wake(ctx, waitEpoch);
    } else if (msg instanceof HotplugMessage.RqEmpty e) {
      if (e.op() == op) wake(ctx, waitEpoch);
    } else if (msg instanceof RcuMessage.GracePeriodDone) {
      wake(ctx, waitEpoch);
    } else {
      super.onMessage(ctx, msg);
    }
  }

  @Override
  protected void run(Context ctx) {
    if (pc > 0 && ctx.tracing()) {
      Call done = calls.get(pc - 1);
      ctx.trace(new HotplugNote.CpuhpStep(op, index, done.state(), bringup, true));
    }
    if (pc < calls.size()) {
      Call c = calls.get(pc++);
      if (ctx.tracing()) ctx.trace(new HotplugNote.CpuhpStep(op, index, c.state(), bringup, false));
      if (c.internal() && c.state() == CpuhpState.AP_ACTIVE && c.target() != machine.rcu()) {
        ctx.send(
            c.target(),
            new HotplugMessage.SetCpuActive(op, bringup, ctx.self()),
            machine.latencies().local());
        if (!bringup) {
          // sched_cpu_deactivate(): after set_cpu_active(false) and balance_push_set(),
          // synchronize_rcu() so that every CPU sees the CPU inactive; a second call runs it
          calls.add(pc, new Call(CpuhpState.AP_ACTIVE, machine.rcu(), true));
        }
      } else if (c.internal() && c.target() == machine.rcu()) {
        ctx.send(
            machine.rcu(),
            new RcuMessage.SynchronizeSched(ctx.self(), ++tokens),
            machine.latencies().lock());
      } else if (c.internal()) {
        ctx.send(
            c.target(),
            new HotplugMessage.WaitEmpty(op, ctx.self(), ctx.self()),
            machine.latencies().local());
      } else {
        ctx.send(
            c.target(),
            new HotplugMessage.CpuhpCallback(op, index, c.state(), bringup, ctx.self()),
            machine.latencies().lock());
      }
      waitEpoch = nextEpoch();
      if (!sleep(ctx)) run(ctx);
      return;
    }
    // wait_for_ap_thread() on the control CPU returns; the thread parks
    ctx.send(cpuhp, new HotplugMessage.CpuhpApDone(op, index), machine.latencies().ipi());
    waitEpoch = nextEpoch();
    if (!sleep(ctx)) run(ctx);
  }
}
