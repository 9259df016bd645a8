package org.kernsim.actors.hotplug;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.kernsim.actors.machine.HotplugConfig;
import org.kernsim.actors.machine.Machine;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.hotplug.CpuhpState;
import org.kernsim.protocol.hotplug.HotplugMessage;
import org.kernsim.protocol.hotplug.HotplugNote;
import org.kernsim.protocol.lockdep.LockNote.LockMode;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;

/**
 * CPU hotplug on the control CPU ({@code kernel/cpu.c}): {@code cpu_down()} and {@code cpu_up()},
 * one at a time ({@code cpu_add_remove_lock}), each the sequence {@link Cpuhp#steps} of the run's
 * kernel; the hotplug lock {@code cpu_hotplug_lock} ({@link HotplugLock}) whose read side any task
 * takes with {@link HotplugMessage.CpusReadLock}; and the fault plan ({@code faults.hotplug.*})
 * that makes the requests — at given times, or at random from this entity's own stream.
 *
 * <p>Lock acquisitions are published to the lock-order checker ({@link Lockdep}) with the task that
 * takes them: the reader, or the task that called {@code cpu_down()} (this entity stands for the
 * sysfs writer of the fault plan). A deadlock of the lock itself — a reader that already holds it
 * queued behind the writer that waits for it — is the violation {@code SM2_HotplugLockDeadlock}.
 */
public final class CpuHotplug implements Entity {

  private static final String LOCK = "cpu_hotplug_lock";
  private static final String MAPS = "cpu_add_remove_lock";

  private record Request(int cpu, boolean up, int requester, long token, String source) {}

  private final Machine m;
  private final HotplugConfig cfg;
  private final HotplugLock lock;
  private final BitSet online;
  private final ArrayDeque<Request> requests = new ArrayDeque<>();

  // the operation in progress
  private Request req;
  private long op;
  private long opStart;
  private List<Cpuhp.Step> steps;
  private int pc;
  private int callback;
  private int awaiting;
  private long gpToken;
  private boolean deadlockReported;
  private long tokens;

  public CpuHotplug(Machine m) {
    this.m = m;
    this.cfg = m.hotplug();
    this.lock =
        new HotplugLock(
            cfg.kernel().notifiers() ? HotplugLock.Kind.REFCOUNT : HotplugLock.Kind.PERCPU_RWSEM);
    this.online = new BitSet(m.cpus());
    this.online.set(0, m.cpus());
  }

  /** The lock (tests). */
  HotplugLock lock() {
    return lock;
  }

