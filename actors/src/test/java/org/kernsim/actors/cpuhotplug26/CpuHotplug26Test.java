package org.kernsim.actors.cpuhotplug26;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The 2.6.3x hotplug lock (kernel/cpu.c:60-124), alternatives_smp_switch and __stop_machine. */
class CpuHotplug26Test {
  private static final String H = CpuHotplug26.CPU_HOTPLUG_LOCK;

  private static CpuHotplug26.Outcome step(CpuHotplug26 s, int t, HotplugOp op) {
    return s.step(t, op);
  }

  @Test
  void readersOnlyRaiseTheRefcountAndTheWriterWaitsForItWithoutTheMutex() {
    CpuHotplug26 s = new CpuHotplug26(2, 2, 3);
    assertInstanceOf(CpuHotplug26.Done.class, step(s, 0, new HotplugOp.GetOnlineCpus("r")));
    assertEquals(1, s.refcount());
    assertEquals(-1, s.owner(H), "get_online_cpus() drops the mutex after refcount++");
    // cpu_hotplug_begin(): active_writer set, the mutex not kept while refcount != 0
    CpuHotplug26.Waits w =
        assertInstanceOf(
            CpuHotplug26.Waits.class, step(s, 1, new HotplugOp.CpuHotplugBegin("_cpu_down")));
    assertEquals(List.of(0), w.holders());
    assertTrue(w.what().startsWith("cpu_hotplug.refcount == 0"));
    assertEquals(1, s.activeWriter());
    assertEquals(-1, s.owner(H));
    // a second reference by the reader (stop_machine() inside disarm_kprobe()) does not wait
    assertInstanceOf(CpuHotplug26.Done.class, step(s, 0, new HotplugOp.GetOnlineCpus("again")));
    // nor does another reader: no writer preference in this era
    assertInstanceOf(CpuHotplug26.Done.class, step(s, 2, new HotplugOp.GetOnlineCpus("other")));
    assertEquals(3, s.refcount());
    step(s, 0, new HotplugOp.PutOnlineCpus("r"));
    step(s, 0, new HotplugOp.PutOnlineCpus("r"));
    step(s, 2, new HotplugOp.PutOnlineCpus("r"));
    assertInstanceOf(CpuHotplug26.Done.class, step(s, 1, new HotplugOp.CpuHotplugBegin("again")));
    assertEquals(1, s.owner(H), "the writer keeps cpu_hotplug.lock once refcount is 0");
    // now every reader waits for the whole operation
    CpuHotplug26.Waits r =
        assertInstanceOf(
            CpuHotplug26.Waits.class, step(s, 0, new HotplugOp.GetOnlineCpus("stop_machine")));
    assertEquals(H, r.what());
    assertEquals(List.of(1), r.holders());
    // the writer's own get_online_cpus() returns at once (active_writer == current)
    assertInstanceOf(CpuHotplug26.Done.class, step(s, 1, new HotplugOp.GetOnlineCpus("notifier")));
    step(s, 1, new HotplugOp.CpuHotplugDone("_cpu_down"));
    assertEquals(-1, s.owner(H));
    assertEquals(-1, s.activeWriter());
    assertInstanceOf(CpuHotplug26.Done.class, step(s, 0, new HotplugOp.GetOnlineCpus("now")));
  }

