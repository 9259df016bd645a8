package org.kernsim.actors.kprobes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.kernsim.actors.machine.Machine;
import org.kernsim.actors.workqueue.WorkerPool;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Context;
import org.kernsim.engine.Entity;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.hotplug26.Hotplug26Message;
import org.kernsim.protocol.kprobes.CodeMessage;
import org.kernsim.protocol.kprobes.KprobeApi;
import org.kernsim.protocol.kprobes.KprobeNote;
import org.kernsim.protocol.kprobes.ManagerMessage;
import org.kernsim.protocol.kprobes.OptimizerMessage;
import org.kernsim.protocol.lockdep.LockNote.LockMode;
import org.kernsim.protocol.rcu.RcuMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.protocol.textpoke.TextPokeMessage;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.PoolRequest;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkloadMessage;
import org.kernsim.protocol.workqueue.WqNote;

/**
 * The kprobes core as an entity: it owns kprobe_mutex (and module_mutex) and the state they protect
 * ({@link KprobeCore}), and the {@code optimizing_work} delayed work item (its PENDING bit, its
 * timer, {@code optimizer_comp}).
 *
 * <p>One kprobe_mutex section is one call into {@link KprobeCore}, run when the mutex is granted;
 * its {@link Effects} are then carried out in order: publications go to {@code CodeMemory}, a
 * stop_machine or a grace period blocks the section (still holding the mutex) until it returns. An
 * API call is a chain of such phases ({@code unregister_kprobes}: top halves under the mutex,
 * synchronize_sched, bottom halves); the optimizer task drives its own steps through {@link
 * OptimizerMessage}s. Callers queue FIFO on the mutex; a waiter runs {@code latency.wakeup} after
 * the unlock that hands it the mutex.
 */
final class KprobeManager implements Entity, org.kernsim.engine.AbstractState {
  private static final String WORK_TIMER = "optimizing_work";

  private final KprobesSim sim;
  private final Machine m;
  private final KprobesConfig cfg;
  private final KprobeCore core;

  // kprobe_mutex
  private int mutexOwner = -1;
  private String mutexWhat;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final Map<Long, Waiter> handoffs = new HashMap<>();
  private long waiterIds;

  // optimizing_work (a delayed work item) and optimizer_comp
  private boolean pending;
  private boolean queued;
  private long timerGen;
  private long instances;
  private long running;
  private long runsCompleted;
  private boolean compDone;
  private final List<Activity> compWaiters = new ArrayList<>();
  private final List<FlushWaiter> flushWaiters = new ArrayList<>();
  private final Map<Long, Cont> relaxing = new HashMap<>();

  /** v7.0 on: the optimizer kthread's state, and its flushers (by waiter id). */
  private final OptimizerThread kthread;

  private final Map<Long, Cont> completionWaiters = new java.util.LinkedHashMap<>();
  private final Map<Long, PassWaiter> passWaiters = new java.util.LinkedHashMap<>();

  // optimizer=workqueue: optimizing_work is a real delayed work item on system_wq
  private final WqTopology wq;
  private final WorkItem optWork;

  /** The host of the optimizer run in progress (the dedicated kthread, or a kworker). */
  private int runHost = -1;

  private boolean timerArmed;
  private int timerCpu;

  /** The pool the item was last queued on or ran on ({@code get_work_pool()}), or -1. */
  private int lastPool = -1;

  private long wqReqs;
  private final Map<Long, int[]> queueReqs = new HashMap<>();
  private final Map<Long, Cont> queueConts = new HashMap<>();
  private final Map<Long, Long> barrierReqs = new HashMap<>();
  private final Map<Long, Cont> barrierWaits = new HashMap<>();

  /** v6.13: the flusher of each barrier asked for, who touches the work's map if it is inserted. */
  private final Map<Long, Integer> barrierFlushers = new HashMap<>();

  private long barriers;
  private long begins;
  private long clearsSeen;
  private long clearsOwed;
  private int deferredBegin = -1;

  /** The API callers inside a call, and whether each holds its CPU ({@link CallerCpu}). */
  private final CallerCpu callers = new CallerCpu();

  /** Per caller woken from a sleep: what its function does once it holds its CPU again. */
  private final Map<Integer, Cont> onCpuAgain = new java.util.TreeMap<>();

  /** optimizer=workqueue: the task that flushes through each barrier (its owner sleeps on it). */
  private final Map<Long, Integer> barrierOwners = new HashMap<>();

  // effects
  private long pubSeq;
  private long tokens;
  private final Map<Long, Activity> blocked = new HashMap<>();

  // continuations wait in the manager's state; Serializable so that a snapshot can write them
  private interface Cont extends java.io.Serializable {
    void run(Context ctx);
  }

  private interface Body extends java.io.Serializable {
    void run(KprobeCore core);
  }

  /** An API call's body that returns the kernel function's result. */
  private interface CoreCall extends java.io.Serializable {
    int apply(KprobeCore core);
  }

  private record Waiter(long id, int owner, String what, boolean handoffDelay, Cont granted) {}

  private record FlushWaiter(long target, Cont then) {}

  /** v7.3: a flusher asleep until {@code optimizer_passes} differs from {@code seen}. */
  private record PassWaiter(long seen, Cont then) {}

  /** A section's effects being carried out, and what comes after them. */
  private static final class Activity {
    final String what;
    final boolean holdsMutex;
    final Effects fx = new Effects();
    boolean isBlocked;
    Cont then;

    /** Whose section this is (its CPU is the kicking CPU), or -1. */
    int owner = -1;

    /** optimizer=workqueue: the kworker to tell when this optimizer step blocks, or -1. */
    int notify = -1;

    long notifyRun;
    int notifyPhase;

    Activity(String what, boolean holdsMutex) {
      this.what = what;
      this.holdsMutex = holdsMutex;
    }
  }

  KprobeManager(KprobesSim sim) {
    this.sim = sim;
    this.m = sim.machine();
    this.cfg = sim.config();
    this.core = KprobeCore.create(cfg.core(), cfg.probes());
    this.optimizerHolds = core.optimizerHolds();
    this.kthread = cfg.core().kernel().optimizerKthread() ? new OptimizerThread() : null;
    this.wq = sim.workqueue();
    this.optWork =
        new WorkItem(
            (long) sim.manager() << 32, WorkItem.WorkKind.EXTERNAL, 0, 0, 0, -1, sim.manager());
  }

