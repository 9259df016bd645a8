package org.kernsim.actors.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code select_idle_sibling()} and {@code kick_pool()}'s repatriation, v6.13.7. */
class SelectTaskRqTest {
  private static final int[] LLC = {0, 1, 2, 3};

  @Test
  void scanStartsAtTargetThenWrapsFromTheNextCpu() {
    assertEquals(2, SelectTaskRq.scanCandidate(LLC, 2, 0));
    assertEquals(3, SelectTaskRq.scanCandidate(LLC, 2, 1));
    assertEquals(0, SelectTaskRq.scanCandidate(LLC, 2, 2));
    assertEquals(1, SelectTaskRq.scanCandidate(LLC, 2, 3));
    assertEquals(-1, SelectTaskRq.scanCandidate(LLC, 2, 4));
    int[] node1 = {4, 5, 6, 7};
    assertEquals(4, SelectTaskRq.scanCandidate(node1, 7, 1));
  }

  @Test
  void idleTargetWinsElseFirstIdleAfterItElseTarget() {
    assertEquals(2, SelectTaskRq.selectIdleSibling(LLC, 2, Set.of(0, 2, 3)::contains));
    assertEquals(3, SelectTaskRq.selectIdleSibling(LLC, 2, Set.of(0, 3)::contains));
    assertEquals(0, SelectTaskRq.selectIdleSibling(LLC, 2, Set.of(0, 1)::contains));
    assertEquals(2, SelectTaskRq.selectIdleSibling(LLC, 2, Set.<Integer>of()::contains));
  }

  @Test
  void repatriationOnlyForAWakeCpuOutsideTheNonStrictPod() {
    int[] pod = {2, 3};
    assertEquals(-1, SelectTaskRq.repatriate(3, false, pod, c -> true));
    assertEquals(-1, SelectTaskRq.repatriate(0, true, pod, c -> true));
    assertEquals(2, SelectTaskRq.repatriate(0, false, pod, c -> true));
    assertEquals(3, SelectTaskRq.repatriate(0, false, pod, c -> c != 2));
    assertEquals(-1, SelectTaskRq.repatriate(0, false, pod, c -> false));
  }
}