  @Test
  void alternativesSmpSwitchTakesTextMutexOnlyWhenTheModeChanges() {
    // cpu_down from 3 CPUs leaves 2: native_cpu_die() does not call alternatives_smp_switch(0)
    assertTrue(
        Programs26.cpuDown(2, 3).stream()
            .noneMatch(
                o ->
                    o instanceof HotplugOp.MutexLock l
                        && l.mutex().equals(CpuHotplug26.TEXT_MUTEX)));
    // from 2 it does, and text_mutex is taken inside the hotplug write lock
    CpuHotplug26 s = new CpuHotplug26(2, 2, 1);
    List<HotplugOp> down = Programs26.cpuDown(1, 2);
    boolean tookTextUnderHotplug = false;
    for (int pc = 0; pc < down.size(); ) {
      HotplugOp op = down.get(pc);
      if (op instanceof HotplugOp.MutexLock l && l.mutex().equals(CpuHotplug26.TEXT_MUTEX))
        tookTextUnderHotplug = s.owner(H) == 0 && s.owner(CpuHotplug26.SMP_ALT) == 0;
      CpuHotplug26.Done d = assertInstanceOf(CpuHotplug26.Done.class, s.step(0, op));
      pc += 1 + d.skip();
    }
    assertTrue(tookTextUnderHotplug);
    assertEquals(1, s.numOnlineCpus());
    assertEquals(0, s.smpMode());
    // cpu_up from 1: do_boot_cpu()'s alternatives_smp_switch(1) patches (mode 0 -> 1) ...
    List<HotplugOp> up = Programs26.cpuUp(1);
    int textLocks = 0;
    for (int pc = 0; pc < up.size(); ) {
      HotplugOp op = up.get(pc);
      CpuHotplug26.Done d = assertInstanceOf(CpuHotplug26.Done.class, s.step(0, op));
      if (op instanceof HotplugOp.MutexLock l && l.mutex().equals(CpuHotplug26.TEXT_MUTEX))
        textLocks++;
      pc += 1 + d.skip();
    }
    assertEquals(1, textLocks);
    assertEquals(1, s.smpMode());
    // ... and a second cpu_up (2 -> 3) skips it: smp == smp_mode
    CpuHotplug26 t = new CpuHotplug26(3, 2, 1);
    int skipped = 0;
    for (int pc = 0; pc < up.size(); ) {
      HotplugOp op = Programs26.cpuUp(2).get(pc);
      CpuHotplug26.Done d = assertInstanceOf(CpuHotplug26.Done.class, t.step(0, op));
      skipped += d.skip();
      pc += 1 + d.skip();
    }
    assertEquals(2, skipped);
  }

  @Test
  void stopMachineHangsWhenFewerStoppersRunThanNumThreads() {
    CpuHotplug26 s = new CpuHotplug26(2, 2, 2);
    s.step(0, new HotplugOp.ReadNumThreads("text_poke_smp")); // num_threads = 2
    s.step(1, new HotplugOp.MutexLock(CpuHotplug26.STOP_CPUS_MUTEX, "writer"));
    assertInstanceOf(
        CpuHotplug26.Waits.class,
        s.step(0, new HotplugOp.MutexLock(CpuHotplug26.STOP_CPUS_MUTEX, "stop_cpus")));
    s.step(1, new HotplugOp.TakeCpuDown(1, "take_cpu_down"));
    s.step(1, new HotplugOp.MutexUnlock(CpuHotplug26.STOP_CPUS_MUTEX, "writer"));
    s.step(0, new HotplugOp.MutexLock(CpuHotplug26.STOP_CPUS_MUTEX, "stop_cpus"));
    CpuHotplug26.Hangs h =
        assertInstanceOf(CpuHotplug26.Hangs.class, s.step(0, new HotplugOp.StopCpus("x")));
    assertTrue(h.why().startsWith("1 stopper(s)"), h.why());
    // online but stopper not enabled (between start_secondary() and CPU_ONLINE)
    CpuHotplug26 u = new CpuHotplug26(2, 1, 1);
    u.step(0, new HotplugOp.SetCpuOnline(1, "start_secondary"));
    u.step(0, new HotplugOp.ReadNumThreads("x"));
    u.step(0, new HotplugOp.MutexLock(CpuHotplug26.STOP_CPUS_MUTEX, "x"));
    assertTrue(
        assertInstanceOf(CpuHotplug26.Hangs.class, u.step(0, new HotplugOp.StopCpus("x")))
            .why()
            .contains("[1]"));
    // counts equal: the stop completes
    CpuHotplug26 v = new CpuHotplug26(2, 2, 1);
    v.step(0, new HotplugOp.ReadNumThreads("x"));
    v.step(0, new HotplugOp.MutexLock(CpuHotplug26.STOP_CPUS_MUTEX, "x"));
    assertInstanceOf(CpuHotplug26.Done.class, v.step(0, new HotplugOp.StopCpus("x")));
  }