  @Override
  public void receive(Context ctx, Object msg) {
    if (msg instanceof KprobeApi.Call c) {
      callers.enter(c.requester(), c.token());
      onCall(ctx, c);
    } else if (msg instanceof KprobeApi.CallerOnCpu o) {
      if (!callers.onCpu(o.task(), o.token()))
        throw new IllegalStateException("kprobe manager: stray " + o);
      onCpuAgain.remove(o.task()).run(ctx);
    } else if (msg instanceof StopMachineMessage.Counted n) {
      // __stop_machine() counted num_threads: the caller sleeps in stop_cpus_mutex or the wait
      Activity a = blocked.get(n.token());
      if (a == null) throw new IllegalStateException("kprobe manager: stray " + n);
      callerSleeps(ctx, a.owner, n.queued());
    } else if (msg instanceof Hotplug26Message.Queued q) {
      // mutex_lock(&text_mutex) / get_online_cpus() is contended: the task sleeps in it
      Activity a = blocked.get(q.token());
      if (a == null) throw new IllegalStateException("kprobe manager: stray " + q);
      callerSleeps(ctx, a.owner);
    } else if (msg instanceof StopMachineMessage.StopMachineDone d) {
      unblock(ctx, d.token());
    } else if (msg instanceof RcuMessage.GracePeriodDone g) {
      unblock(ctx, g.token());
    } else if (msg instanceof TextPokeMessage.Done d) {
      unblock(ctx, d.token());
    } else if (msg instanceof Hotplug26Message.Granted g) {
      unblock(ctx, g.token());
    } else if (msg instanceof OptimizerMessage.Begin b) {
      onBegin(ctx, b);
    } else if (msg instanceof OptimizerMessage.Step s) {
      onStep(ctx, s);
    } else if (msg instanceof OptimizerMessage.End e) {
      onEnd(ctx, e);
    } else if (msg instanceof ManagerMessage.DelayedWorkTimer t) {
      if (kthread != null) {
        if (t.gen() == timerGen) applyThread(ctx, kthread.delayExpired());
      } else if (wq != null) {
        if (t.gen() == timerGen && timerArmed) delayedWorkTimerFn(ctx);
      } else if (t.gen() == timerGen && pending && !queued) {
        queueWork(ctx);
      }
    } else if (msg instanceof WorkloadMessage.PendingCleared p) {
      onPendingCleared(p);
    } else if (msg instanceof PoolReply.Queued q) {
      onQueued(ctx, q.reqId(), -1, q.wake());
    } else if (msg instanceof PoolReply.QueuedOn q) {
      onQueued(ctx, q.reqId(), q.pool(), q.wake());
    } else if (msg instanceof PoolReply.BarrierInserted b) {
      onBarrierInserted(ctx, b);
    } else if (msg instanceof WorkloadMessage.BarrierDone b) {
      Cont c = barrierWaits.remove(b.barrier());
      if (c == null)
        throw new IllegalStateException("kprobe manager: unknown barrier " + b.barrier());
      c.run(ctx);
    } else if (msg instanceof ManagerMessage.Handoff h) {
      Waiter w = handoffs.remove(h.waiter());
      if (w == null)
        throw new IllegalStateException("kprobe manager: unknown handoff " + h.waiter());
      grant(ctx, w);
    } else if (msg instanceof ManagerMessage.Relax r) {
      Cont c = relaxing.remove(r.flow());
      if (c != null) c.run(ctx);
    } else {
      throw new IllegalStateException("kprobe manager: unexpected " + msg);
    }
  }

  // ====================================================================== kprobe_mutex

  /**
   * {@code mutex_lock()} of {@code holds} (kprobe_mutex, after module_mutex for the optimizer) by
   * task {@code owner}: the lock-order checker sees the attempt at once, whether or not it waits.
   */
  private void acquire(
      Context ctx,
      int owner,
      String what,
      List<KprobeCore.Lock> holds,
      boolean handoffDelay,
      Cont granted) {
    // the hotplug lock among the holds is cpus_read_lock(): read, as this kernel's readers take it
    for (KprobeCore.Lock l : holds)
      Lockdep.acquire(ctx, owner, l.lockdepName, lockMode(l), false, what);
    Waiter w = new Waiter(++waiterIds, owner, what, handoffDelay, granted);
    if (mutexOwner < 0 && waiters.isEmpty() && handoffs.isEmpty()) {
      mutexOwner = owner;
      grant(ctx, w);
    } else {
      waiters.addLast(w);
      callerSleeps(ctx, owner); // __mutex_lock_common(): schedule()
    }
  }

  private void grant(Context ctx, Waiter w) {
    mutexOwner = w.owner();
    mutexWhat = w.what();
    if (ctx.tracing()) ctx.trace(new KprobeNote.MutexAcquired(w.owner(), w.what()));
    w.granted().run(ctx);
  }

  private void release(Context ctx, List<KprobeCore.Lock> holds) {
    // K3, K4: the state must be consistent whenever kprobe_mutex is free
    Activity check = new Activity("check", true);
    core.beginSection(check.fx, holds);
    core.checkConsistency();
    core.endSection();
    drain(ctx, check);
    if (ctx.tracing()) ctx.trace(new KprobeNote.MutexReleased(mutexOwner, mutexWhat));
    for (int i = holds.size() - 1; i >= 0; i--)
      Lockdep.release(ctx, mutexOwner, holds.get(i).lockdepName);
    mutexOwner = -1;
    mutexWhat = null;
    Waiter next = waiters.pollFirst();
    if (next == null) return;
    mutexOwner = next.owner();
    if (callers.isCaller(next.owner())) {
      // the unlock wakes the waiter; it takes the mutex when it runs on its CPU again (the CPU
      // model's wake-up, in place of latency.wakeup)
      onCaller(ctx, next.owner(), c -> grant(c, next));
    } else if (next.handoffDelay()) {
      handoffs.put(next.id(), next);
      ctx.sendAfter(
          ctx.self(),
          new ManagerMessage.Handoff(next.id()),
          Math.max(1, m.latencies().wakeup().sample(ctx.random())));
    } else {
      grant(ctx, next);
    }
  }

  private static final List<KprobeCore.Lock> API_HOLDS = List.of(KprobeCore.Lock.KPROBE_MUTEX);

  /** The locks the optimizer holds for its whole run, in this kernel. */
  private final List<KprobeCore.Lock> optimizerHolds;

  /** Runs {@code body} as one section holding kprobe_mutex for {@code owner}, then {@code then}. */
  private void withMutex(Context ctx, int owner, String what, Body body, Cont then) {
    acquire(
        ctx,
        owner,
        what,
        API_HOLDS,
        true,
        c ->
            section(
                c,
                owner,
                what,
                true,
                API_HOLDS,
                body,
                c2 -> {
                  release(c2, API_HOLDS);
                  then.run(c2);
                }));
  }

