package org.kernsim.actors.wqlife;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kernsim.actors.workqueue.PoolLogic;
import org.kernsim.protocol.workqueue.WorkItem;

/**
 * The {@code struct pool_workqueue}s of one worker pool and the kernel functions that work on them
 * under {@code pool->lock} ({@code kernel/workqueue.c} of the version seed 001 applies to, May
 * 2026; the functions are those of 6.9+ where {@code pwq_release_workfn()} runs on a kthread_worker
 * and {@code nr_active} management is {@code pwq_tryinc_nr_active()} / {@code
 * pwq_dec_nr_active()}). Plain Java over the pool's {@link PoolLogic}: one method per kernel
 * function, effects collected for the entity ({@link PoolLife}) to turn into messages.
 *
 * <p>Not modelled: work colors (a flush waits for the pwq's in-flight count to reach zero, which is
 * the kernel's flush when no new work can be queued, as while draining) and the per-node {@code
 * wq_node_nr_active} of unbound workqueues (an unbound pwq always obtains an {@code nr_active}
 * count: the model requires {@code max_active} >= the work in flight for unbound workqueues).
 */
public final class PwqLogic implements PoolLogic.Hooks {

  /** One {@code struct pool_workqueue} (its L fields). */
  public static final class Pwq {
    public final long id;
    public final int wq;
    public final boolean unbound;
    final int maxActive;
    final boolean cpuIntensive;
    final int rescuer;
    int refcnt = 1;
    int nrInFlight;
    int nrActive;
    final ArrayDeque<WorkItem> inactive = new ArrayDeque<>();

    /** {@code !list_empty(&pwq->mayday_node)}. */
    boolean onMayday;

    /** Flushers waiting for {@code nrInFlight == 0} (requester, token). */
    final List<long[]> flushers = new ArrayList<>();

    Pwq(long id, int wq, boolean unbound, int maxActive, boolean cpuIntensive, int rescuer) {
      this.id = id;
      this.wq = wq;
      this.unbound = unbound;
      this.maxActive = maxActive;
      this.cpuIntensive = cpuIntensive;
      this.rescuer = rescuer;
    }

    public int refcnt() {
      return refcnt;
    }

    public int nrInFlight() {
      return nrInFlight;
    }

    public int nrActive() {
      return nrActive;
    }

    public int inactiveCount() {
      return inactive.size();
    }

    public boolean onMayday() {
      return onMayday;
    }

    public int rescuer() {
      return rescuer;
    }
  }

  /** What {@code __queue_work()}'s locked part did. */
  public enum Queued {
    /** On the worklist (maybe a kick: {@link #lastKick}). */
    ACTIVE,
    /** On {@code pwq->inactive_works}. */
    INACTIVE,
    /** The pwq's refcnt is 0 (an unbound pwq being released): retry the pwq selection. */
    RETRY
  }

  private final PoolLogic pool;
  private final LinkedHashMap<Long, Pwq> pwqs = new LinkedHashMap<>();

  /** {@code work->data} of queued items: their pwq. */
  private final Map<Long, Pwq> itemPwq = new HashMap<>();

  /** WORK_STRUCT_INACTIVE. */
  private final Set<Long> inactiveItems = new HashSet<>();

  /** Pwqs whose refcnt reached 0 ({@code kthread_queue_work(pwq_release_worker, ...)}). */
  final List<Pwq> released = new ArrayList<>();

  /** Flushers to complete (requester, token). */
  final List<long[]> flushesDone = new ArrayList<>();

  /** Items {@code pwq_activate_first_inactive()} moved to the worklist: {pwq, item}. */
  final List<long[]> activated = new ArrayList<>();

  private final List<String[]> warnings = new ArrayList<>();

  /** The kick of the last {@link #queueWork}, if it kicked. */
  PoolLogic.Kick lastKick;

  public PwqLogic(PoolLogic pool) {
    this.pool = pool;
    pool.setHooks(this);
  }

  public Pwq pwq(long id) {
    return pwqs.get(id);
  }

  public Pwq pwqOf(WorkItem item) {
    return itemPwq.get(item.id());
  }

  public boolean isInactive(long item) {
    return inactiveItems.contains(item);
  }

  // ------------------------------------------------------------------ life of a pwq

  /** {@code init_pwq()}: refcnt 1 (the base reference), nothing in flight. */
  public Pwq initPwq(
      long id, int wq, boolean unbound, int maxActive, boolean cpuIntensive, int rescuer) {
    if (pwqs.containsKey(id)) throw new IllegalStateException("pwq " + id + " exists");
    Pwq p = new Pwq(id, wq, unbound, maxActive, cpuIntensive, rescuer);
    pwqs.put(id, p);
    return p;
  }

