package org.kernsim.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.models.Models;
import org.kernsim.scenario.BadInputException;
import org.kernsim.scenario.Scenario;

class MemoryEstimateTest {

  private static MemoryEstimate.Estimate estimate(String... sets) {
    Scenario s = Models.load("workqueue-kick-cull", List.of(sets));
    return MemoryEstimate.of(s, s.build(), true, 1);
  }

  /**
   * kworker slots are made on demand, so more slots per pool cost the actor driver only their
   * per-entity arrays until a kworker is created in them: 1,000 slots per pool at 4,096 CPUs are
   * not refused as 4 million actors (they were: 300 bytes each, 1.2 GB more than 16 slots).
   */
  @Test
  void slotsNotMadeYetCostNoActor() {
    MemoryEstimate.Estimate few = estimate("machine.cpus=4096");
    MemoryEstimate.Estimate many = estimate("machine.cpus=4096", "workqueue.worker-slots=1000");
    long extraSlots = 4097L * (1000 - 16); // the per-CPU pools and the unbound one
    assertEquals(extraSlots * MemoryEstimate.ON_DEMAND_PER_ENTITY, many.bytes() - few.bytes());
    assertTrue(few.bytes() > 4096 * MemoryEstimate.WORKQUEUE_PER_CPU, "the per-CPU floor stays");
  }

  @Test
  void aLayoutOverTheHeapIsRefusedWithWhatWasAsked() {
    MemoryEstimate.Estimate e = estimate("machine.cpus=4096");
    BadInputException x = assertThrows(BadInputException.class, () -> e.check(e.bytes() - 1));
    assertTrue(
        x.getMessage().startsWith("workqueue-kick-cull with machine.cpus=4096 ("), x.getMessage());
    e.check(e.bytes()); // what fits is not refused
  }
}