  private void section(
      Context ctx,
      int owner,
      String what,
      boolean holdsMutex,
      List<KprobeCore.Lock> holds,
      Body body,
      Cont then) {
    section(ctx, owner, null, what, holdsMutex, holds, body, then);
  }

  /**
   * One section; {@code notify} (optimizer=workqueue): the optimizer step whose kworker to tell if
   * it blocks.
   */
  private void section(
      Context ctx,
      int owner,
      OptimizerMessage.Step notify,
      String what,
      boolean holdsMutex,
      List<KprobeCore.Lock> holds,
      Body body,
      Cont then) {
    Activity a = new Activity(what, holdsMutex);
    a.owner = owner;
    if (notify != null) {
      a.notify = runHost;
      a.notifyRun = notify.run();
      a.notifyPhase = 1 + notify.step().ordinal();
    }
    core.beginSection(a.fx, holds);
    body.run(core);
    core.endSection();
    a.then = then;
    drain(ctx, a);
  }

  // ====================================================================== effects

  /** How the core's locks are taken: the hotplug lock is read, as this kernel's readers do. */
  private LockMode lockMode(KprobeCore.Lock l) {
    return l == KprobeCore.Lock.CPU_HOTPLUG
        ? cfg.core().kernel().hotplugReadMode()
        : LockMode.WRITE;
  }

  private void drain(Context ctx, Activity a) {
    while (!a.isBlocked) {
      Effects.Effect e = a.fx.poll();
      if (e == null) {
        Cont t = a.then;
        a.then = null;
        if (t != null) t.run(ctx);
        return;
      }
      if (e instanceof Effects.Publish p) {
        ctx.send(
            sim.codeMemory(), new CodeMessage.Publish(++pubSeq, p.changes()), m.latencies().lock());
      } else if (e instanceof Effects.StopMachine s) {
        long token = ++tokens;
        a.isBlocked = true;
        blocked.put(token, a);
        blockedNotice(ctx, a);
        ctx.count("kprobeStopMachineCalls", 1);
        if (ctx.tracing())
          ctx.trace(new KprobeNote.StopMachineCalled(s.function(), s.patches().size(), token));
        ctx.send(
            m.stopMachine(),
            new StopMachineMessage.StopMachineRequest(
                ctx.self(),
                token,
                -1,
                sim.codeMemory(),
                new CodeMessage.TextPokeBatch(pubSeq, s.function(), s.patches())),
            m.latencies().lock());
        // the caller keeps its CPU until num_threads is counted (StopMachineMessage.Counted)
      } else if (e instanceof Effects.TextPoke t) {
        // text_poke() and text_poke_sync() spin: a kworker does not sleep in them
        long token = ++tokens;
        a.isBlocked = true;
        blocked.put(token, a);
        ctx.send(
            sim.codeMemory(),
            new TextPokeMessage.Request(ctx.self(), token, pubSeq, t.function(), t.ops()),
            m.latencies().lock());
      } else if (e instanceof Effects.SynchronizeSched) {
        long token = ++tokens;
        a.isBlocked = true;
        blocked.put(token, a);
        blockedNotice(ctx, a);
        ctx.send(m.rcu(), new RcuMessage.SynchronizeSched(ctx.self(), token), m.latencies().lock());
        callerSleeps(ctx, a.owner); // wait_rcu_gp(): wait_for_completion()
      } else if (e instanceof Effects.WaitForOptimizer) {
        // seed: if (delayed_work_pending(&optimizing_work)) wait_for_completion(&optimizer_comp);
        if (pending) Lockdep.waitFor(ctx, a.owner, COMP_MAP, "wait_for_kprobe_optimizer");
        if (pending && !compDone) {
          a.isBlocked = true;
          compWaiters.add(a);
          callerSleeps(ctx, a.owner);
        } else {
          waitReturned(ctx, "completion");
        }
      } else if (e instanceof Effects.Kick k) {
        kick(ctx, a.holdsMutex, k.function(), a.owner);
      } else if (e instanceof Effects.CompleteAll) {
        completeAll(ctx);
      } else if (e instanceof Effects.Note n) {
        if (ctx.tracing()) ctx.trace(n.note());
      } else if (e instanceof Effects.Violation v) {
        ctx.violation(v.checker(), v.message());
      } else if (e instanceof Effects.Count c) {
        ctx.count(c.metric(), c.delta());
      } else if (e instanceof Effects.LockAcquire l) {
        Lockdep.acquire(ctx, a.owner, l.lock().lockdepName, lockMode(l.lock()), false, a.what);
        String h = hotplug26Lock(l.lock());
        if (h != null) {
          // v2.6.36-v2.6.38 with CPU hotplug: mutex_lock(&text_mutex) / get_online_cpus() sleep
          // until the lock is granted, the section still holding kprobe_mutex
          long token = ++tokens;
          a.isBlocked = true;
          blocked.put(token, a);
          blockedNotice(ctx, a);
          ctx.send(
              sim.hotplug26(),
              new Hotplug26Message.Acquire(a.owner, ctx.self(), token, h, a.what, alsoHolds(a)),
              m.latencies().lock());
        }
      } else if (e instanceof Effects.LockRelease l) {
        Lockdep.release(ctx, a.owner, l.lock().lockdepName);
        String h = hotplug26Lock(l.lock());
        if (h != null) {
          // one round trip, so that the task's next Acquire cannot arrive before it
          long token = ++tokens;
          a.isBlocked = true;
          blocked.put(token, a);
          ctx.send(
              sim.hotplug26(),
              new Hotplug26Message.Release(a.owner, ctx.self(), token, h),
              m.latencies().lock());
        }
      } else {
        throw new IllegalStateException("unknown effect " + e);
      }
    }
  }

  /**
   * The name {@code org.kernsim.actors.cpuhotplug26.Hotplug26} knows {@code l} by, if this run's
   * v2.6.36-v2.6.38 CPU hotplug owns it (text_mutex, the hotplug reader); null otherwise.
   */
  private String hotplug26Lock(KprobeCore.Lock l) {
    if (sim.hotplug26() < 0) return null;
    if (l == KprobeCore.Lock.TEXT_MUTEX) return "text_mutex";
    if (l == KprobeCore.Lock.CPU_HOTPLUG) return "get_online_cpus";
    return null;
  }

