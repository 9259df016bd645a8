package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.workqueue.PoolLogic.Decision;
import org.kernsim.actors.workqueue.PoolLogic.Kick;
import org.kernsim.actors.workqueue.PoolLogic.Next;
import org.kernsim.actors.workqueue.PoolLogic.Worker;
import org.kernsim.protocol.workqueue.WorkItem;
import org.kernsim.protocol.workqueue.WorkItem.WorkKind;

/** The kernel functions of {@link PoolLogic}, one by one, without any engine or actor system. */
class PoolLogicTest {
  static final long T = 300_000; // IDLE_WORKER_TIMEOUT in jiffies (HZ=1000)

  static WqConfig cfg(KickVariant v) {
    return WqConfig.kernel(v);
  }

  static WorkItem item(long id) {
    return new WorkItem(id, WorkKind.NORMAL, 1000, 0, 1, -1, -1);
  }

  /** A pool with {@code n} idle workers created at jiffies 0, 1, 2... (the last is the head). */
  static PoolLogic poolWithIdle(KickVariant v, boolean unbound, int n) {
    PoolLogic p = new PoolLogic(unbound, 16, cfg(v));
    for (int i = 0; i < n; i++) p.createWorker(i, 0);
    p.drainWarnings();
    return p;
  }

  /** Makes worker {@code w} run an item (woken, leaves idle, takes the item). */
  static Decision run(PoolLogic p, Worker w, WorkItem it, long nowJ) {
    p.insertWork(it);
    return p.wokeUp(w, nowJ, 99);
  }

  static void assertClean(PoolLogic p) {
    p.checkAccounting();
    List<String[]> w = p.drainWarnings();
    assertTrue(
        w.isEmpty(),
        () -> "unexpected warning " + (w.isEmpty() ? "" : w.get(0)[0] + ": " + w.get(0)[1]));
  }

  // ------------------------------------------------------------------ C.3 predicates

  @Test
  void tooManyWorkersFollowsTheSpecExamples() {
    PoolLogic p = new PoolLogic(false, 32, cfg(KickVariant.ORIGINAL));
    p.nrWorkers = 3;
    p.nrIdle = 3;
    assertTrue(p.tooManyWorkers(), "3 workers all idle: cull one");
    p.nrWorkers = 12;
    p.nrIdle = 4;
    assertTrue(p.tooManyWorkers(), "4 idle + 8 busy: (4-2)*4 >= 8");
    p.nrWorkers = 10;
    p.nrIdle = 3;
    assertFalse(p.tooManyWorkers(), "3 idle + 7 busy: 4 < 7");
    p.nrWorkers = 2;
    p.nrIdle = 2;
    assertFalse(p.tooManyWorkers(), "always keep 2 idle");
    p.nrWorkers = 3;
    p.nrIdle = 2;
    p.managerActive = true;
    assertTrue(p.tooManyWorkers(), "the manager counts as idle");
  }

  @Test
  void needMoreWorkerKeepWorkingMayStartAndNeedToCreate() {
    PoolLogic p = new PoolLogic(false, 4, cfg(KickVariant.ORIGINAL));
    assertFalse(p.needMoreWorker());
    p.insertWork(item(1));
    assertTrue(p.needMoreWorker());
    assertTrue(p.keepWorking());
    assertTrue(p.needToCreateWorker(), "work, nobody running, no idle worker");
    assertFalse(p.mayStartWorking());
    p.nrIdle = 1;
    assertTrue(p.mayStartWorking());
    assertFalse(p.needToCreateWorker());
    p.nrRunning = 1;
    assertFalse(p.needMoreWorker());
    assertTrue(p.keepWorking(), "nr_running <= 1");
    p.nrRunning = 2;
    assertFalse(p.keepWorking());
  }

