package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.actors.cpuhotplug26.Programs26;
import org.kernsim.actors.cpuhotplug26.Sm3Interleavings;
import org.kernsim.engine.RunResult;

/**
 * SM-3's kprobes half in a timed run ({@code kprobes-sm3-enable-over-jump}), per kernel, beside the
 * writer half's verdict over every interleaving for the same path ({@link Sm3Interleavings}).
 */
class KprobesSm3ScenarioTest {

  private static final String SCENARIO = "kprobes-sm3-enable-over-jump";

  @Test
  void enableOverAnOptimizedJumpTakesTheHotplugLockInsideTextMutexOrPatchesWithoutIt() {
    for (Programs26.Era e : Programs26.Era.values()) {
      RunResult r = KprobesScenarioTest.run(SCENARIO, 1, "kprobes.kernel=" + e.version);
      Map<String, Long> f = KprobesScenarioTest.fired(r);
      Sm3Interleavings.Result w =
          Sm3Interleavings.explore(
              2,
              2,
              List.of(
                  new Sm3Interleavings.Task("kprobes", Programs26.enableKprobeOverJump(e)),
                  new Sm3Interleavings.Task("cpu_down", Programs26.cpuDown(1, 2))));
      if (e == Programs26.Era.V2_6_37) {
        assertEquals(Map.of("K11_PatchUnderHotplugAndTextMutex", 1L), f, e.version);
        assertNull(w.deadlock());
        assertNotNull(w.hang());
      } else {
        assertEquals(Map.of("K1_LockOrder", 1L), f, e.version);
        assertTrue(
            KprobesScenarioTest.first(r, "K1_LockOrder").message().contains("TEXT_MUTEX"),
            e.version);
        assertNotNull(w.deadlock());
        assertNull(w.hang());
      }
      assertEquals(3L, r.metrics().get("kprobeStopMachineCalls"), e.version);
    }
  }

  @Test
  void theSameSeedGivesTheSameTrace() {
    RunResult a = KprobesScenarioTest.run(SCENARIO, 7, "kprobes.kernel=2.6.38");
    RunResult b = KprobesScenarioTest.run(SCENARIO, 7, "kprobes.kernel=2.6.38");
    assertEquals(a.traceSha256(), b.traceSha256());
  }
}