  /** The mutexes a section's task holds here, for a wait cycle's description. */
  private String alsoHolds(Activity a) {
    if (!a.holdsMutex) return "";
    if (a.owner == runHost && running != 0) {
      List<String> n = new ArrayList<>();
      for (KprobeCore.Lock l : optimizerHolds) n.add(l.lockdepName);
      return String.join(", ", n);
    }
    return "kprobe_mutex";
  }

  /**
   * optimizer=workqueue: the step's kworker sleeps in this wait (stop_machine(),
   * synchronize_sched()).
   */
  private void blockedNotice(Context ctx, Activity a) {
    if (a.notify < 0) return;
    ctx.send(
        a.notify, new OptimizerMessage.Blocked(a.notifyRun, a.notifyPhase), m.latencies().lock());
    a.notify = -1; // it sleeps until the step's reply
  }

  private void unblock(Context ctx, long token) {
    Activity a = blocked.remove(token);
    if (a == null)
      throw new IllegalStateException("kprobe manager: nobody waits for token " + token);
    a.isBlocked = false;
    onCaller(ctx, a.owner, c -> drain(c, a));
  }

  // ====================================================================== the caller's CPU

  /**
   * The function that {@code task} runs sleeps here: if {@code task} is an API caller ({@link
   * CallerCpu}), it gives up its CPU ({@link KprobeApi.CallerSleeps}).
   */
  private void callerSleeps(Context ctx, int task) {
    callerSleeps(ctx, task, false);
  }

  /**
   * As {@link #callerSleeps(Context, int)}; {@code atStopper}: see {@link KprobeApi.CallerSleeps}.
   */
  private void callerSleeps(Context ctx, int task, boolean atStopper) {
    if (callers.sleeps(task))
      ctx.send(
          task, new KprobeApi.CallerSleeps(callers.token(task), atStopper), m.latencies().lock());
  }

  /**
   * What {@code task}'s function waited for is there: {@code then} runs at once if the task holds
   * its CPU (or is not an API caller); otherwise the task is woken ({@link KprobeApi.CallerWakes})
   * and {@code then} runs when it is back on its CPU ({@link KprobeApi.CallerOnCpu}).
   */
  private void onCaller(Context ctx, int task, Cont then) {
    if (callers.resume(task) == CallerCpu.Resume.NOW) {
      then.run(ctx);
      return;
    }
    onCpuAgain.put(task, then);
    ctx.send(task, new KprobeApi.CallerWakes(callers.token(task)), m.latencies().lock());
  }

  private void waitReturned(Context ctx, String mode) {
    int o = core.optimizingList.size();
    int u = core.unoptimizingList.size();
    if (ctx.tracing()) ctx.trace(new KprobeNote.WaitReturned(mode, o, u));
    if (o + u > 0) {
      ctx.violation(
          "K10_WaitReturnsOnEmptyQueues",
          "wait_for_kprobe_optimizer() ("
              + mode
              + ") returned with "
              + o
              + " probes on optimizing_list and "
              + u
              + " on unoptimizing_list"
              + (mode.equals("completion")
                  ? (compDone ? " (optimizer_comp already completed)" : " (work not pending)")
                  : ""));
    }
  }

  // ====================================================================== optimizing_work

  /**
   * {@code kick_kprobe_optimizer()}: schedule_delayed_work(&optimizing_work, OPTIMIZE_DELAY) unless
   * pending.
   */
  private void kick(Context ctx, boolean underMutex, String function, int owner) {
    if (!underMutex) {
      ctx.violation(
          "K2_UpdatesUnderKprobeMutex",
          "kick_kprobe_optimizer() in " + function + " without kprobe_mutex");
    }
    if (kthread != null) {
      // v7.0: atomic_cmpxchg(&optimizer_state, IDLE, KICKED) == IDLE -> wake_up()
      boolean took = kthread.kick();
      if (ctx.tracing()) ctx.trace(new KprobeNote.Kicked(took, underMutex, -1));
      if (!took) return;
      ctx.count("optimizerKicks", 1);
      applyThread(ctx, kthread.wakeUp());
      return;
    }
    if (pending) {
      if (ctx.tracing()) ctx.trace(new KprobeNote.Kicked(false, underMutex, -1));
      return;
    }
    pending = true;
    long tick = cfg.jiffyNanos();
    long fireAt = (ctx.now() / tick + cfg.optimizeDelayJiffies()) * tick;
    ctx.startTimer(
        WORK_TIMER,
        Math.max(1, fireAt - ctx.now()),
        new ManagerMessage.DelayedWorkTimer(++timerGen));
    ctx.count("optimizerKicks", 1);
    if (ctx.tracing()) ctx.trace(new KprobeNote.Kicked(true, underMutex, fireAt));
    if (wq != null) {
      // __queue_delayed_work(): PENDING taken; the timer goes on the kicking CPU's timer wheel
      timerArmed = true;
      timerCpu = sim.cpuOf(owner);
      if (ctx.tracing()) {
        ctx.trace(
            new WqNote.DelayedWorkArmed(
                ctx.self(), timerCpu, optWork.id(), wq.pool(timerCpu), fireAt - ctx.now()));
      }
    }
  }

  /**
   * What the optimizer kthread (v7.0 on) does next: start its OPTIMIZE_DELAY timed wait (a timer on
   * a jiffy boundary, as the delayed work's), or run ({@code kprobe_optimizer()} on its task).
   */
  private void applyThread(Context ctx, OptimizerThread.Action a) {
    switch (a) {
      case START_DELAY -> {
        long tick = cfg.jiffyNanos();
        long fireAt = (ctx.now() / tick + cfg.optimizeDelayJiffies()) * tick;
        ctx.startTimer(
            WORK_TIMER,
            Math.max(1, fireAt - ctx.now()),
            new ManagerMessage.DelayedWorkTimer(++timerGen));
      }
      case RUN -> {
        timerGen++; // a timed wait in progress is over
        pending = true;
        queueWork(ctx);
      }
      case NONE -> {}
    }
  }