  @Test
  void heldNamesTheMutexesTheWriterAndTheReadersReferences() {
    CpuHotplug26 s = new CpuHotplug26(2, 2, 2);
    step(s, 0, new HotplugOp.MutexLock(CpuHotplug26.CPU_ADD_REMOVE_LOCK, "cpu_down"));
    step(s, 0, new HotplugOp.CpuHotplugBegin("_cpu_down"));
    step(s, 1, new HotplugOp.MutexLock(CpuHotplug26.TEXT_MUTEX, "arm_kprobe"));
    assertEquals(List.of("cpu_add_remove_lock", "cpu_hotplug.lock (active_writer)"), s.held(0));
    assertEquals(List.of("text_mutex"), s.held(1));
    CpuHotplug26 r = new CpuHotplug26(2, 2, 2);
    step(r, 1, new HotplugOp.GetOnlineCpus("register_kprobe"));
    step(r, 1, new HotplugOp.GetOnlineCpus("stop_machine"));
    assertEquals(List.of("get_online_cpus() x 2"), r.held(1));
    assertEquals(2, r.refs(1));
  }

  @Test
  void aWaitCycleIsFoundThroughAnyHolderAndOnlyWhenItCloses() {
    // 0 waits for 1 (a mutex); 1 waits for the readers 2 and 0 (cpu_hotplug_begin())
    java.util.Map<Integer, List<Integer>> g = new java.util.LinkedHashMap<>();
    g.put(0, List.of(1));
    assertEquals(List.of(), CpuHotplug26.waitCycle(0, g), "1 is not waiting: it may release");
    g.put(1, List.of(2, 0));
    assertEquals(List.of(0, 1), CpuHotplug26.waitCycle(0, g));
    assertEquals(List.of(1, 0), CpuHotplug26.waitCycle(1, g));
    // a chain that does not come back is no cycle through its start
    java.util.Map<Integer, List<Integer>> chain = new java.util.LinkedHashMap<>();
    chain.put(3, List.of(4));
    chain.put(4, List.of(5));
    chain.put(5, List.of(4));
    assertEquals(List.of(), CpuHotplug26.waitCycle(3, chain));
    assertEquals(List.of(4, 5), CpuHotplug26.waitCycle(4, chain));
  }

  @Test
  void theStepsOfTheDeadlockFormTheCycleTheEntityReports() {
    // kprobes (0) holds text_mutex and waits for the hotplug lock; the writer (1) waits for
    // text_mutex in alternatives_smp_switch(0): the cycle of docs/kprobes.md
    CpuHotplug26 s = new CpuHotplug26(2, 2, 2);
    step(s, 1, new HotplugOp.CpuHotplugBegin("_cpu_down"));
    step(s, 0, new HotplugOp.MutexLock(CpuHotplug26.TEXT_MUTEX, "arm_kprobe"));
    CpuHotplug26.Waits k =
        assertInstanceOf(CpuHotplug26.Waits.class, step(s, 0, new HotplugOp.GetOnlineCpus("x")));
    CpuHotplug26.Waits w =
        assertInstanceOf(
            CpuHotplug26.Waits.class,
            step(
                s, 1, new HotplugOp.MutexLock(CpuHotplug26.TEXT_MUTEX, "alternatives_smp_unlock")));
    java.util.Map<Integer, List<Integer>> g = new java.util.LinkedHashMap<>();
    g.put(0, k.holders());
    g.put(1, w.holders());
    assertEquals(List.of(1, 0), CpuHotplug26.waitCycle(1, g));
  }
}
