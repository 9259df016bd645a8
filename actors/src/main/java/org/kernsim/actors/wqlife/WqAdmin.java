package org.kernsim.actors.wqlife;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.kernsim.actors.workqueue.WqTopology;
import org.kernsim.engine.Context;
import org.kernsim.engine.lockdep.Lockdep;
import org.kernsim.protocol.wqlife.LifeMessage;
import org.kernsim.protocol.wqlife.LifeNote;
import org.kernsim.protocol.wqlife.LifeReply;
import org.kernsim.protocol.wqlife.PoolsRequest;
import org.kernsim.protocol.wqlife.PwqRef;
import org.kernsim.protocol.wqlife.PwqRequest;
import org.kernsim.protocol.wqlife.WqRequest;

/**
 * The thread that owns the workqueue: {@code alloc_workqueue()} at boot, then the steps of its
 * {@link AdminScript}: {@code apply_workqueue_attrs()} and {@code destroy_workqueue()} ({@code
 * kernel/workqueue.c}, 2026).
 *
 * <p>{@code apply_workqueue_attrs()} = under {@code wq_pool_mutex}: {@code apply_wqattrs_prepare()}
 * ({@code alloc_unbound_pwq()} for the default pwq and for each CPU: {@code get_unbound_pool()} —
 * which may create the pool and its first worker — and {@code init_pwq()}), {@code
 * apply_wqattrs_commit()} (under {@code wq->mutex}, {@code install_unbound_pwq()} for each slot)
 * and {@code apply_wqattrs_cleanup()} ({@code put_pwq_unlocked()} of each replaced pwq: their base
 * references; each is released by {@code pwq_release_worker} once its in-flight work is done).
 *
 * <p>{@code destroy_workqueue()} = __WQ_DESTROYING; {@code drain_workqueue()} (__WQ_DRAINING, then
 * flush until every pwq is empty); the rescuer is stopped; the sanity check ({@code
 * WARN_ON(pwq_busy(pwq))} under each pool's lock, with {@code wq_pool_mutex} and {@code
 * wq->mutex}); then each slot's pwq and the default pwq lose their base reference.
 */
final class WqAdmin extends LifeTask {

  private enum Pc {
    START,
    WAIT_STEP,
    PCPU_INIT,
    PCPU_INSTALL,
    AP_LOCKED,
    AP_GOT,
    AP_POOL_INIT,
    AP_PWQ_INIT,
    AP_WQ_LOCKED,
    AP_INSTALLED,
    AP_PUT,
    DS_LOCKED,
    DS_FLAGGED,
    DR_LOCKED,
    DR_FLAGGED,
    FL_LOCKED,
    FL_LISTED,
    FL_ARMED,
    FL_WAIT,
    DC_LOCKED,
    DC_LISTED,
    DC_CHECKED,
    DC_UNFLAGGED,
    RS_CLEARED,
    RS_STOPPED,
    SN_POOLS_LOCKED,
    SN_WQ_LOCKED,
    SN_LISTED,
    SN_CHECKED,
    BR_TAKEN,
    BR_PUT,
    DONE
  }

  /** Lock classes for the lock-order checker. */
  static final String POOL_MUTEX = "wq_pool_mutex";

  static final String WQ_MUTEX = "&wq->mutex";

  private final WqTopology topo;
  private final int wq;
  private final int poolMutex;
  private final int rescuer;
  private final WqSpec spec;
  private final AdminScript script;
  private final long[] at;
  private Pc pc = Pc.START;
  private int step = -1;
  private long token;
  private long pwqIds;
  private int attrs;
  private boolean creating;

  // apply_wqattrs_prepare(): slot -1 is the default pwq, then one per CPU
  private int slot;
  private int slotPool;
  private PwqRef dflNew = PwqRef.NONE;
  private final List<PwqRef> cpuNew = new ArrayList<>();
  private final List<PwqRef> toPut = new ArrayList<>();
  private int putIndex;
  private long dflPwq = -1;

  // drain / flush / sanity
  private List<PwqRef> pwqs = List.of();
  private int index;
  private int flushWaits;
  private int flushDone;
  private boolean allEmpty;
  private int flushes;
  private final Set<Long> flushTokens = new HashSet<>();

  WqAdmin(
      WqTopology topo,
      int cpu,
      int wq,
      int poolMutex,
      int rescuer,
      WqSpec spec,
      AdminScript script) {
    super(topo.machine, cpu);
    this.topo = topo;
    this.wq = wq;
    this.poolMutex = poolMutex;
    this.rescuer = rescuer;
    this.spec = spec;
    this.script = script;
    this.at = new long[script.steps().size()];
  }