  /**
   * {@code wait_for_kprobe_optimizer_locked()} of v7.0 and v7.3: under kprobe_mutex, while a list
   * is not empty: v7.0 {@code init_completion()}, v7.3 note {@code optimizer_passes}; set FLUSHING
   * and wake the thread unless it was FLUSHING; drop the mutex; v7.0 {@code wait_for_completion()},
   * v7.3 sleep until the count changes; take the mutex again and look again.
   */
  private void flushKthread(Context ctx, int owner, Cont done) {
    boolean passCounter = cfg.core().kernel().flushPassCounter();
    boolean[] empty = new boolean[1];
    long[] seen = new long[1];
    String what = "wait_for_kprobe_optimizer";
    acquire(
        ctx,
        owner,
        what,
        API_HOLDS,
        true,
        c ->
            section(
                c,
                owner,
                what,
                true,
                API_HOLDS,
                k -> empty[0] = k.listsEmpty(),
                c2 -> {
                  if (!empty[0]) {
                    if (passCounter) {
                      seen[0] = kthread.passes();
                    } else {
                      int orphaned = kthread.initCompletion();
                      if (orphaned > 0) c2.count("optimizerFlushersOrphaned", orphaned);
                    }
                    if (kthread.flush()) applyThread(c2, kthread.wakeUp());
                  }
                  release(c2, API_HOLDS);
                  if (empty[0]) {
                    waitReturned(c2, "flush");
                    done.run(c2);
                    return;
                  }
                  c2.count("optimizerFlushWaits", 1);
                  long id = ++waiterIds;
                  Cont again = c3 -> onCaller(c3, owner, c4 -> flushKthread(c4, owner, done));
                  if (passCounter) {
                    passWaiters.put(id, new PassWaiter(seen[0], again));
                    callerSleeps(c2, owner); // wait_var_event()
                  } else if (kthread.waitForCompletion(id)) {
                    again.run(c2);
                  } else {
                    completionWaiters.put(id, again);
                    callerSleeps(c2, owner); // wait_for_completion()
                  }
                }));
  }

  /**
   * Step 5's wake-up of the flushers (v7.0 on, under kprobe_mutex): v7.0 {@code if
   * (completion_done()) complete()}; v7.3 {@code optimizer_passes++; wake_up_var_locked()}. A woken
   * flusher takes kprobe_mutex again (after the optimizer drops it).
   */
  private void step5Flushers(Context ctx) {
    if (cfg.core().kernel().flushPassCounter()) {
      long p = kthread.step5Pass();
      for (Long id : List.copyOf(passWaiters.keySet())) {
        PassWaiter w = passWaiters.get(id);
        if (w.seen() != p) {
          passWaiters.remove(id);
          w.then().run(ctx);
        }
      }
    } else {
      long w = kthread.step5Complete();
      if (w >= 0) completionWaiters.remove(w).run(ctx);
    }
  }

  // ---------------------------------------------------------------------- optimizing_work on
  // system_wq

  /**
   * {@code delayed_work_timer_fn()} (softirq on the timer's CPU): {@code __queue_work()} on that
   * CPU.
   */
  private void delayedWorkTimerFn(Context ctx) {
    timerArmed = false;
    if (ctx.tracing())
      ctx.trace(new WqNote.DelayedWorkFired(ctx.self(), timerCpu, optWork.id(), wq.pool(timerCpu)));
    wqQueue(ctx, timerCpu, PoolRequest.QueueContext.SOFTIRQ, null);
  }

  /**
   * {@code __queue_work(cpu, system_wq, &optimizing_work.work)}: on {@code cpu}'s per-CPU pool,
   * unless the item is still executing on the pool it last ran on (non-reentrancy: then there).
   */
  private void wqQueue(Context ctx, int cpu, PoolRequest.QueueContext context, Cont then) {
    int target = wq.pool(cpu);
    long req = ++wqReqs;
    queueReqs.put(req, new int[] {cpu, target});
    if (then != null) queueConts.put(req, then);
    if (lastPool >= 0 && lastPool != target) {
      ctx.send(
          lastPool,
          new PoolRequest.QueueWorkIfExecuting(ctx.self(), cpu, req, optWork, context, target),
          m.latencies().lock());
    } else {
      ctx.send(
          target,
          new PoolRequest.QueueWork(ctx.self(), cpu, req, optWork, context),
          m.latencies().lock());
    }
  }

  /**
   * The pool's unlock: the deferred wake-up (deferred variants), then what the queuer does next.
   */
  private void onQueued(
      Context ctx, long reqId, int pool, org.kernsim.protocol.workqueue.Wake wake) {
    int[] r = queueReqs.remove(reqId);
    if (r == null)
      throw new IllegalStateException("kprobe manager: unknown queue request " + reqId);
    lastPool = pool >= 0 ? pool : r[1];
    if (wake.present())
      WorkerPool.sendDeferredWake(
          ctx, ctx.self(), r[0], lastPool, wake, cfg.wq().pools(), m.latencies().lock());
    Cont c = queueConts.remove(reqId);
    if (c != null) c.run(ctx);
  }

  /**
   * {@code set_work_pool_and_clear_pending()} in {@code process_one_work()}: the pool tells the
   * owner of the bit. The kworker's {@link OptimizerMessage.Begin} may overtake this notice (it
   * clears PENDING too, then the notice is absorbed).
   */
  private void onPendingCleared(WorkloadMessage.PendingCleared p) {
    if (p.item() != optWork.id())
      throw new IllegalStateException("kprobe manager: PENDING of unknown item " + p.item());
    if (clearsOwed > 0) {
      clearsOwed--;
      return;
    }
    clearsSeen++;
    pending = false;
  }

  /**
   * {@code flush_delayed_work()}: a pending timer is deleted and the work queued at once; then
   * {@code flush_work()}.
   */
  private void flushDelayedWork(Context ctx, int owner, Cont after) {
    int cpu = sim.cpuOf(owner);
    if (pending
        && timerArmed) { // del_timer_sync() succeeded: __queue_work(WORK_CPU_UNBOUND) = the local
      // CPU
      ctx.cancelTimer(WORK_TIMER);
      timerArmed = false;
      ctx.count("optimizerFlushQueued", 1);
      if (ctx.tracing())
        ctx.trace(new WqNote.DelayedWorkFired(ctx.self(), cpu, optWork.id(), wq.pool(cpu)));
      wqQueue(ctx, cpu, PoolRequest.QueueContext.TASK, c -> flushWork(c, cpu, owner, after));
    } else {
      flushWork(ctx, cpu, owner, after);
    }
  }

