package org.kernsim.actors.kprobes;

import java.util.List;
import org.kernsim.actors.cpu.Task;
import org.kernsim.engine.Context;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.kprobes.KprobeApi;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.kprobes.WorkloadMessage;

/**
 * The "admin" task: runs {@code kprobes.script} (a module registering probes, perf, a shell writing
 * sysctl and debugfs). Each API call sleeps until the kernel function returns; {@code wait} sleeps
 * on a timer. When the script ends it tells the workload to stop and exits.
 */
final class AdminTask extends Task {
  private final KprobesSim sim;
  private final List<Script.Step> script;
  private int step = -1;
  private long token;
  private long waiting = -1;

  AdminTask(KprobesSim sim, int cpu) {
    super(sim.machine(), cpu);
    this.sim = sim;
    this.script = sim.config().script();
  }

  @Override
  public void start(Context ctx) {
    // a task of the namespace whose init exits: its exit is what zap_pid_ns_processes() waits for
    if (sim.nsInit() >= 0) Lockdep.acquire(ctx, ctx.self(), NsInitExit.CHILD_EXIT, "fork");
    startRunnable(ctx);
  }

  @Override
  protected void onMessage(Context ctx, Object msg) {
    if (msg instanceof KprobeApi.Returned r) {
      if (r.token() != token) throw new IllegalStateException("admin: stray reply " + r);
      record(ctx, r.result());
      resume(ctx);
    } else if (msg instanceof WorkloadMessage.AdminWake w) {
      if (w.step() == step) resume(ctx);
    } else {
      super.onMessage(ctx, msg);
    }
  }

  private void resume(Context ctx) {
    long w = waiting;
    waiting = -1;
    if (w >= 0) wake(ctx, w);
  }

  private void record(Context ctx, int result) {
    Script.Step s = script.get(step);
    String verb = s.kind().name().toLowerCase(java.util.Locale.ROOT);
    if (result == 0) ctx.count("api." + verb + ".ok", 1);
    else if (result == KprobeApi.EBUSY) ctx.count("api." + verb + ".ebusy", 1);
    else ctx.count("api." + verb + ".error", 1);
  }

  @Override
  protected void run(Context ctx) {
    step++;
    if (step >= script.size()) {
      for (int i = 0; i < machine.cpus(); i++)
        ctx.send(sim.workload(i), new WorkloadMessage.WorkloadStop(), machine.latencies().lock());
      if (ctx.tracing()) ctx.trace(new KprobeNote.ScriptDone());
      if (sim.nsInit() >= 0) {
        Lockdep.release(ctx, ctx.self(), NsInitExit.CHILD_EXIT);
        ctx.send(
            sim.nsInit(), new WorkloadMessage.ChildExited(ctx.self()), machine.latencies().lock());
      }
      exit(ctx);
      return;
    }
    Script.Step s = script.get(step);
    if (ctx.tracing()) ctx.trace(new KprobeNote.ScriptStep(step, s.text()));
    switch (s.kind()) {
      case REGISTER ->
          call(
              ctx,
              s.probes().size() == 1
                  ? new KprobeApi.RegisterKprobe(s.probes().get(0))
                  : new KprobeApi.RegisterKprobes(s.probes()));
      case UNREGISTER -> call(ctx, new KprobeApi.UnregisterKprobes(s.probes()));
      case ENABLE -> call(ctx, new KprobeApi.EnableKprobe(s.probes().get(0)));
      case DISABLE -> call(ctx, new KprobeApi.DisableKprobe(s.probes().get(0)));
      case KILL -> call(ctx, new KprobeApi.KillKprobe(s.probes().get(0)));
      case SYSCTL_OPTIMIZATION -> call(ctx, new KprobeApi.SysctlOptimization(s.value() == 1));
      case DEBUGFS_ENABLED -> call(ctx, new KprobeApi.DebugfsEnabled(s.value() == 1));
      case AUDIT -> call(ctx, new KprobeApi.Audit());
      case WAIT -> {
        ctx.startTimer("wait", Math.max(1, s.value()), new WorkloadMessage.AdminWake(step));
        sleepNow(ctx);
      }
      default -> throw new IllegalStateException("admin: step " + s);
    }
  }

  private void call(Context ctx, KprobeApi.Op op) {
    token++;
    ctx.send(sim.manager(), new KprobeApi.Call(ctx.self(), token, op), machine.latencies().lock());
    sleepNow(ctx);
  }

  private void sleepNow(Context ctx) {
    waiting = nextEpoch();
    if (!sleep(ctx)) run(ctx);
  }
}