  /** {@code get_pwq()}: {@code WARN_ON_ONCE(pwq->refcnt <= 0); pwq->refcnt++}. */
  public void getPwq(Pwq p) {
    if (p.refcnt <= 0) warn("PwqRefcnt", "get_pwq() on pwq " + p.id + " with refcnt " + p.refcnt);
    p.refcnt++;
  }

  /**
   * {@code put_pwq()}: if it was the last reference, the pwq "can't be released under pool->lock,
   * bounce to a dedicated kthread_worker".
   */
  public void putPwq(Pwq p) {
    if (p.refcnt <= 0) {
      warn("PwqRefcnt", "put_pwq() on pwq " + p.id + " with refcnt " + p.refcnt);
      return;
    }
    if (--p.refcnt == 0) released.add(p);
  }

  /** {@code pwq_is_empty()}: no active count and nothing inactive. */
  public boolean pwqIsEmpty(Pwq p) {
    return p.nrActive == 0 && p.inactive.isEmpty();
  }

  /**
   * {@code pwq_busy()}: work in flight, a reference beyond the base one (but for the default pwq),
   * or not empty.
   */
  public boolean pwqBusy(Pwq p, boolean isDfl) {
    if (p.nrInFlight > 0) return true;
    if (!isDfl && p.refcnt > 1) return true;
    return !pwqIsEmpty(p);
  }

  // ------------------------------------------------------------------ nr_active, activation

  /**
   * {@code pwq_tryinc_nr_active()}: a per-CPU workqueue's pwq obtains an {@code nr_active} count if
   * {@code pwq->nr_active < wq->max_active}; an unbound one asks its node's shared count, which the
   * model does not limit (see the class comment).
   */
  public boolean pwqTryincNrActive(Pwq p) {
    boolean obtained = p.unbound || p.nrActive < p.maxActive;
    if (obtained) p.nrActive++;
    return obtained;
  }

  /**
   * {@code pwq_activate_first_inactive()} + {@code __pwq_activate_work()}: the first inactive item
   * goes to the tail of the worklist (INACTIVE cleared) if an {@code nr_active} count is free.
   */
  public boolean pwqActivateFirstInactive(Pwq p) {
    WorkItem first = p.inactive.peekFirst();
    if (first == null || !pwqTryincNrActive(p)) return false;
    p.inactive.pollFirst();
    inactiveItems.remove(first.id());
    pool.insertWork(first); // move_linked_works(work, &pwq->pool->worklist, NULL)
    activated.add(new long[] {p.id, first.id()});
    return true;
  }

  /**
   * {@code pwq_dec_nr_active()}: {@code pwq->nr_active--}; a per-CPU workqueue activates its first
   * inactive item (no kick: the worker that is finishing goes on with {@code keep_working()}).
   */
  public void pwqDecNrActive(Pwq p) {
    p.nrActive--;
    if (p.nrActive < 0) warn("PwqRefcnt", "pwq " + p.id + " nr_active < 0");
    pwqActivateFirstInactive(p);
  }

  /**
   * {@code pwq_dec_nr_in_flight()}: a work item completed (or was taken off its queue): release its
   * active count unless it was INACTIVE, {@code nr_in_flight--} (completing a flusher at zero), and
   * {@code put_pwq()} the reference {@code insert_work()} took.
   */
  public void pwqDecNrInFlight(Pwq p, long item) {
    boolean wasInactive = inactiveItems.remove(item);
    if (!wasInactive) pwqDecNrActive(p);
    p.nrInFlight--;
    if (p.nrInFlight == 0 && !p.flushers.isEmpty()) {
      flushesDone.addAll(p.flushers);
      p.flushers.clear();
    }
    putPwq(p);
  }

  // ------------------------------------------------------------------ __queue_work()