  /**
   * {@code flush_work()}: a barrier after the item on the pool it was last queued on or ran on (no
   * kick), then wait for the barrier's completion; nothing to wait for if the item is neither
   * queued nor executing there. The work's lockdep map is touched by {@code owner} as this kernel's
   * {@code __flush_work()} does ({@link Kernel#flushTouchesWorkMap}): up to v6.1 at once, in v6.13
   * only once the barrier went in (the work was pending or running).
   */
  private void flushWork(Context ctx, int cpu, int owner, Cont after) {
    if (cfg.core().kernel().flushTouchesWorkMap(false))
      Lockdep.waitFor(ctx, owner, WORK_MAP, "flush_work");
    if (lastPool < 0) {
      relax(ctx, after);
      return;
    }
    WorkItem barrier = WorkItem.barrier(ctx.self(), ++barriers, 200);
    long req = ++wqReqs;
    barrierReqs.put(req, barrier.id());
    barrierWaits.put(barrier.id(), c -> onCaller(c, owner, after));
    barrierOwners.put(barrier.id(), owner);
    Kernel kernel = cfg.core().kernel();
    if (kernel.flushTouchesWorkMap(true) && !kernel.flushTouchesWorkMap(false))
      barrierFlushers.put(barrier.id(), owner);
    ctx.send(
        lastPool,
        new PoolRequest.InsertBarrier(ctx.self(), cpu, req, optWork.id(), barrier),
        m.latencies().lock());
  }

  private void onBarrierInserted(Context ctx, PoolReply.BarrierInserted b) {
    Long barrier = barrierReqs.remove(b.reqId());
    if (barrier == null)
      throw new IllegalStateException("kprobe manager: unknown barrier request " + b.reqId());
    Integer flusher = barrierFlushers.remove(barrier);
    int owner = barrierOwners.remove(barrier);
    if (b.inserted()) {
      callerSleeps(ctx, owner); // wait_for_completion(&barr.done)
      // v6.13 start_flush_work(): insert_wq_barrier(), then touch_work_lockdep_map()
      if (flusher != null) Lockdep.waitFor(ctx, flusher, WORK_MAP, "flush_work");
      return; // wait_for_completion(&barr.done)
    }
    relax(ctx, barrierWaits.remove(barrier)); // already gone: flush_work() returns false
  }

  private void relax(Context ctx, Cont then) {
    long id = ++waiterIds;
    relaxing.put(id, then);
    ctx.sendAfter(ctx.self(), new ManagerMessage.Relax(id), 1_000);
  }

  /** The timer fired (or a flush): the work is queued for the optimizer's task. */
  private void queueWork(Context ctx) {
    ctx.cancelTimer(WORK_TIMER);
    queued = true;
    instances++;
    ctx.send(
        sim.optimizerHost(), new OptimizerMessage.RunOptimizer(instances), m.latencies().lock());
  }

  private void completeAll(Context ctx) {
    compDone = true;
    List<Activity> ws = List.copyOf(compWaiters);
    compWaiters.clear();
    for (Activity a : ws) {
      a.isBlocked = false;
      onCaller(
          ctx,
          a.owner,
          c -> {
            waitReturned(c, "completion");
            drain(c, a);
          });
    }
  }

  // ====================================================================== the optimizer's steps

  private void onBegin(Context ctx, OptimizerMessage.Begin b) {
    if (wq != null) {
      onKworkerBegin(ctx, b.host());
      return;
    }
    runHost = b.host();
    if (!pending || !queued)
      throw new IllegalStateException(
          "kprobe_optimizer run " + b.run() + " began but the work was not queued");
    pending = false; // the work item's PENDING bit is cleared as it starts executing
    queued = false;
    if (kthread != null) kthread.runStarts(); // atomic_set(&optimizer_state, IDLE)
    running = b.run();
    ctx.count("optimizerPasses", 1);
    if (ctx.tracing()) ctx.trace(new KprobeNote.OptimizerRunBegan(b.run()));
    optimizerRunStarts(ctx, b.host());
    acquire(
        ctx,
        b.host(),
        "kprobe_optimizer",
        optimizerHolds,
        false,
        c -> granted(c, b.host(), b.run()));
  }

  /** The optimizing_work work item's lockdep map, held by the task running its function. */
  static final String WORK_MAP = "(work_completion)optimizing_work";

  /**
   * v2.6.38's {@code optimizer_comp} as a pseudo-lock: the optimizer run is what its waiters wait
   * for, so the run holds it from its start to its {@code complete_all()} (or re-kick).
   */
  static final String COMP_MAP = "(completion)optimizer_comp";

  /**
   * A run of {@code kprobe_optimizer()} starts in {@code host}: the work item's lockdep map is held
   * while its function runs ({@code process_one_work()}), and so is {@code optimizer_comp}'s
   * pseudo-lock in the kernels that have it.
   */
  private void optimizerRunStarts(Context ctx, int host) {
    if (kthread == null) Lockdep.acquire(ctx, host, WORK_MAP, "process_one_work");
    if (cfg.core().kernel().hasOptimizerComp())
      Lockdep.acquire(ctx, host, COMP_MAP, "kprobe_optimizer");
  }

  private void optimizerRunEnds(Context ctx, int host) {
    if (cfg.core().kernel().hasOptimizerComp()) Lockdep.release(ctx, host, COMP_MAP);
    if (kthread == null) Lockdep.release(ctx, host, WORK_MAP);
  }

  /** The optimizer holds its mutexes: its first step, as this kernel's core says. */
  private void granted(Context ctx, int host, long run) {
    OptimizerMessage.OptimizerStep[] first = new OptimizerMessage.OptimizerStep[1];
    section(
        ctx,
        host,
        "kprobe_optimizer",
        true,
        optimizerHolds,
        k -> first[0] = k.nextOptimizerStep(null),
        c -> c.send(host, new OptimizerMessage.Granted(run, first[0]), m.latencies().lock()));
  }

  /**
   * optimizer=workqueue: a kworker runs {@code optimizing_work}'s function. PENDING was cleared by
   * {@code process_one_work()} just before (if the pool's notice is still on its way, it is
   * absorbed); then {@code mutex_lock(&module_mutex); mutex_lock(&kprobe_mutex)}: if contended, the
   * kworker is told to sleep.
   */
  private void onKworkerBegin(Context ctx, int host) {
    if (running != 0) { // the End of the previous run is still on its way (a delayed message)
      if (deferredBegin >= 0) throw new IllegalStateException("two optimizer runs wait to begin");
      deferredBegin = host;
      return;
    }
    begins++;
    if (begins > clearsSeen) {
      clearsSeen++;
      clearsOwed++;
      pending = false;
    }
    runHost = host;
    lastPool = wq.pool(sim.cpuOf(host));
    long run = ++instances;
    running = run;
    ctx.count("optimizerPasses", 1);
    if (ctx.tracing()) ctx.trace(new KprobeNote.OptimizerRunBegan(run));
    boolean[] granted = new boolean[1];
    optimizerRunStarts(ctx, host);
    acquire(
        ctx,
        host,
        "kprobe_optimizer",
        optimizerHolds,
        false,
        c -> {
          granted[0] = true;
          granted(c, host, run);
        });
    if (!granted[0]) ctx.send(host, new OptimizerMessage.Blocked(0, 0), m.latencies().lock());
  }