  @Override
  public void start(Context ctx) {
    for (int i = 0; i < at.length; i++) at[i] = script.steps().get(i).at().sample(ctx.random());
    startRunnable(ctx);
  }

  @Override
  protected boolean isAnswer(Object msg) {
    return msg instanceof LifeReply;
  }

  @Override
  protected boolean awaited(Object msg) {
    if (msg instanceof LifeReply.FlushDone f)
      return pc == Pc.FL_WAIT && flushTokens.contains(f.token());
    Class<?> want =
        switch (pc) {
          case AP_GOT -> LifeReply.PoolOf.class;
          case AP_INSTALLED -> LifeReply.Installed.class;
          case FL_LISTED, DC_LISTED, SN_LISTED, BR_TAKEN -> LifeReply.PwqList.class;
          case FL_ARMED -> LifeReply.FlushArmed.class;
          case DC_CHECKED, SN_CHECKED -> LifeReply.PwqStatus.class;
          case PCPU_INIT,
                  AP_POOL_INIT,
                  AP_PWQ_INIT,
                  AP_PUT,
                  DS_FLAGGED,
                  DR_FLAGGED,
                  DC_UNFLAGGED,
                  RS_CLEARED,
                  RS_STOPPED,
                  BR_PUT ->
              LifeReply.Done.class;
          default -> null;
        };
    return want != null && want.isInstance(msg) && ((LifeReply) msg).token() == token;
  }

  @Override
  protected void onOwn(Context ctx, Object msg) {
    if (msg instanceof LifeMessage.Tick t && t.token() == token) wake(ctx, waitEpoch);
    else super.onOwn(ctx, msg);
  }

  private long waitEpoch;

  private void send(Context ctx, int to, Object msg) {
    ctx.send(to, msg, topo.machine.latencies().lock());
  }

  /** Sends a request and spins for its answer; {@link #run} goes on at {@code next}. */
  private void call(Context ctx, int to, Object msg, Pc next) {
    pc = next;
    send(ctx, to, msg);
    if (await(ctx, false)) return;
    run(ctx);
  }

  /** The kernel function the admin is in, for the lock-order checker. */
  private String site() {
    if (creating) return spec.unbound() ? "apply_workqueue_attrs_locked" : "alloc_and_link_pwqs";
    return switch (pc) {
      case AP_LOCKED, AP_WQ_LOCKED -> "apply_workqueue_attrs";
      case FL_LOCKED -> "__flush_workqueue";
      case DR_LOCKED, DC_LOCKED -> "drain_workqueue";
      default -> "destroy_workqueue";
    };
  }

  private long pwqId() {
    return ((long) wq << 32) | ++pwqIds;
  }

