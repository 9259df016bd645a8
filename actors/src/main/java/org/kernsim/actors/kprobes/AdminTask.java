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
 * sysctl and debugfs); {@code wait} sleeps on a timer. When the script ends it tells the workload
 * to stop and exits.
 *
 * <p>An API call is the kernel function run by this task on its own CPU, as the kernel runs it: the
 * {@link KprobeManager} carries out its sections while the task stays on the CPU, in the kernel and
 * not preemptible (it looks for the manager's messages every {@code latency.local}, as {@code
 * Hotplug26}'s writer spins); it gives the CPU up only where the function sleeps ({@link
 * KprobeApi.CallerSleeps}: a contended mutex, {@code wait_for_completion()} in {@code
 * stop_machine()}, {@code synchronize_sched()}, a flush), and, woken ({@link
 * KprobeApi.CallerWakes}), competes for the CPU as any task and tells the manager when it holds it
 * again ({@link KprobeApi.CallerOnCpu}); see {@link CallerCpu}. Returning to user space ({@link
 * KprobeApi.Returned}) is a preemption point.
 */
final class AdminTask extends Task {
  private final KprobesSim sim;
  private final List<Script.Step> script;
  private int step = -1;
  private long token;
  private long waiting = -1;

  /** In a kernel function (from the call to its return). */
  private boolean inKernel;

  /** The function returned (the result is recorded); the task goes back to user space. */
  private boolean returned;

  /** The manager said the function sleeps here; the task has not slept yet. */
  private boolean sleepAsked;

  /** The number of that sleep (the manager's wake may arrive before the task sleeps). */
  private long kernelSleep = -1;

  /** Asleep in the function; the next run is on the CPU again. */
  private boolean asleep;

  /** The manager said the function sleeps once this CPU's stopper asks for the CPU. */
  private boolean stopperAsked;

  /** The task gave its CPU to the stopper (it is runnable, in stop_machine()'s wait). */
  private boolean gaveToStopper;

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
      if (r.token() != token || !inKernel || asleep || sleepAsked || stopperAsked)
        throw new IllegalStateException("admin: stray reply " + r);
      record(ctx, r.result());
      returned = true; // seen at the next look
    } else if (msg instanceof KprobeApi.CallerSleeps z) {
      if (z.token() != token || !inKernel || asleep || sleepAsked || stopperAsked)
        throw new IllegalStateException("admin: stray " + z);
      if (z.atStopper()) stopperAsked = true;
      else sleepAsked = true;
      kernelSleep = nextEpoch();
    } else if (msg instanceof KprobeApi.CallerWakes w) {
      if (w.token() != token || kernelSleep < 0)
        throw new IllegalStateException("admin: stray " + w);
      long e = kernelSleep;
      kernelSleep = -1;
      wake(ctx, e); // try_to_wake_up(); a wake before the sleep makes the sleep return at once
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
    if (inKernel) {
      inKernel(ctx);
      return;
    }
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
    inKernel = true;
    inKernel(ctx);
  }

  /**
   * One look of the task in its kernel function: back on the CPU after a sleep (tell the manager),
   * returned (to user space: a preemption point, then the next step), asked to sleep (sleep), or
   * spin on until the next look.
   */
  private void inKernel(Context ctx) {
    if (asleep) {
      asleep = false;
      onCpuAgain(ctx);
    }
    if (returned) {
      returned = false;
      inKernel = false;
      if (preemptionPoint(ctx)) return; // run() goes on with the next step
      run(ctx);
      return;
    }
    if (stopperAsked) {
      if (!gaveToStopper) {
        // __stop_cpus() queued the work on this CPU's stopper and woke it; the caller goes on to
        // wait_for_completion(), whose schedule() gives the CPU to the stopper: here, once the
        // stopper's work has reached the CPU (its preemption request)
        if (preemptionPoint(ctx)) {
          gaveToStopper = true;
          return;
        }
      } else {
        // back on the CPU (the stopper is done with it): wait_for_completion() sleeps, unless the
        // stop_machine() already completed
        gaveToStopper = false;
        stopperAsked = false;
        sleepAsked = true;
      }
    }
    if (sleepAsked) {
      sleepAsked = false;
      asleep = true;
      if (sleep(ctx)) return;
      asleep = false; // woken already
      onCpuAgain(ctx);
    }
    computeStillNonPreemptible(ctx, Math.max(1, machine.latencies().local().sample(ctx.random())));
  }

  private void onCpuAgain(Context ctx) {
    ctx.send(
        sim.manager(), new KprobeApi.CallerOnCpu(ctx.self(), token), machine.latencies().lock());
  }

  private void sleepNow(Context ctx) {
    waiting = nextEpoch();
    if (!sleep(ctx)) run(ctx);
  }
}
