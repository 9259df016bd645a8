package org.kernsim.actors.wqlife;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kernsim.actors.mutex.KMutex;
import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;
import org.kernsim.protocol.workqueue.PoolReply;
import org.kernsim.protocol.workqueue.Wake;
import org.kernsim.protocol.wqlife.LifeMessage;
import org.kernsim.protocol.wqlife.LifeNote;
import org.kernsim.protocol.wqlife.LifeReply;
import org.kernsim.protocol.wqlife.PwqRef;
import org.kernsim.protocol.wqlife.PwqRequest;
import org.kernsim.protocol.wqlife.WqRequest;

/**
 * One {@code struct workqueue_struct} ({@code kernel/workqueue.c}, 2026): {@code wq->mutex} (this
 * entity is the mutex) and what it protects — the pwq list ({@code wq->pwqs}), the flags, the
 * per-CPU pwq slots ({@code wq->cpu_pwq}) and the default pwq, which {@code __queue_work()} reads
 * under RCU without the mutex — and {@code wq->maydays} with {@code wq->rescuer} ({@code
 * wq_mayday_lock}).
 */
public final class Workqueue extends KMutex {
  private final boolean unbound;
  private int rescuer;
  private boolean destroying;
  private boolean draining;
  private final PwqRef[] cpuPwq;
  private PwqRef dfl = PwqRef.NONE;
  private final List<PwqRef> pwqs = new ArrayList<>();
  private final ArrayDeque<PwqRef> maydays = new ArrayDeque<>();
  private boolean warned;

  public Workqueue(String name, int cpus, boolean unbound, int rescuer, Latency lock) {
    super(name + "->mutex", lock);
    this.unbound = unbound;
    this.rescuer = rescuer;
    this.cpuPwq = new PwqRef[cpus];
    Arrays.fill(cpuPwq, PwqRef.NONE);
  }

  @Override
  protected boolean onOther(Context ctx, Object msg) {
    if (msg instanceof WqRequest.QueueWork q) queueWork(ctx, q);
    else if (msg instanceof WqRequest.InstallPwqs i) install(ctx, i);
    else if (msg instanceof WqRequest.SetFlags f) setFlags(ctx, f);
    else if (msg instanceof WqRequest.ListPwqs l) {
      assertHeld(ctx, l.holder(), "for_each_pwq()");
      ctx.send(
          l.holder(), new LifeReply.PwqList(l.token(), List.copyOf(pwqs), unbound), lockLatency());
    } else if (msg instanceof WqRequest.UnlinkPwq u) unlink(ctx, u);
    else if (msg instanceof WqRequest.TakeBaseRefs t) takeBaseRefs(ctx, t);
    else if (msg instanceof WqRequest.Mayday m) mayday(ctx, m);
    else if (msg instanceof WqRequest.NextMayday n) {
      PwqRef p = maydays.pollFirst();
      ctx.send(
          n.rescuer(),
          new LifeReply.MaydayOf(n.token(), p == null ? PwqRef.NONE : p),
          lockLatency());
    } else if (msg instanceof WqRequest.ClearRescuer c) {
      rescuer = -1; // this prevents new queueing
      ctx.send(c.holder(), new LifeReply.Done(c.token()), lockLatency());
    } else return false;
    return true;
  }

  /**
   * {@code __queue_work()}'s first part: "For a draining wq, only works from the same workqueue are
   * allowed" (WARN_ONCE otherwise: not queued); {@code pwq =
   * rcu_dereference(*per_cpu_ptr(wq->cpu_pwq, cpu))} and on to its pool, which locks and checks it.
   */
  private void queueWork(Context ctx, WqRequest.QueueWork q) {
    PwqRef p = cpuPwq[Math.floorMod(q.cpu(), cpuPwq.length)];
    if (((destroying || draining) && !q.chained()) || !p.present()) {
      if (!warned) {
        warned = true;
        ctx.violation(
            "QueueWorkWarn",
            ctx.name(ctx.self())
                + ": __queue_work() from "
                + ctx.name(q.requester())
                + (p.present()
                    ? ": workqueue: cannot queue on a destroying or draining workqueue"
                    : ": the workqueue has been destroyed (NULL pwq)"));
      }
      if (ctx.tracing())
        ctx.trace(new LifeNote.QueueRejected(ctx.self(), q.cpu(), q.requester(), q.item().id()));
      ctx.send(q.requester(), new PoolReply.Queued(q.reqId(), Wake.NONE), lockLatency());
      return;
    }
    ctx.send(
        p.pool(),
        new PwqRequest.QueueOnPwq(q.requester(), q.cpu(), q.reqId(), q.item(), p.pwq(), ctx.self()),
        lockLatency());
  }