  @Override
  protected void run(Context ctx) {
    switch (pc) {
      case START -> {
        creating = true;
        attrs = 0;
        if (spec.unbound()) {
          pc = Pc.AP_LOCKED; // apply_workqueue_attrs_locked(wq, unbound_std_wq_attrs)
          mutex.lock(ctx, poolMutex, POOL_MUTEX, site());
        } else {
          index = 0; // alloc_and_link_pwqs(): init_pwq() on each CPU's pool
          cpuNew.clear();
          pcpuInit(ctx);
        }
      }
      case PCPU_INIT -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        index++;
        pcpuInit(ctx);
      }
      case PCPU_INSTALL -> {
        pc = Pc.AP_INSTALLED;
        token++;
        send(
            ctx,
            wq,
            new WqRequest.InstallPwqs(ctx.self(), token, 0, List.copyOf(cpuNew), PwqRef.NONE));
        if (await(ctx, false)) return;
        run(ctx);
      }
      case WAIT_STEP -> nextStep(ctx);
      case AP_LOCKED -> {
        slot = -1;
        cpuNew.clear();
        dflNew = PwqRef.NONE;
        getPool(ctx);
      }
      case AP_GOT -> {
        if (await(ctx, false)) return;
        LifeReply.PoolOf p = take(LifeReply.PoolOf.class);
        slotPool = p.pool();
        if (p.created()) { // init_worker_pool(); create_worker()
          call(
              ctx,
              slotPool,
              new PwqRequest.InitPool(ctx.self(), ++token, cpu(), attrs),
              Pc.AP_POOL_INIT);
          return;
        }
        initPwq(ctx);
      }
      case AP_POOL_INIT -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        initPwq(ctx);
      }
      case AP_PWQ_INIT -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        slot++;
        if (slot < topo.cpus) {
          getPool(ctx);
          return;
        }
        pc = Pc.AP_WQ_LOCKED; // apply_wqattrs_commit(): mutex_lock(&wq->mutex)
        mutex.lock(ctx, wq, WQ_MUTEX, site());
      }
      case AP_WQ_LOCKED -> {
        pc = Pc.AP_INSTALLED;
        token++;
        send(
            ctx,
            wq,
            new WqRequest.InstallPwqs(ctx.self(), token, attrs, List.copyOf(cpuNew), dflNew));
        if (await(ctx, false)) return;
        run(ctx);
      }
      case AP_INSTALLED -> {
        if (await(ctx, false)) return;
        LifeReply.Installed in = take(LifeReply.Installed.class);
        mutex.unlock(ctx, wq, WQ_MUTEX);
        if (dflNew.present()) dflPwq = dflNew.pwq();
        toPut.clear();
        for (PwqRef o : in.old()) if (o.present()) toPut.add(o);
        if (in.oldDfl().present()) toPut.add(in.oldDfl());
        putIndex = 0;
        if (ctx.tracing() && !creating) {
          ctx.trace(
              new LifeNote.AttrsApplied(
                  wq, cpu(), attrs, cpuNew.isEmpty() ? -1 : cpuNew.get(0).pool()));
        }
        putNext(ctx);
      }
      case AP_PUT -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        putIndex++;
        putNext(ctx);
      }
      // ---------------------------------------------------------------- destroy_workqueue()
      case DS_LOCKED ->
          call(ctx, wq, new WqRequest.SetFlags(ctx.self(), ++token, true, false), Pc.DS_FLAGGED);
      case DS_FLAGGED -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        mutex.unlock(ctx, wq, WQ_MUTEX);
        pc = Pc.DR_LOCKED; // drain_workqueue(): __WQ_DRAINING
        mutex.lock(ctx, wq, WQ_MUTEX, site());
      }
      case DR_LOCKED ->
          call(ctx, wq, new WqRequest.SetFlags(ctx.self(), ++token, true, true), Pc.DR_FLAGGED);
      case DR_FLAGGED -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        mutex.unlock(ctx, wq, WQ_MUTEX);
        flush(ctx);
      }
      case FL_LOCKED -> call(ctx, wq, new WqRequest.ListPwqs(ctx.self(), ++token), Pc.FL_LISTED);
      case FL_LISTED -> {
        if (await(ctx, false)) return;
        pwqs = take(LifeReply.PwqList.class).pwqs();
        index = 0;
        flushWaits = 0;
        flushDone = 0;
        flushTokens.clear();
        armNext(ctx);
      }
      case FL_ARMED -> {
        if (await(ctx, false)) return;
        if (take(LifeReply.FlushArmed.class).waits()) flushWaits++;
        else flushTokens.remove(token);
        index++;
        armNext(ctx);
      }
      case FL_WAIT -> {
        while (flushDone < flushWaits) { // wait_for_completion(&this_flusher.done)
          if (await(ctx, true)) return;
          take(LifeReply.FlushDone.class);
          flushDone++;
        }
        pc = Pc.DC_LOCKED;
        mutex.lock(ctx, wq, WQ_MUTEX, site());
      }
      case DC_LOCKED -> call(ctx, wq, new WqRequest.ListPwqs(ctx.self(), ++token), Pc.DC_LISTED);
      case DC_LISTED -> {
        if (await(ctx, false)) return;
        pwqs = take(LifeReply.PwqList.class).pwqs();
        index = 0;
        allEmpty = true;
        checkNext(ctx, Pc.DC_CHECKED);
      }
      case DC_CHECKED -> {
        if (await(ctx, false)) return;
        if (!take(LifeReply.PwqStatus.class).empty()) allEmpty = false;
        index++;
        if (index < pwqs.size() && allEmpty) {
          checkNext(ctx, Pc.DC_CHECKED);
          return;
        }
        if (!allEmpty) { // not drained: reflush
          mutex.unlock(ctx, wq, WQ_MUTEX);
          if (++flushes == 10) ctx.count("drainRetries", 10);
          flush(ctx);
          return;
        }
        call(ctx, wq, new WqRequest.SetFlags(ctx.self(), ++token, true, false), Pc.DC_UNFLAGGED);
      }
      case DC_UNFLAGGED -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        mutex.unlock(ctx, wq, WQ_MUTEX);
        if (rescuer >= 0) { // kill rescuer: wq->rescuer = NULL; kthread_stop(rescuer->task)
          call(ctx, wq, new WqRequest.ClearRescuer(ctx.self(), ++token), Pc.RS_CLEARED);
          return;
        }
        sanity(ctx);
      }
      case RS_CLEARED -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        // kthread_stop(rescuer->task): "rescuer will empty maydays list before exiting"
        pc = Pc.RS_STOPPED;
        send(ctx, rescuer, new LifeMessage.KthreadStop(ctx.self(), ++token));
        if (await(ctx, true)) return;
        run(ctx);
      }
      case RS_STOPPED -> {
        if (await(ctx, true)) return;
        take(LifeReply.Done.class);
        sanity(ctx);
      }
      case SN_POOLS_LOCKED -> {
        pc = Pc.SN_WQ_LOCKED;
        mutex.lock(ctx, wq, WQ_MUTEX, site());
      }
      case SN_WQ_LOCKED -> call(ctx, wq, new WqRequest.ListPwqs(ctx.self(), ++token), Pc.SN_LISTED);
      case SN_LISTED -> {
        if (await(ctx, false)) return;
        pwqs = take(LifeReply.PwqList.class).pwqs();
        index = 0;
        if (pwqs.isEmpty()) {
          endSanity(ctx);
          return;
        }
        checkNext(ctx, Pc.SN_CHECKED);
      }
      case SN_CHECKED -> {
        if (await(ctx, false)) return;
        LifeReply.PwqStatus st = take(LifeReply.PwqStatus.class);
        if (st.busy()) { // WARN_ON(pwq_busy(pwq)): leave the workqueue as it is
          ctx.violation(
              "DestroyWorkqueueWarn",
              ctx.name(wq)
                  + ": destroy_workqueue(): WARN_ON(pwq_busy(pwq)) for a pwq of "
                  + ctx.name(pwqs.get(index).pool()));
          mutex.unlock(ctx, wq, WQ_MUTEX);
          mutex.unlock(ctx, poolMutex, POOL_MUTEX);
          pc = Pc.DONE;
          nextStep(ctx);
          return;
        }
        index++;
        if (index < pwqs.size()) {
          checkNext(ctx, Pc.SN_CHECKED);
          return;
        }
        endSanity(ctx);
      }
      case BR_TAKEN -> {
        if (await(ctx, false)) return;
        toPut.clear();
        for (PwqRef r : take(LifeReply.PwqList.class).pwqs()) if (r.present()) toPut.add(r);
        putIndex = 0;
        pc = Pc.BR_PUT;
        brPutNext(ctx);
      }
      case BR_PUT -> {
        if (await(ctx, false)) return;
        take(LifeReply.Done.class);
        putIndex++;
        brPutNext(ctx);
      }
      case DONE -> {}
      default -> throw new IllegalStateException(ctx.name(ctx.self()) + ": runs in " + pc);
    }
  }

  // ------------------------------------------------------------------ alloc, apply

  private void pcpuInit(Context ctx) {
    if (index < topo.cpus) {
      long id = pwqId();
      cpuNew.add(new PwqRef(id, topo.pool(index)));
      call(
          ctx,
          topo.pool(index),
          new PwqRequest.InitPwq(
              ctx.self(), ++token, id, wq, false, spec.maxActive(), spec.cpuIntensive(), rescuer),
          Pc.PCPU_INIT);
      return;
    }
    pc = Pc.PCPU_INSTALL;
    mutex.lock(ctx, wq, WQ_MUTEX, site());
  }

  /** {@code alloc_unbound_pwq()}: {@code get_unbound_pool()} for the current slot. */
  private void getPool(Context ctx) {
    call(ctx, poolMutex, new PoolsRequest.GetUnboundPool(ctx.self(), ++token, attrs), Pc.AP_GOT);
  }

  private void initPwq(Context ctx) {
    long id = pwqId();
    PwqRef ref = new PwqRef(id, slotPool);
    if (slot < 0) dflNew = ref;
    else cpuNew.add(ref);
    call(
        ctx,
        slotPool,
        new PwqRequest.InitPwq(
            ctx.self(), ++token, id, wq, true, spec.maxActive(), spec.cpuIntensive(), rescuer),
        Pc.AP_PWQ_INIT);
  }

  /** {@code apply_wqattrs_cleanup()}: {@code put_pwq_unlocked()} of each replaced pwq. */
  private void putNext(Context ctx) {
    if (putIndex < toPut.size()) {
      PwqRef p = toPut.get(putIndex);
      call(ctx, p.pool(), new PwqRequest.PutPwq(ctx.self(), ++token, cpu(), p.pwq()), Pc.AP_PUT);
      return;
    }
    if (spec.unbound()) mutex.unlock(ctx, poolMutex, POOL_MUTEX);
    creating = false;
    nextStep(ctx);
  }

  // ------------------------------------------------------------------ the script

  private void nextStep(Context ctx) {
    if (pc != Pc.WAIT_STEP) {
      step++;
      if (step >= at.length) {
        pc = Pc.DONE;
        exit(ctx);
        return;
      }
      pc = Pc.WAIT_STEP;
      if (at[step] > ctx.now()) {
        waitEpoch = nextEpoch();
        ctx.startTimer("admin", at[step] - ctx.now(), new LifeMessage.Tick(++token));
        if (sleep(ctx)) return;
      }
    }
    AdminScript.Step s = script.steps().get(step);
    ctx.count(s.kind() == AdminScript.Kind.APPLY ? "attrsApplied" : "workqueuesDestroyed", 1);
    if (s.kind() == AdminScript.Kind.APPLY) {
      if (!spec.unbound()) {
        ctx.violation(
            "ApplyAttrsWarn", "apply_workqueue_attrs(): WARN_ON(!(wq->flags & WQ_UNBOUND))");
        pc = Pc.DONE;
        nextStep(ctx);
        return;
      }
      attrs = s.attrs();
      pc = Pc.AP_LOCKED;
      mutex.lock(ctx, poolMutex, POOL_MUTEX, site());
    } else {
      pc = Pc.DS_LOCKED;
      mutex.lock(ctx, wq, WQ_MUTEX, site());
    }
  }

  // ------------------------------------------------------------------ destroy, drain, flush

  /** {@code __flush_workqueue()}: arm every pwq with work in flight, then wait. */
  private void flush(Context ctx) {
    // __flush_workqueue(): touch_wq_lockdep_map(wq) first, before wq->mutex, unconditionally
    Lockdep.waitFor(ctx, ctx.self(), "(wq_completion)" + spec.name(), "__flush_workqueue");
    pc = Pc.FL_LOCKED;
    mutex.lock(ctx, wq, WQ_MUTEX, site());
  }

  private void armNext(Context ctx) {
    if (index < pwqs.size()) {
      PwqRef p = pwqs.get(index);
      flushTokens.add(token + 1);
      call(
          ctx, p.pool(), new PwqRequest.FlushPwq(ctx.self(), ++token, cpu(), p.pwq()), Pc.FL_ARMED);
      return;
    }
    mutex.unlock(ctx, wq, WQ_MUTEX);
    pc = Pc.FL_WAIT;
    run(ctx);
  }

  private void checkNext(Context ctx, Pc next) {
    PwqRef p = pwqs.get(index);
    Lockdep.acquire(ctx, ctx.self(), "&pool->lock", site()); // raw_spin_lock_irq(&pwq->pool->lock)
    Lockdep.release(ctx, ctx.self(), "&pool->lock");
    call(
        ctx,
        p.pool(),
        new PwqRequest.PwqBusy(ctx.self(), ++token, cpu(), p.pwq(), p.pwq() == dflPwq),
        next);
  }

  /** The sanity checks: {@code wq_pool_mutex}, then {@code wq->mutex}, then each pool's lock. */
  private void sanity(Context ctx) {
    pc = Pc.SN_POOLS_LOCKED;
    mutex.lock(ctx, poolMutex, POOL_MUTEX, site());
  }

  private void endSanity(Context ctx) {
    mutex.unlock(ctx, wq, WQ_MUTEX);
    mutex.unlock(ctx, poolMutex, POOL_MUTEX); // list_del_rcu(&wq->list)
    // "We're the sole accessor of @wq": put the base refs
    call(ctx, wq, new WqRequest.TakeBaseRefs(ctx.self(), ++token), Pc.BR_TAKEN);
  }

  private void brPutNext(Context ctx) {
    if (putIndex < toPut.size()) {
      PwqRef p = toPut.get(putIndex);
      call(ctx, p.pool(), new PwqRequest.PutPwq(ctx.self(), ++token, cpu(), p.pwq()), Pc.BR_PUT);
      return;
    }
    if (ctx.tracing()) ctx.trace(new LifeNote.WorkqueueDestroyed(wq, cpu()));
    pc = Pc.DONE;
    nextStep(ctx);
  }
}