  private void onStep(Context ctx, OptimizerMessage.Step s) {
    if (mutexOwner != runHost || running != s.run()) {
      throw new IllegalStateException(
          "optimizer step " + s + " without kprobe_mutex (owner " + mutexOwner + ")");
    }
    int[] n = new int[1];
    OptimizerMessage.OptimizerStep[] next = new OptimizerMessage.OptimizerStep[1];
    int host = runHost;
    section(
        ctx,
        host,
        wq != null ? s : null,
        s.step().name(),
        true,
        optimizerHolds,
        k -> {
          n[0] = k.optimizerStep(s.step());
          next[0] = k.nextOptimizerStep(s.step());
        },
        c ->
            c.send(
                host,
                new OptimizerMessage.StepDone(s.run(), s.step(), n[0], next[0]),
                m.latencies().lock()));
  }

  private void onEnd(Context ctx, OptimizerMessage.End e) {
    if (running != e.run())
      throw new IllegalStateException("optimizer end of run " + e.run() + " during " + running);
    boolean[] again = new boolean[1];
    int host = runHost;
    Cont finish =
        c -> {
          optimizerRunEnds(c, host);
          runsCompleted = e.run();
          running = 0;
          if (c.tracing()) {
            c.trace(
                new KprobeNote.OptimizerRunEnded(
                    e.run(), core.optimizingList.size(), core.unoptimizingList.size(), again[0]));
          }
          Iterator<FlushWaiter> it = flushWaiters.iterator();
          List<Cont> ready = new ArrayList<>();
          while (it.hasNext()) {
            FlushWaiter w = it.next();
            if (w.target() <= runsCompleted) {
              ready.add(w.then());
              it.remove();
            }
          }
          for (Cont r : ready) r.run(c);
          if (deferredBegin >= 0) {
            int h = deferredBegin;
            deferredBegin = -1;
            onKworkerBegin(c, h);
          }
          if (kthread != null) applyThread(c, kthread.runEnded());
        };
    if (kthread != null) step5Flushers(ctx);
    if (cfg.rekickLocked()) {
      // 1a0aa991a627: Step 5 under kprobe_mutex
      section(
          ctx,
          runHost,
          "kprobe_optimizer(step 5)",
          true,
          optimizerHolds,
          k -> again[0] = k.optimizerStep5(),
          c -> {
            release(c, optimizerHolds);
            finish.run(c);
          });
    } else {
      // cd7ebe2298ff: unlock both mutexes, then Step 5
      release(ctx, optimizerHolds);
      section(
          ctx,
          runHost,
          "kprobe_optimizer(step 5)",
          false,
          List.of(),
          k -> again[0] = k.optimizerStep5(),
          finish);
    }
  }

  // ====================================================================== the API

  private void onCall(Context ctx, KprobeApi.Call call) {
    String what = opName(call.op());
    if (ctx.tracing()) ctx.trace(new KprobeNote.ApiEntered(call.requester(), call.token(), what));
    int owner = call.requester();
    KprobeApi.Op op = call.op();
    if (op instanceof KprobeApi.RegisterKprobe reg) {
      returning(ctx, call, what, k -> k.registerKprobe(reg.probe()));
    } else if (op instanceof KprobeApi.RegisterKprobes regs) {
      registerKprobes(
          ctx,
          owner,
          regs.probes(),
          0,
          c -> reply(c, call, what, 0),
          (c, err) -> reply(c, call, what, err));
    } else if (op instanceof KprobeApi.UnregisterKprobes un) {
      unregisterKprobes(ctx, owner, un.probes(), c -> reply(c, call, what, 0));
    } else if (op instanceof KprobeApi.EnableKprobe en) {
      returning(ctx, call, what, k -> k.enableKprobe(en.probe()));
    } else if (op instanceof KprobeApi.DisableKprobe dis) {
      returning(ctx, call, what, k -> k.disableKprobe(dis.probe()));
    } else if (op instanceof KprobeApi.KillKprobe kill) {
      returning(ctx, call, what, k -> k.killKprobe(kill.probe()));
    } else if (op instanceof KprobeApi.SysctlOptimization s) {
      if (cfg.core().kernel().modern()) {
        // proc_kprobes_optimization_handler(): mutex_lock(&kprobe_sysctl_mutex), released in
        // reply()
        Lockdep.acquire(ctx, owner, "kprobe_sysctl_mutex", "proc_kprobes_optimization_handler");
      }
      if (s.on()) {
        withMutex(ctx, owner, what, KprobeCore::optimizeAllKprobes, c -> reply(c, call, what, 0));
      } else if (cfg.core().delayed() && cfg.waitFlush()) {
        // 2012+: the wait drops kprobe_mutex (later under a separate kprobe_sysctl_mutex)
        withMutex(
            ctx,
            owner,
            what,
            k -> k.unoptimizeAllKprobes(false),
            c ->
                flushWait(
                    c,
                    owner,
                    c2 -> {
                      if (c2.tracing())
                        c2.trace(new KprobeNote.Printk("Kprobes globally unoptimized"));
                      reply(c2, call, what, 0);
                    }));
      } else {
        // seed: the completion-based wait runs inside the handler's kprobe_mutex section
        withMutex(
            ctx, owner, what, k -> k.unoptimizeAllKprobes(true), c -> reply(c, call, what, 0));
      }
    } else if (op instanceof KprobeApi.DebugfsEnabled d) {
      if (d.on()) {
        withMutex(ctx, owner, what, KprobeCore::armAllKprobes, c -> reply(c, call, what, 0));
      } else {
        boolean[] did = new boolean[1];
        Cont returned =
            c ->
                section(
                    c,
                    owner,
                    "disarm_all_kprobes returns",
                    false,
                    List.of(),
                    KprobeCore::disarmAllReturned,
                    c2 -> reply(c2, call, what, 0));
        withMutex(
            ctx,
            owner,
            what,
            k -> did[0] = k.disarmAllKprobes(),
            c -> {
              if (!did[0]) {
                reply(c, call, what, 0);
              } else if (!cfg.core().delayed()) {
                synchronizeSched(
                    c, owner, what, returned); // allow all currently running kprobes to complete
              } else if (cfg.waitFlush()) {
                flushWait(c, owner, returned);
              } else {
                Activity a = new Activity("wait_for_kprobe_optimizer", false);
                a.owner = owner;
                a.fx.add(new Effects.WaitForOptimizer());
                a.then = returned;
                drain(c, a);
              }
            });
      }
    } else if (op instanceof KprobeApi.Audit) {
      withMutex(ctx, owner, what, KprobeCore::audit, c -> reply(c, call, what, 0));
    } else {
      throw new IllegalStateException("unknown op " + op);
    }
  }