  /** {@code install_unbound_pwq()} for each slot: {@code link_pwq()}, then swap the pointer. */
  private void install(Context ctx, WqRequest.InstallPwqs i) {
    assertHeld(ctx, i.holder(), "install_unbound_pwq()");
    if (i.cpuPwqs().size() != cpuPwq.length)
      throw new IllegalStateException("one pwq per CPU expected, got " + i.cpuPwqs().size());
    List<PwqRef> old = new ArrayList<>();
    for (int c = 0; c < cpuPwq.length; c++) {
      PwqRef n = i.cpuPwqs().get(c);
      link(n);
      old.add(cpuPwq[c]);
      cpuPwq[c] = n;
      if (ctx.tracing()) ctx.trace(new LifeNote.PwqInstalled(ctx.self(), -1, n.pwq(), n.pool(), c));
    }
    PwqRef oldDfl = dfl;
    if (i.dfl().present()) {
      link(i.dfl());
      dfl = i.dfl();
      if (ctx.tracing())
        ctx.trace(new LifeNote.PwqInstalled(ctx.self(), -1, dfl.pwq(), dfl.pool(), -1));
    }
    ctx.send(i.holder(), new LifeReply.Installed(i.token(), old, oldDfl), lockLatency());
  }

  /** {@code link_pwq()}: "may be called multiple times, ignore if already linked". */
  private void link(PwqRef p) {
    if (p.present() && !pwqs.contains(p)) pwqs.add(p);
  }

  private void setFlags(Context ctx, WqRequest.SetFlags f) {
    assertHeld(ctx, f.holder(), "changes wq->flags");
    destroying = f.destroying();
    draining = f.draining();
    ctx.send(f.holder(), new LifeReply.Done(f.token()), lockLatency());
  }

  /** {@code pwq_release_workfn()}: {@code list_del_rcu(&pwq->pwqs_node)}; the last one? */
  private void unlink(Context ctx, WqRequest.UnlinkPwq u) {
    assertHeld(ctx, u.holder(), "list_del_rcu(&pwq->pwqs_node)");
    pwqs.removeIf(p -> p.pwq() == u.pwq());
    ctx.send(u.holder(), new LifeReply.Unlinked(u.token(), pwqs.isEmpty()), lockLatency());
  }

  /**
   * {@code destroy_workqueue()}: "We're the sole accessor of @wq. Directly access cpu_pwq and
   * dfl_pwq to put the base refs": each slot's pwq, then {@code RCU_INIT_POINTER(slot, NULL)}.
   */
  private void takeBaseRefs(Context ctx, WqRequest.TakeBaseRefs t) {
    List<PwqRef> refs = new ArrayList<>(Arrays.asList(cpuPwq));
    Arrays.fill(cpuPwq, PwqRef.NONE);
    if (dfl.present()) refs.add(dfl);
    dfl = PwqRef.NONE;
    ctx.send(t.holder(), new LifeReply.PwqList(t.token(), refs, unbound), lockLatency());
  }

  /**
   * {@code send_mayday()}: "if (!wq->rescuer) return;" (the pool pinned the pwq: unpin it); else
   * {@code list_add_tail(&pwq->mayday_node, &wq->maydays); wake_up_process(wq->rescuer->task)}.
   */
  private void mayday(Context ctx, WqRequest.Mayday m) {
    if (rescuer < 0) {
      ctx.send(m.pool(), new PwqRequest.MaydayRejected(m.pwq()), lockLatency());
      return;
    }
    maydays.addLast(new PwqRef(m.pwq(), m.pool()));
    ctx.send(rescuer, new LifeMessage.RescuerWake(ctx.self()), lockLatency());
  }
}
