package org.kernsim.engine.lockdep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.lockdep.LockNote.LockMode;

/** The lock-order graph on its own: cycles, read locks, recursion, pseudo-locks. */
class LockGraphTest {
  private static final LockMode W = LockMode.WRITE;
  private static final LockMode R = LockMode.READ;
  private static final LockMode RR = LockMode.RECURSIVE_READ;

  private static List<LockGraph.Report> take(
      LockGraph g, int task, long t, LockMode mode, String... locks) {
    List<LockGraph.Report> out = new java.util.ArrayList<>();
    for (String l : locks) out.addAll(g.acquire(task, l, mode, false, "f" + task, t));
    return out;
  }

  private static void drop(LockGraph g, int task, String... locks) {
    for (String l : locks) assertEquals(List.of(), g.release(task, l, 0));
  }

  @Test
  void anAbbaInversionThatNeverDeadlockedIsFoundWithBothChains() {
    LockGraph g = new LockGraph();
    assertEquals(List.of(), take(g, 1, 10, W, "A", "B")); // task 1: A then B, at 10 ns
    drop(g, 1, "B", "A");
    List<LockGraph.Report> r = take(g, 2, 500, W, "B", "A"); // task 2, much later: B then A
    assertEquals(1, r.size(), r.toString());
    LockGraph.Circular c = assertInstanceOf(LockGraph.Circular.class, r.get(0));
    assertEquals(List.of("B", "A", "B"), c.cycle());
    assertEquals(new LockGraph.Dependency("B", W, "A", W, 2, 500, "f2"), c.current());
    assertEquals(List.of(new LockGraph.Dependency("A", W, "B", W, 1, 10, "f1")), c.existing());
    String text = Lockdep.describe(c, i -> "task" + i);
    assertTrue(text.startsWith("possible circular locking dependency detected: B -> A -> B"), text);
    assertTrue(text.contains("A -> B first seen at 0.000010 ms: task1 in f1 held A"), text);
    // the same cycle again is not reported twice
    drop(g, 2, "A", "B");
    assertEquals(List.of(), take(g, 3, 900, W, "B", "A"));
  }

  @Test
  void aConsistentOrderIsNeverFlagged() {
    LockGraph g = new LockGraph();
    for (int task = 0; task < 5; task++) {
      assertEquals(List.of(), take(g, task, task, W, "module_mutex", "kprobe_mutex"));
      assertEquals(List.of(), take(g, task, task, R, "cpu_hotplug_lock"));
      assertEquals(List.of(), take(g, task, task, W, "text_mutex"));
      drop(g, task, "text_mutex", "cpu_hotplug_lock", "kprobe_mutex", "module_mutex");
      assertEquals(List.of(), take(g, task, task, W, "kprobe_mutex", "text_mutex"));
      drop(g, task, "text_mutex", "kprobe_mutex");
    }
    assertEquals(4, g.classes());
    // check_prevs_add(): module_mutex -> kprobe_mutex -> cpu_hotplug_lock -> text_mutex and
    // kprobe_mutex -> text_mutex; no direct dependency from a lock below the newest held one
    assertEquals(4, g.dependencies());
  }

  @Test
  void aRecursiveReadInTheMiddleOfAStackBreaksThePathAsInCheckPrevsAdd() {
    // A (exclusive) -> B (recursive read) -> C: lockdep records A -(ER)-> B and B -(SN)-> C only;
    // A reaches C through B, and "R then S" is not a strong path, so C -> A closes no deadlock
    LockGraph g = new LockGraph();
    take(g, 1, 1, W, "A");
    take(g, 1, 2, RR, "B");
    take(g, 1, 3, W, "C");
    drop(g, 1, "C", "B", "A");
    assertEquals(2, g.dependencies(), "no direct A -> C");
    assertEquals(List.of(), take(g, 2, 4, W, "C", "A"), "no strong cycle through the reader");
    // the same stack with B taken exclusively is a cycle, found through B (transitively)
    LockGraph h = new LockGraph();
    take(h, 1, 1, W, "A", "B", "C");
    drop(h, 1, "C", "B", "A");
    LockGraph.Circular c =
        assertInstanceOf(LockGraph.Circular.class, take(h, 2, 4, W, "C", "A").get(0));
    assertEquals(List.of("C", "A", "B", "C"), c.cycle());
    assertEquals(2, c.existing().size());
  }

  @Test
  void theWalkGoesDownPastTrylocksToTheFirstNonTrylockEntry() {
    // holds A, then trylocks T, then takes C: dependencies T -> C and A -> C (check_prevs_add()
    // walks on below a trylock entry), but not from below A
    LockGraph g = new LockGraph();
    take(g, 1, 1, W, "Z", "A");
    assertEquals(List.of(), g.acquire(1, "T", W, true, "spin_trylock", 2));
    take(g, 1, 3, W, "C");
    drop(g, 1, "C", "T", "A", "Z");
    assertEquals(3, g.dependencies(), "Z -> A, T -> C, A -> C");
    LockGraph.Circular c =
        assertInstanceOf(LockGraph.Circular.class, take(g, 2, 4, W, "C", "A").get(0));
    assertEquals(List.of("C", "A", "C"), c.cycle(), "the direct A -> C past the trylock");
    drop(g, 2, "A", "C");
    LockGraph.Circular t =
        assertInstanceOf(LockGraph.Circular.class, take(g, 3, 5, W, "C", "T").get(0));
    assertEquals(List.of("C", "T", "C"), t.cycle());
  }