  private interface Failed extends java.io.Serializable {
    void run(Context ctx, int errno);
  }

  /**
   * {@code register_kprobes()}: one kprobe_mutex section per probe, in turn. A loop, not a
   * recursion: an uncontended section completes at once and the loop goes on; a queued one resumes
   * the loop from its continuation.
   */
  private void registerKprobes(
      Context ctx, int owner, List<Integer> ids, int start, Cont done, Failed failed) {
    for (int i = start; i < ids.size(); i++) {
      final int idx = i;
      int[] r = new int[1];
      boolean[] completed = new boolean[1];
      boolean[] inLoop = {true};
      withMutex(
          ctx,
          owner,
          "register_kprobe",
          k -> r[0] = k.registerKprobe(ids.get(idx)),
          c -> {
            completed[0] = true;
            if (r[0] != 0) {
              if (idx == 0) failed.run(c, r[0]);
              else unregisterKprobes(c, owner, ids.subList(0, idx), c2 -> failed.run(c2, r[0]));
            } else if (!inLoop[0]) {
              registerKprobes(c, owner, ids, idx + 1, done, failed);
            }
          });
      inLoop[0] = false;
      if (!completed[0] || r[0] != 0) return; // resumes from the continuation, or failed
    }
    done.run(ctx);
  }

  /**
   * {@code unregister_kprobes()}: top halves under kprobe_mutex, synchronize_sched, bottom halves.
   */
  private void unregisterKprobes(Context ctx, int owner, List<Integer> ids, Cont done) {
    List<List<Kprobe>> bottom = new ArrayList<>();
    withMutex(
        ctx,
        owner,
        "unregister_kprobes",
        k -> bottom.add(k.unregisterKprobesTop(ids)),
        c ->
            synchronizeSched(
                c,
                owner,
                "unregister_kprobes",
                c2 ->
                    section(
                        c2,
                        owner,
                        "__unregister_kprobe_bottom",
                        false,
                        List.of(),
                        k -> k.unregisterKprobesBottom(bottom.get(0)),
                        done)));
  }

  private void synchronizeSched(Context ctx, int owner, String what, Cont then) {
    Activity a = new Activity(what + ": synchronize_sched", false);
    a.owner = owner;
    a.fx.add(new Effects.SynchronizeSched());
    a.then = then;
    drain(ctx, a);
  }

  /**
   * 2012+ {@code wait_for_kprobe_optimizer()}: while a list is not empty, drop kprobe_mutex and
   * {@code flush_delayed_work()} (queue the work now if its timer is armed, wait for it to finish).
   */
  private void flushWait(Context ctx, int owner, Cont done) {
    if (kthread != null) {
      flushKthread(ctx, owner, done);
      return;
    }
    boolean[] empty = new boolean[1];
    withMutex(
        ctx,
        owner,
        "wait_for_kprobe_optimizer",
        k -> empty[0] = k.listsEmpty(),
        c -> {
          if (empty[0]) {
            waitReturned(c, "flush");
            done.run(c);
            return;
          }
          if (wq != null) {
            flushDelayedWork(c, owner, c2 -> flushWait(c2, owner, done));
            return;
          }
          long target;
          if (pending) {
            if (!queued) queueWork(c);
            target = instances;
          } else if (running > 0) {
            target = running;
          } else {
            target = -1;
          }
          boolean busy = target >= 0 && target > runsCompleted;
          if (cfg.core().kernel().flushTouchesWorkMap(busy))
            Lockdep.waitFor(c, owner, WORK_MAP, "flush_work");
          if (!busy) {
            long id = ++waiterIds;
            relaxing.put(id, c2 -> flushWait(c2, owner, done));
            c.sendAfter(c.self(), new ManagerMessage.Relax(id), 1_000);
          } else {
            // flush_work(): wait_for_completion(&barr.done)
            callerSleeps(c, owner);
            flushWaiters.add(
                new FlushWaiter(
                    target, c2 -> onCaller(c2, owner, c3 -> flushWait(c3, owner, done))));
          }
        });
  }

  /** An API call that is one kprobe_mutex section and returns what the core returned. */
  private void returning(Context ctx, KprobeApi.Call call, String what, CoreCall f) {
    int[] r = new int[1];
    withMutex(ctx, call.requester(), what, k -> r[0] = f.apply(k), c -> reply(c, call, what, r[0]));
  }

  private void reply(Context ctx, KprobeApi.Call call, String what, int result) {
    if (call.op() instanceof KprobeApi.SysctlOptimization && cfg.core().kernel().modern())
      Lockdep.release(ctx, call.requester(), "kprobe_sysctl_mutex");
    callers.leave(call.requester());
    if (ctx.tracing())
      ctx.trace(new KprobeNote.ApiReturned(call.requester(), call.token(), what, result));
    ctx.send(call.requester(), new KprobeApi.Returned(call.token(), result), m.latencies().lock());
  }

  static String opName(KprobeApi.Op op) {
    if (op instanceof KprobeApi.RegisterKprobe) return "register_kprobe";
    if (op instanceof KprobeApi.RegisterKprobes) return "register_kprobes";
    if (op instanceof KprobeApi.UnregisterKprobes) return "unregister_kprobes";
    if (op instanceof KprobeApi.EnableKprobe) return "enable_kprobe";
    if (op instanceof KprobeApi.DisableKprobe) return "disable_kprobe";
    if (op instanceof KprobeApi.KillKprobe) return "kprobes_module_callback";
    if (op instanceof KprobeApi.SysctlOptimization s)
      return s.on() ? "optimize_all_kprobes" : "unoptimize_all_kprobes";
    if (op instanceof KprobeApi.DebugfsEnabled d)
      return d.on() ? "arm_all_kprobes" : "disarm_all_kprobes";
    return "audit";
  }

  // for tests
  /** For exploration coverage: see {@link KprobesAbstraction}. */
  @Override
  public long abstractState(long now) {
    return KprobesAbstraction.of(core);
  }

  KprobeCore core() {
    return core;
  }
}