  @Override
  public void start(Context ctx) {
    List<HotplugConfig.PlanEntry> plan = cfg.plan();
    for (int i = 0; i < plan.size(); i++)
      ctx.startTimer("plan" + i, plan.get(i).at(), new HotplugMessage.PlanDue(i));
    if (cfg.rate() > 0) scheduleRandomDown(ctx);
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof HotplugMessage.CpusReadLock r) {
      onReadLock(ctx, r);
    } else if (msg instanceof HotplugMessage.CpusReadUnlock u) {
      onReadUnlock(ctx, u);
    } else if (msg instanceof HotplugMessage.PlanDue p) {
      HotplugConfig.PlanEntry e = cfg.plan().get(p.index());
      request(ctx, new Request(e.cpu(), e.up(), -1, 0, "faults.hotplug.plan"));
    } else if (msg instanceof HotplugMessage.RandomDue r) {
      onRandom(ctx, r);
    } else if (msg instanceof HotplugMessage.CpuDown d) {
      request(ctx, new Request(d.cpu(), false, d.requester(), d.token(), ctx.name(d.requester())));
    } else if (msg instanceof HotplugMessage.CpuUp u) {
      request(ctx, new Request(u.cpu(), true, u.requester(), u.token(), ctx.name(u.requester())));
    } else if (msg instanceof RcuMessage.GracePeriodDone g) {
      if (g.token() != gpToken) throw new IllegalStateException("cpuhp: unexpected " + g);
      HotplugLock.WriterState st = lock.gracePeriodPassed();
      writerState(ctx, st);
    } else if (msg instanceof HotplugMessage.CpuhpCallbackDone d) {
      if (d.op() != op) throw new IllegalStateException("cpuhp: stale " + d);
      callbackDone(ctx);
    } else if (msg instanceof HotplugMessage.CpuhpApDone d
        || msg instanceof HotplugMessage.CpuBooted
        || msg instanceof HotplugMessage.CpuDead
        || msg instanceof StopMachineMessage.StopMachineDone) {
      if (--awaiting == 0) nextStep(ctx);
    } else {
      throw new IllegalStateException("cpuhp: unexpected " + msg);
    }
  }

  // ------------------------------------------------------------------ the fault plan

  private void scheduleRandomDown(Context ctx) {
    double mean = 1e9 / cfg.rate();
    long delay = Math.max(1, (long) (-mean * Math.log1p(-ctx.random().nextDouble())));
    ctx.startTimer("random-down", delay, new HotplugMessage.RandomDue(-1));
  }

  private void onRandom(Context ctx, HotplugMessage.RandomDue r) {
    if (r.cpu() >= 0) {
      request(ctx, new Request(r.cpu(), true, -2, 0, "faults.hotplug.rate"));
      return;
    }
    if (!ctx.faultsActive()) return; // the liveness phase: no more CPUs go down
    List<Integer> candidates = new ArrayList<>();
    for (int c = 1; c < m.cpus(); c++) if (online.get(c) && !pending(c)) candidates.add(c);
    if (!candidates.isEmpty()) {
      int cpu = candidates.get(ctx.random().nextInt(candidates.size()));
      request(ctx, new Request(cpu, false, -2, 0, "faults.hotplug.rate"));
    }
    scheduleRandomDown(ctx);
  }

  private boolean pending(int cpu) {
    if (req != null && req.cpu() == cpu) return true;
    for (Request q : requests) if (q.cpu() == cpu) return true;
    return false;
  }

  // ------------------------------------------------------------------ operations

  /** {@code cpu_maps_update_begin()}: one operation at a time. */
  private void request(Context ctx, Request r) {
    requests.addLast(r);
    if (req == null) startNext(ctx);
  }

  private void startNext(Context ctx) {
    while (req == null && !requests.isEmpty()) {
      Request r = requests.pollFirst();
      String why = Cpuhp.refusal(online, r.cpu(), r.up());
      if (why != null) {
        ctx.count("hotplugRefused", 1);
        if (ctx.tracing())
          ctx.trace(new HotplugNote.HotplugRefused(r.cpu(), r.up(), Cpuhp.errno(why), why));
        reply(ctx, r, Cpuhp.errno(why));
        continue;
      }
      req = r;
      op++;
      opStart = ctx.now();
      steps = Cpuhp.steps(cfg.kernel(), r.up());
      pc = 0;
      deadlockReported = false;
      if (ctx.tracing()) ctx.trace(new HotplugNote.HotplugStarted(op, r.cpu(), r.up(), r.source()));
      Lockdep.acquire(ctx, writer(), MAPS, r.up() ? "cpu_up" : "cpu_down");
      runStep(ctx);
    }
  }

  /** The task that called {@code cpu_down()}/{@code cpu_up()}. */
  private int writer() {
    return req != null && req.requester() >= 0 ? req.requester() : m.cpuhp();
  }

  private String opName() {
    return req.up() ? "_cpu_up" : "_cpu_down";
  }

  private void runStep(Context ctx) {
    Cpuhp.Step s = steps.get(pc);
    int cpu = req.cpu();
    switch (s.kind()) {
      case WRITE_LOCK -> {
        Lockdep.acquire(ctx, writer(), LOCK, LockMode.WRITE, false, opName());
        HotplugLock.WriterState st = lock.writeLock(writer());
        if (st == HotplugLock.WriterState.RCU_SYNC) {
          // percpu_down_write(): rcu_sync_enter() waits for a grace period first
          if (ctx.tracing())
            ctx.trace(new HotplugNote.WriteLockWaits(writer(), true, lock.readers().size()));
          gpToken = ++tokens;
          ctx.send(
              m.rcu(), new RcuMessage.SynchronizeSched(ctx.self(), gpToken), m.latencies().lock());
        } else {
          writerState(ctx, st);
        }
      }
      case BP_CALLBACKS -> {
        callback = 0;
        invokeCallback(ctx);
      }
      case SCHED_INACTIVE ->
          ctx.send(
              m.cpu(cpu),
              new HotplugMessage.SetCpuActive(op, false, ctx.self()),
              m.latencies().ipi());
      case AP_THREAD -> {
        awaiting = 1;
        ctx.send(
            m.cpuhpThread(cpu), new HotplugMessage.CpuhpKickAp(op, req.up()), m.latencies().ipi());
      }
      case BRINGUP -> {
        awaiting = 1;
        if (ctx.tracing())
          ctx.trace(new HotplugNote.CpuhpStep(op, cpu, CpuhpState.BRINGUP_CPU, true, false));
        ctx.send(m.cpu(cpu), new HotplugMessage.BringupCpu(op, ctx.self()), m.latencies().ipi());
      }
      case TAKEDOWN -> {
        // takedown_cpu(): stop_machine_cpuslocked(take_cpu_down, NULL, cpumask_of(cpu)), then
        // wait for the AP to report itself dead: two answers in either order
        awaiting = 2;
        if (ctx.tracing())
          ctx.trace(new HotplugNote.CpuhpStep(op, cpu, CpuhpState.TEARDOWN_CPU, false, false));
        ctx.send(
            m.stopMachine(),
            new StopMachineMessage.StopMachineCpuslocked(
                ctx.self(),
                op,
                cpu,
                -1,
                new HotplugMessage.TakeCpuDown(op, cpu, ctx.self(), cfg.kernel().notifiers())),
            m.latencies().lock());
      }
      case WRITE_UNLOCK -> {
        List<HotplugLock.Grant> grants = lock.writeUnlock();
        Lockdep.release(ctx, writer(), LOCK);
        Lockdep.release(ctx, writer(), MAPS);
        if (ctx.tracing()) ctx.trace(new HotplugNote.WriteLockReleased(writer(), grants.size()));
        for (HotplugLock.Grant g : grants) grant(ctx, g.holder(), g.replyTo(), g.token(), g, null);
        finish(ctx);
      }
      default -> throw new IllegalStateException("cpuhp: step " + s);
    }
  }

  private void writerState(Context ctx, HotplugLock.WriterState st) {
    if (st == HotplugLock.WriterState.HELD) {
      if (ctx.tracing()) ctx.trace(new HotplugNote.WriteLockTaken(writer()));
      nextStep(ctx);
    } else {
      if (ctx.tracing())
        ctx.trace(new HotplugNote.WriteLockWaits(writer(), false, lock.readers().size()));
      checkDeadlock(ctx);
    }
  }

  private void nextStep(Context ctx) {
    Cpuhp.Step done = steps.get(pc);
    if (ctx.tracing() && done.kind() == Cpuhp.Kind.TAKEDOWN)
      ctx.trace(new HotplugNote.CpuhpStep(op, req.cpu(), CpuhpState.TEARDOWN_CPU, false, true));
    if (ctx.tracing() && done.kind() == Cpuhp.Kind.BRINGUP)
      ctx.trace(new HotplugNote.CpuhpStep(op, req.cpu(), CpuhpState.BRINGUP_CPU, true, true));
    if (done.kind() == Cpuhp.Kind.TAKEDOWN) online.clear(req.cpu());
    if (done.kind() == Cpuhp.Kind.BRINGUP) online.set(req.cpu());
    pc++;
    runStep(ctx);
  }

  /** The registered callbacks of a BP state, one after the other. */
  private void invokeCallback(Context ctx) {
    Cpuhp.Step s = steps.get(pc);
    List<Machine.CpuhpCallback> cbs = m.cpuhpCallbacks(s.state());
    while (callback < cbs.size()) {
      Machine.CpuhpCallback c = cbs.get(callback++);
      boolean wanted =
          s.state().name().startsWith("CPU_") || (req.up() ? c.startup() : c.teardown());
      if (!wanted) continue;
      if (ctx.tracing())
        ctx.trace(new HotplugNote.CpuhpStep(op, req.cpu(), s.state(), req.up(), false));
      ctx.send(
          c.handler().applyAsInt(req.cpu()),
          new HotplugMessage.CpuhpCallback(op, req.cpu(), s.state(), req.up(), ctx.self()),
          m.latencies().lock());
      return;
    }
    nextStep(ctx);
  }

  private void callbackDone(Context ctx) {
    Cpuhp.Step s = steps.get(pc);
    if (ctx.tracing())
      ctx.trace(
          new HotplugNote.CpuhpStep(
              op, req.cpu(), s.state() == null ? CpuhpState.AP_ACTIVE : s.state(), req.up(), true));
    if (s.kind() == Cpuhp.Kind.SCHED_INACTIVE) nextStep(ctx);
    else invokeCallback(ctx);
  }

  private void finish(Context ctx) {
    long took = ctx.now() - opStart;
    boolean up = req.up();
    ctx.count(up ? "cpuUps" : "cpuDowns", 1);
    ctx.record(up ? "cpuUpNanos" : "cpuDownNanos", took);
    if (ctx.tracing()) ctx.trace(new HotplugNote.HotplugFinished(op, req.cpu(), up, took));
    reply(ctx, req, 0);
    if (!up && req.requester() == -2) {
      ctx.startTimer(
          "random-up" + req.cpu(),
          Math.max(1, cfg.downtime().sample(ctx.random())),
          new HotplugMessage.RandomDue(req.cpu()));
    }
    req = null;
    startNext(ctx);
  }

  private void reply(Context ctx, Request r, int error) {
    if (r.requester() < 0) return;
    ctx.send(
        r.requester(),
        new HotplugMessage.HotplugDone(r.token(), r.cpu(), online.get(r.cpu()), error),
        m.latencies().lock());
  }

  // ------------------------------------------------------------------ cpu_hotplug_lock readers

  private LockMode readMode() {
    // v3.8's get_online_cpus() never waits for a pending writer: a recursive read for lockdep
    return lock.kind() == HotplugLock.Kind.REFCOUNT ? LockMode.RECURSIVE_READ : LockMode.READ;
  }

  private void onReadLock(Context ctx, HotplugMessage.CpusReadLock r) {
    boolean recursive = lock.holdsRead(r.holder());
    Lockdep.acquire(ctx, r.holder(), LOCK, readMode(), false, r.site());
    int depth = lock.readLock(r.holder(), r.replyTo(), r.token(), r.site());
    if (depth > 0) {
      grant(ctx, r.holder(), r.replyTo(), r.token(), null, r.site());
    } else {
      ctx.count("cpusReadLockWaits", 1);
      if (ctx.tracing())
        ctx.trace(new HotplugNote.ReadLockWaits(r.holder(), r.site(), recursive, lock.writer()));
      checkDeadlock(ctx);
    }
  }

  private void grant(
      Context ctx, int holder, int replyTo, long token, HotplugLock.Grant g, String site) {
    if (ctx.tracing()) {
      int depth = lock.readers().getOrDefault(holder, 1);
      ctx.trace(new HotplugNote.ReadLockTaken(holder, g != null ? g.site() : site, depth));
    }
    ctx.send(replyTo, new HotplugMessage.CpusReadLocked(token), m.latencies().local());
  }

  private void onReadUnlock(Context ctx, HotplugMessage.CpusReadUnlock u) {
    Lockdep.release(ctx, u.holder(), LOCK);
    boolean writerIn = lock.readUnlock(u.holder());
    if (ctx.tracing())
      ctx.trace(
          new HotplugNote.ReadLockReleased(u.holder(), lock.readers().getOrDefault(u.holder(), 0)));
    if (writerIn) {
      if (ctx.tracing()) ctx.trace(new HotplugNote.WriteLockTaken(writer()));
      nextStep(ctx);
    }
  }

  /** SM-2: a reader that holds the lock waits behind the writer that waits for it. */
  private void checkDeadlock(Context ctx) {
    int reader = lock.deadlockedReader();
    if (reader < 0 || deadlockReported) return;
    deadlockReported = true;
    HotplugLock.Waiter w = null;
    for (HotplugLock.Waiter x : lock.waiters()) if (x.holder() == reader) w = x;
    ctx.violation(
        "SM2_HotplugLockDeadlock",
        ctx.name(reader)
            + " holds cpu_hotplug_lock for read and takes it again in "
            + (w == null ? "?" : w.site())
            + " while "
            + ctx.name(writer())
            + " ("
            + opName()
            + " of cpu"
            + req.cpu()
            + ") waits in percpu_down_write() for the readers to leave: the reader queues behind"
            + " the writer (sem->block), the writer waits for the reader — deadlock; every later"
            + " cpus_read_lock() blocks too");
  }
}