  @Test
  void aLongerCycleIsFoundThroughTransitiveDependencies() {
    LockGraph g = new LockGraph();
    take(g, 1, 1, W, "A", "B");
    drop(g, 1, "B", "A");
    take(g, 2, 2, W, "B", "C");
    drop(g, 2, "C", "B");
    List<LockGraph.Report> r = take(g, 3, 3, W, "C", "A");
    LockGraph.Circular c = assertInstanceOf(LockGraph.Circular.class, r.get(0));
    assertEquals(List.of("C", "A", "B", "C"), c.cycle());
    assertEquals(2, c.existing().size());
  }

  @Test
  void aWaitIsAPseudoLockHeldByWhatItWaitsFor() {
    // flush_work() under a mutex that the work function takes: lockdep's classic report
    LockGraph g = new LockGraph();
    take(g, 7, 1, W, "(work_completion)w"); // the worker runs w
    take(g, 7, 2, W, "M");
    drop(g, 7, "M", "(work_completion)w");
    take(g, 8, 3, W, "M");
    List<LockGraph.Report> r = g.waitFor(8, "(work_completion)w", "flush_work", 4);
    LockGraph.Circular c = assertInstanceOf(LockGraph.Circular.class, r.get(0));
    assertEquals(List.of("M", "(work_completion)w", "M"), c.cycle());
    assertEquals(List.of("M"), g.held(8), "the wait holds nothing afterwards");
  }

  @Test
  void aCycleThroughACompletionIsMarkedAsTheModelsExtension() {
    // wait_for_completion() has no lockdep annotation in any kernel modelled: a completion is the
    // model's pseudo-lock, and its reports say so; a work item's map is the kernel's own
    LockGraph g = new LockGraph();
    take(g, 7, 1, W, "(completion)done", "M");
    drop(g, 7, "M", "(completion)done");
    take(g, 8, 3, W, "M");
    LockGraph.Circular c =
        assertInstanceOf(
            LockGraph.Circular.class, g.waitFor(8, "(completion)done", "wait", 4).get(0));
    String text = Lockdep.describe(c, i -> "t" + i);
    assertTrue(
        text.endsWith(
            "[The model's extension, not kernel lockdep: the cycle goes through (completion)done,"
                + " pseudo-lock that kernel lockdep does not annotate]"),
        text);
    LockGraph h = new LockGraph();
    take(h, 7, 1, W, "(work_completion)w", "M");
    drop(h, 7, "M", "(work_completion)w");
    take(h, 8, 3, W, "M");
    LockGraph.Circular k =
        assertInstanceOf(
            LockGraph.Circular.class, h.waitFor(8, "(work_completion)w", "flush_work", 4).get(0));
    assertFalse(Lockdep.describe(k, i -> "t" + i).contains("extension"));
  }

  @Test
  void aReadLockTakenAgainWhileHeldIsRecursiveLockingUnlessTheSecondIsARecursiveRead() {
    LockGraph g = new LockGraph();
    take(g, 1, 1, R, "cpu_hotplug_lock"); // cpus_read_lock()
    List<LockGraph.Report> r = take(g, 1, 2, R, "cpu_hotplug_lock"); // stop_machine(): again
    LockGraph.Recursive rec = assertInstanceOf(LockGraph.Recursive.class, r.get(0));
    assertEquals("cpu_hotplug_lock", rec.lock());
    assertTrue(Lockdep.describe(rec, i -> "t" + i).contains("a writer that comes in between"));
    // rcu_read_lock() style nesting is fine
    take(g, 2, 1, R, "rcu");
    assertEquals(List.of(), take(g, 2, 2, RR, "rcu"));
    // a write lock taken again is recursive whatever the mode
    take(g, 3, 1, W, "M");
    assertInstanceOf(LockGraph.Recursive.class, take(g, 3, 2, RR, "M").get(0));
    // a trylock does not wait: no report, no dependency
    assertEquals(List.of(), g.acquire(3, "M", W, true, "trylock", 3));
  }

  @Test
  void aCycleThroughARecursiveReaderIsNotADeadlockButThroughAPlainReaderItIs() {
    // task 1: holds L for (recursive) reading, takes M; task 2: holds M, takes L for reading
    LockGraph g = new LockGraph();
    take(g, 1, 1, RR, "L");
    take(g, 1, 2, W, "M");
    drop(g, 1, "M", "L");
    take(g, 2, 3, W, "M");
    assertEquals(List.of(), take(g, 2, 4, RR, "L"), "two readers of L do not wait for each other");
    drop(g, 2, "L", "M");
    // the same shape with a non-recursive read (a rwsem with a writer queued in between)
    LockGraph h = new LockGraph();
    take(h, 1, 1, R, "S");
    take(h, 1, 2, W, "M");
    drop(h, 1, "M", "S");
    take(h, 2, 3, W, "M");
    LockGraph.Circular c = assertInstanceOf(LockGraph.Circular.class, take(h, 2, 4, R, "S").get(0));
    assertEquals(List.of("M", "S", "M"), c.cycle());
    // a writer on the other side makes the recursive-read case a deadlock too (SM-3's shape)
    take(g, 3, 5, W, "M");
    drop(g, 3, "M");
    take(g, 4, 6, W, "L"); // cpu_hotplug_begin(): the writer
    LockGraph.Circular w = assertInstanceOf(LockGraph.Circular.class, take(g, 4, 7, W, "M").get(0));
    assertEquals(List.of("L", "M", "L"), w.cycle());
  }

  @Test
  void releasingALockNotHeldIsReported() {
    LockGraph g = new LockGraph();
    assertInstanceOf(LockGraph.Unbalanced.class, g.release(4, "M", 9).get(0));
    take(g, 4, 1, W, "A", "B");
    drop(g, 4, "A"); // out of order is fine
    assertEquals(List.of("B"), g.held(4));
  }
}