  @Test
  void workerSetAndClearFlagsAdjustNrRunningOnNotRunningTransitions() {
    PoolLogic p = new PoolLogic(false, 4, cfg(KickVariant.ORIGINAL));
    Worker w = p.worker(0);
    w.flags = WorkerFlag.PREP.bit;
    p.workerClrFlags(w, WorkerFlag.PREP.bit | WorkerFlag.REBOUND.bit);
    assertEquals(1, p.nrRunning);
    p.workerClrFlags(w, WorkerFlag.IDLE.bit);
    assertEquals(1, p.nrRunning, "IDLE is not a NOT_RUNNING flag");
    p.workerSetFlags(w, WorkerFlag.CPU_INTENSIVE.bit);
    assertEquals(0, p.nrRunning);
    p.workerSetFlags(w, WorkerFlag.PREP.bit);
    assertEquals(0, p.nrRunning, "already NOT_RUNNING");
    p.workerClrFlags(w, WorkerFlag.PREP.bit);
    assertEquals(0, p.nrRunning, "still CPU_INTENSIVE");
  }

  // ------------------------------------------------------------------ the idle list

  @Test
  void workerEnterIdleIsLifoStampsLastActiveAndArmsTheIdleTimerOnce() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    assertEquals(List.of(2, 1, 0), p.idleListSlots(), "head = most recently idle");
    assertEquals(3, p.nrIdle());
    assertEquals(2, p.worker(2).lastActive());
    assertTrue(p.idleTimerPending(), "3 idle, 0 busy: too many");
    assertEquals(2 + T, p.idleTimerExpires(), "armed by the third worker_enter_idle()");
    p.createWorker(50, 0);
    assertEquals(2 + T, p.idleTimerExpires(), "not re-armed while pending");
    assertSame(p.worker(3), p.firstIdleWorker());
    assertClean(p);
  }

  @Test
  void workerLeaveIdleTakesTheWorkerOffTheList() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    p.workerLeaveIdle(p.worker(1));
    assertEquals(List.of(2, 0), p.idleListSlots());
    assertEquals(2, p.nrIdle());
    assertFalse(p.worker(1).has(WorkerFlag.IDLE));
    p.workerLeaveIdle(p.worker(1));
    assertEquals("W1", p.drainWarnings().get(0)[0], "leaving idle twice is a WARN");
  }

  @Test
  void firstIdleWorkerIsTheHeadAndTheAblationTakesTheTail() {
    PoolLogic head = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    assertEquals(2, head.firstIdleWorker().slot);
    PoolLogic tail = new PoolLogic(false, 16, cfg(KickVariant.ORIGINAL).withPickTail(true));
    for (int i = 0; i < 3; i++) tail.createWorker(i, 0);
    assertEquals(0, tail.firstIdleWorker().slot, "ablation: the longest-idle worker");
    assertNull(new PoolLogic(false, 4, cfg(KickVariant.ORIGINAL)).firstIdleWorker());
  }

  // ------------------------------------------------------------------ kick_pool

  @Test
  void kickPoolOriginalLeavesThePickedWorkerIdleOnTheListAndCoalesces() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    Kick k = p.queueWork(item(1), 10);
    assertSame(p.worker(2), k.worker());
    assertFalse(k.claimed());
    assertTrue(p.worker(2).has(WorkerFlag.IDLE), "still WORKER_IDLE");
    assertEquals(List.of(2, 1, 0), p.idleListSlots(), "still on idle_list");
    assertEquals(3, p.nrIdle());
    Kick again = p.queueWork(item(2), 10);
    assertSame(p.worker(2), again.worker(), "the same worker again: the wake-ups coalesce");
    assertTrue(again.repeat());
    assertClean(p);
  }

  @Test
  void kickPoolClaimTakesTheWorkerOffTheListAndLosesCoalescing() {
    PoolLogic p = poolWithIdle(KickVariant.CLAIM, false, 3);
    Kick k = p.queueWork(item(1), 10);
    assertTrue(k.claimed());
    assertFalse(p.worker(2).has(WorkerFlag.IDLE));
    assertEquals(List.of(1, 0), p.idleListSlots());
    assertEquals(2, p.nrIdle());
    Kick second = p.queueWork(item(2), 10);
    assertSame(p.worker(1), second.worker(), "WQ-3: a second kick wakes another worker");
    assertEquals(1, second.othersPicked());
    assertClean(p);
    // the claimed worker skips worker_leave_idle() at woke_up: and takes the work
    Decision d = p.wokeUp(p.worker(2), 11, 5);
    assertEquals(Next.EXECUTE, d.next());
    assertTrue(p.drainWarnings().isEmpty(), "no double worker_leave_idle()");
  }

  @Test
  void kickPoolKickedListParksOneWorkerThatStaysIdleAndCoalesces() {
    PoolLogic p = poolWithIdle(KickVariant.KICKED_LIST, false, 3);
    Kick k = p.queueWork(item(1), 10);
    assertTrue(k.parked());
    assertEquals(List.of(1, 0), p.idleListSlots());
    assertEquals(List.of(2), p.kickedListSlots());
    assertEquals(3, p.nrIdle(), "a parked worker keeps WORKER_IDLE and its nr_idle count");
    assertTrue(p.worker(2).has(WorkerFlag.IDLE));
    Kick again = p.queueWork(item(2), 10);
    assertSame(p.worker(2), again.worker(), "first_idle_worker() looks at kicked_list first");
    assertClean(p);
    p.wokeUp(p.worker(2), 11, 5);
    assertTrue(p.kickedListSlots().isEmpty(), "worker_leave_idle() removes it from kicked_list");
    assertClean(p);
  }

  @Test
  void kickPoolDoesNothingWithoutWorkWithARunningWorkerOrWithoutIdleWorkers() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 2);
    assertNull(p.kickPool(0), "empty worklist");
    p.insertWork(item(1));
    p.nrRunning = 1;
    assertNull(p.kickPool(0), "a counted worker is running");
    p.nrRunning = 0;
    PoolLogic empty = new PoolLogic(false, 2, cfg(KickVariant.ORIGINAL));
    assertNull(empty.queueWork(item(1), 0), "no idle worker");
    assertEquals(1, empty.worklistLength(), "insert_work() appended it anyway");
  }

  @Test
  void kickPoolMarksExpiredPicks() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    assertFalse(p.queueWork(item(1), 2 + T - 1).expired());
    assertTrue(p.queueWork(item(2), 2 + T).expired());
  }

  // ------------------------------------------------------------------ worker_thread

  @Test
  void wokeUpWithDieReturnsWithoutLookingAtTheWorklist() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    Worker w = p.worker(0);
    assertTrue(p.setWorkerDying(w, 77));
    p.insertWork(item(1));
    Decision d = p.wokeUp(w, T, 5);
    assertEquals(Next.DIE, d.next());
    assertEquals(77, d.stopper());
    assertEquals(1, p.worklistLength(), "the item is left where it was");
  }

  @Test
  void recheckSleepsWhenNoWorkerIsNeeded() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 2);
    Decision d = p.wokeUp(p.worker(1), 5, 7);
    assertEquals(Next.IDLE, d.next());
    assertEquals(7, d.epoch());
    assertEquals(List.of(1, 0), p.idleListSlots(), "back at the head");
    assertEquals(5, p.worker(1).lastActive(), "last_active refreshed");
    assertClean(p);
  }

  @Test
  void recheckBecomesManagerWhenTheLastIdleWorkerLeaves() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 1);
    p.insertWork(item(1));
    Decision d = p.wokeUp(p.worker(0), 5, 7);
    assertEquals(Next.MANAGE, d.next(), "may_start_working() is false: manage_workers()");
    assertTrue(p.managerActive());
    assertTrue(p.maydayTimerPending());
    Worker fresh = p.createWorker(6, 0);
    assertEquals(1, fresh.slot);
    assertEquals(
        WorkerFlag.PREP.bit | WorkerFlag.IDLE.bit, fresh.flags(), "created PREP, entered idle");
    Decision after = p.managerDone(p.worker(0), 7, 8);
    assertFalse(p.managerActive());
    assertFalse(p.maydayTimerPending(), "timer_delete_sync()");
    assertEquals(Next.EXECUTE, after.next(), "goto recheck: now there is a spare idle worker");
    assertEquals(1, p.nrRunning, "PREP cleared: counted");
    assertClean(p);
  }

  @Test
  void managerRestartsWhileAWorkerIsStillNeededAndOthersDoNotManageMeanwhile() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 1);
    p.insertWork(item(1));
    assertEquals(Next.MANAGE, p.wokeUp(p.worker(0), 5, 7).next());
    assertEquals(Next.MANAGE, p.managerDone(p.worker(0), 6, 8).next(), "creation failed: restart");
    assertTrue(p.managerActive());
    assertTrue(p.maydayTimeout(7), "pool_mayday_timeout() would call for rescuers");
  }

  @Test
  void createWorkerFailsWhenEverySlotIsTaken() {
    PoolLogic p = new PoolLogic(false, 2, cfg(KickVariant.ORIGINAL));
    assertTrue(p.createWorker(0, 0) != null);
    assertTrue(p.createWorker(0, 0) != null);
    assertNull(p.createWorker(0, 0));
    assertEquals(2, p.nrWorkers());
  }

  @Test
  void processOneWorkChainsAKickOnUnboundPoolsOnlyAndCountsPerCpuWorkers() {
    PoolLogic bound = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    bound.insertWork(item(1));
    bound.insertWork(item(2));
    Decision d = bound.wokeUp(bound.worker(2), 5, 7);
    assertEquals(Next.EXECUTE, d.next());
    assertTrue(d.counted());
    assertNull(d.kick(), "per-CPU: nr_running >= 1, kick_pool() is a no-op");
    PoolLogic unbound = poolWithIdle(KickVariant.ORIGINAL, true, 3);
    unbound.insertWork(item(1));
    unbound.insertWork(item(2));
    Decision u = unbound.wokeUp(unbound.worker(2), 5, 7);
    assertFalse(u.counted(), "WORKER_UNBOUND: never in nr_running");
    assertSame(unbound.worker(1), u.kick().worker(), "chains the next idle worker");
    assertClean(bound);
    assertClean(unbound);
  }

  @Test
  void workDoneKeepsWorkingOrGoesIdle() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    p.insertWork(item(1));
    p.insertWork(item(2));
    Worker w = p.worker(2);
    assertEquals(1, p.wokeUp(w, 5, 7).item().id());
    Decision next = p.workDone(w, 1, 6, 8);
    assertEquals(Next.EXECUTE, next.next(), "keep_working(): nr_running <= 1");
    assertEquals(2, next.item().id());
    Decision idle = p.workDone(w, 2, 7, 9);
    assertEquals(Next.IDLE, idle.next());
    assertEquals(0, p.nrRunning, "PREP set again");
    assertEquals(2, p.firstIdleWorker().slot);
    assertClean(p);
  }

  @Test
  void assignWorkPuntsAWorkAlreadyRunningToItsWorker() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, true, 3);
    WorkItem cull = WorkItem.idleCull(5);
    p.insertWork(cull);
    Worker a = p.worker(2);
    assertSame(cull, p.wokeUp(a, 5, 7).item());
    p.insertWork(cull); // requeued while it runs
    Decision b = p.wokeUp(p.worker(1), 5, 7);
    assertEquals(Next.IDLE, b.next(), "the only item went to the worker already running it");
    assertSame(a, p.findWorkerExecutingWork(cull));
    assertEquals(1, a.scheduledCount());
    Decision again = p.workDone(a, cull.id(), 6, 8);
    assertSame(cull, again.item(), "process_scheduled_works() runs it next, on the same worker");
    assertClean(p);
  }

  @Test
  void wqWorkerSleepingKicksAndRunningRestoresNrRunning() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    p.insertWork(item(1));
    p.insertWork(item(2));
    Worker w = p.worker(2);
    p.wokeUp(w, 5, 7);
    assertEquals(1, p.nrRunning);
    Kick k = p.wqWorkerSleeping(w, 6);
    assertEquals(0, p.nrRunning);
    assertSame(p.worker(1), k.worker(), "another worker for the backlog");
    p.wqWorkerRunning(w);
    assertEquals(1, p.nrRunning);
    p.wqWorkerRunning(w);
    assertEquals(1, p.nrRunning, "only once per sleep");
    assertClean(p);
    PoolLogic u = poolWithIdle(KickVariant.ORIGINAL, true, 2);
    u.insertWork(item(1));
    Worker uw = u.worker(1);
    u.wokeUp(uw, 5, 7);
    assertNull(u.wqWorkerSleeping(uw, 6), "NOT_RUNNING (unbound): no-op");
  }

  // ------------------------------------------------------------------ idle culling

  @Test
  void idleWorkerTimeoutReArmsCullsOrStandsDown() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    assertEquals(PoolLogic.Timeout.REARMED, p.idleWorkerTimeout(T - 1));
    assertEquals(T, p.idleTimerExpires(), "the tail's expiry");
    assertEquals(PoolLogic.Timeout.CULL, p.idleWorkerTimeout(T));
    assertTrue(p.cullWorkPending());
    assertEquals(PoolLogic.Timeout.CULL_PENDING, p.idleWorkerTimeout(T + 1));
    p.cullWorkStarted();
    PoolLogic two = poolWithIdle(KickVariant.ORIGINAL, false, 2);
    assertEquals(PoolLogic.Timeout.ENOUGH_WORKERS, two.idleWorkerTimeout(T + 5));
  }

  @Test
  void idleCullFnCullsExpiredTailsKeepsTwoAndReArmsForTheFirstFresh() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 5); // idle at jiffies 0..4
    List<Worker> culled = p.idleCullFn(T + 1, 77); // 0 and 1 expired
    assertEquals(List.of(p.worker(0), p.worker(1)), culled);
    assertEquals(T + 2, p.idleTimerExpires(), "stops at the first tail that has not expired");
    assertTrue(p.worker(0).has(WorkerFlag.DIE));
    assertEquals(77, p.worker(0).stopper());
    assertEquals(3, p.nrWorkers());
    assertClean(p);
    List<Worker> rest = p.idleCullFn(T + 100, 77);
    assertEquals(List.of(p.worker(2)), rest, "keeps 2 idle workers");
    assertFalse(p.tooManyWorkers());
    assertClean(p);
  }

  @Test
  void theSeedRaceInMiniatureOriginalCullsAKickedWorker() {
    // W (slot 2) is the head and has been idle for IDLE_WORKER_TIMEOUT; a kick picks it; two
    // workers go idle in front of it before it runs; the cull walks from the tail to W.
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, true, 3); // slots 0,1,2 idle at 0,1,2
    Worker w = p.worker(2);
    Kick k = p.queueWork(item(1), T + 10);
    assertSame(w, k.worker());
    assertTrue(k.expired());
    Worker a = p.createWorker(T + 11, 1); // two workers enter idle in front of W
    Worker b = p.createWorker(T + 12, 1);
    assertEquals(List.of(b.slot, a.slot, 2, 1, 0), p.idleListSlots());
    List<Worker> culled = p.idleCullFn(T + 13, 77);
    assertTrue(culled.contains(w), "set_worker_dying() checks only WORKER_IDLE: the kicked W dies");
    assertEquals(Next.DIE, p.wokeUp(w, T + 14, 9).next(), "W finally runs, sees WORKER_DIE");
    assertEquals(1, p.worklistLength(), "the item W was kicked for is still queued");
  }

  @Test
  void theSeedRaceInMiniatureClaimProtectsTheKickedWorker() {
    for (KickVariant v : List.of(KickVariant.CLAIM, KickVariant.KICKED_LIST)) {
      PoolLogic p = poolWithIdle(v, true, 3);
      Worker w = p.worker(2);
      p.queueWork(item(1), T + 10);
      p.createWorker(T + 11, 1);
      p.createWorker(T + 12, 1);
      List<Worker> culled = p.idleCullFn(T + 13, 77);
      assertFalse(culled.contains(w), v + ": the cull cannot see the picked worker");
      assertEquals(Next.EXECUTE, p.wokeUp(w, T + 14, 9).next(), v + ": W runs the item");
      assertClean(p);
    }
  }

  @Test
  void setWorkerDyingRefusesABusyWorker() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    p.insertWork(item(1));
    Worker w = p.worker(2);
    p.wokeUp(w, 5, 7);
    assertFalse(p.setWorkerDying(w, 1));
    assertEquals("W5", p.drainWarnings().get(0)[0]);
    assertFalse(w.has(WorkerFlag.DIE));
  }

  @Test
  void workerExitedFreesTheSlotForANewLife() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    Worker w = p.worker(0);
    p.setWorkerDying(w, 1);
    assertEquals(3, p.createWorker(5, 0).slot, "the dying kthread still holds slot 0");
    p.workerExited(w);
    assertEquals(PoolLogic.SlotState.FREE, w.state());
    Worker again = p.createWorker(6, 0);
    assertSame(w, again, "ida_alloc(): the lowest free id");
    assertEquals(2, again.incarnation(), "a new life");
    assertClean(p);
  }

  @Test
  void checkAccountingCatchesCorruptCounters() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 3);
    p.nrIdle = 2;
    p.checkAccounting();
    assertEquals("W1", p.drainWarnings().get(0)[0]);
    p.nrIdle = 3;
    p.nrRunning = 1;
    p.checkAccounting();
    assertEquals("W2", p.drainWarnings().get(0)[0]);
    p.nrRunning = 0;
    PoolLogic k = poolWithIdle(KickVariant.KICKED_LIST, false, 4);
    k.queueWork(item(1), 0);
    Worker second = k.worker(2);
    k.idleList.remove(second);
    second.onIdleList = false;
    k.kickedList.addLast(second);
    second.onKickedList = true;
    k.checkAccounting();
    assertEquals("WQ4", k.drainWarnings().get(0)[0], "a second worker on kicked_list");
  }

  // ------------------------------------------------------------------ flush_work() barriers

  @Test
  void aBarrierFollowsAQueuedItemLinkedAndMovesWithItWithoutAKick() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 2);
    Worker a = p.worker(1);
    assertEquals(Next.EXECUTE, run(p, a, item(1), 10).next()); // a runs item 1, counted
    p.insertWork(item(2));
    p.insertWork(item(3));
    WorkItem barrier = WorkItem.barrier(7, 1, 200);
    assertEquals(PoolLogic.ON_WORKLIST, p.insertBarrier(2, barrier));
    assertEquals(3, p.worklistLength(), "right after item 2, before item 3");
    // keep_working(): a takes item 2; its linked barrier comes along to a's scheduled list
    Decision d = p.workDone(a, 1, 11, 99);
    assertEquals(2, d.item().id());
    assertEquals(1, a.scheduledCount(), "the barrier moved with item 2");
    assertEquals(1, p.worklistLength());
    Decision next = p.workDone(a, 2, 12, 99);
    assertEquals(
        barrier.id(), next.item().id(), "the barrier runs right after the item it flushes");
    assertClean(p);
  }

  @Test
  void aBarrierForAnExecutingItemGoesToTheHeadOfItsWorkersScheduledList() {
    PoolLogic p = poolWithIdle(KickVariant.ORIGINAL, false, 2);
    Worker a = p.worker(1);
    run(p, a, item(1), 10);
    WorkItem barrier = WorkItem.barrier(7, 1, 200);
    assertEquals(a.slot, p.insertBarrier(1, barrier));
    assertEquals(0, p.worklistLength(), "not on the worklist: nothing kicks");
    assertEquals(barrier.id(), p.workDone(a, 1, 11, 99).item().id());
    assertEquals(
        PoolLogic.NOT_FOUND,
        p.insertBarrier(5, WorkItem.barrier(7, 2, 200)),
        "neither queued nor executing");
    assertClean(p);
  }
}