  /**
   * {@code __queue_work()} once {@code pwq} is determined and its pool locked: "For unbound pools,
   * we could have raced with pwq release and it could already be dead. If its refcnt is zero,
   * repeat pwq selection"; then {@code nr_in_flight++} and, if no inactive item is queued before it
   * and {@code pwq_tryinc_nr_active()} succeeds, {@code insert_work()} on the worklist and {@code
   * kick_pool()}; else {@code insert_work()} on {@code pwq->inactive_works} with
   * WORK_STRUCT_INACTIVE. {@code insert_work()} takes a pwq reference ({@code get_pwq()}).
   */
  public Queued queueWork(Pwq p, WorkItem item, long nowJ) {
    lastKick = null;
    if (p.refcnt == 0) {
      if (p.unbound) return Queued.RETRY;
      warn("PwqRefcnt", "per-cpu pwq " + p.id + " has 0 refcnt");
    }
    p.nrInFlight++;
    itemPwq.put(item.id(), p);
    if (p.inactive.isEmpty() && pwqTryincNrActive(p)) {
      pool.insertWork(item);
      getPwq(p);
      lastKick = pool.kickPool(nowJ);
      return Queued.ACTIVE;
    }
    p.inactive.addLast(item);
    inactiveItems.add(item.id());
    getPwq(p);
    return Queued.INACTIVE;
  }

  /**
   * {@code flush_workqueue_prep_pwqs()} for this pwq: wait if it has work in flight. Returns
   * whether the flusher waits.
   */
  public boolean flushPrep(Pwq p, int requester, long token) {
    if (p.nrInFlight == 0) return false;
    p.flushers.add(new long[] {requester, token});
    return true;
  }

  // ------------------------------------------------------------------ the hooks of PoolLogic

  @Override
  public boolean cpuIntensive(WorkItem item) {
    Pwq p = itemPwq.get(item.id());
    return p != null && p.cpuIntensive;
  }

  /** {@code process_one_work()}'s last step: {@code pwq_dec_nr_in_flight(pwq, work_data)}. */
  @Override
  public void workReleased(WorkItem item) {
    Pwq p = itemPwq.remove(item.id());
    if (p != null) pwqDecNrInFlight(p, item.id());
  }

  // ------------------------------------------------------------------ mayday

  /**
   * {@code pool_mayday_timeout()} with {@code need_to_create_worker()}: {@code send_mayday()} for
   * every work on the worklist: a pwq whose workqueue has a rescuer and is not on the mayday list
   * yet is pinned ({@code get_pwq()}) and marked. Returns the pwqs to add to {@code wq->maydays}.
   */
  public List<Pwq> sendMaydays() {
    List<Pwq> out = new ArrayList<>();
    for (WorkItem w : pool.worklistItems()) {
      Pwq p = itemPwq.get(w.id());
      if (p == null || p.rescuer < 0 || p.onMayday) continue;
      getPwq(p);
      p.onMayday = true;
      out.add(p);
    }
    return out;
  }

  /** The workqueue had no rescuer any more: unmark and unpin. */
  public void maydayRejected(Pwq p) {
    p.onMayday = false;
    putPwq(p);
  }

  /**
   * {@code rescuer_thread()}: {@code list_del_init(&pwq->mayday_node)}, then under {@code
   * pool->lock} "Slurp in all works issued via this workqueue": every item of {@code pwq} on the
   * worklist is {@code assign_work()}ed to the rescuer (or to the worker already running it).
   */
  public int slurp(Pwq p, PoolLogic.Worker rescuer) {
    p.onMayday = false;
    int n = 0;
    for (WorkItem w : pool.worklistItems()) {
      if (itemPwq.get(w.id()) == p && pool.assignWork(w, rescuer)) n++;
    }
    return n;
  }

  /**
   * After the rescued items: "put @pwq back on mayday list so that such back-to-back work items ...
   * don't incur MAYDAY_INTERVAL delay" if it still has active work and the pool still needs a
   * worker; returns whether it was re-queued (pinned again).
   */
  public boolean maydayRequeue(Pwq p) {
    if (p.nrActive > 0 && pool.needToCreateWorker() && !p.onMayday && p.rescuer >= 0) {
      getPwq(p);
      p.onMayday = true;
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ effects, invariants

  void warn(String checker, String message) {
    warnings.add(new String[] {checker, message});
  }

  public List<String[]> drainWarnings() {
    if (warnings.isEmpty()) return List.of();
    List<String[]> out = new ArrayList<>(warnings);
    warnings.clear();
    return out;
  }

  /** W7 for pwqs: every item in flight is counted once, on the worklist, a list, or running. */
  public void checkAccounting() {
    for (Pwq p : pwqs.values()) {
      if (p.nrInFlight < 0) warn("PwqRefcnt", "pwq " + p.id + " nr_in_flight < 0");
      if (!p.unbound && p.nrActive > p.maxActive)
        warn("MaxActive", "pwq " + p.id + " nr_active " + p.nrActive + " > " + p.maxActive);
    }
  }

  public List<Pwq> pwqs() {
    return new ArrayList<>(pwqs.values());
  }
}
