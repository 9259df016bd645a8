package org.kernsim.actors.workqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.engine.RunOptions;
import org.kernsim.engine.SequentialDriver;
import org.kernsim.models.Models;
import org.kernsim.scenario.Scenario;

/**
 * A pool's kworker slots are made when first needed, not 16 up front (1.15 KB per CPU at 65,536
 * CPUs), and the pool decides as it did with every slot made: {@code create_worker()} takes the
 * lowest free slot, made or not.
 */
class PoolSlotsOnDemandTest {

  @Test
  void slotsAreMadeAsWorkersAreCreatedAndReusedLowestFirst() {
    PoolLogic p = new PoolLogic(false, 16, PoolLogicTest.cfg(KickVariant.ORIGINAL));
    assertEquals(0, p.createdSlots(), "no slot before the first create_worker()");
    assertEquals(16, p.slots());
    PoolLogic.Worker w0 = p.createWorker(0, 0);
    PoolLogic.Worker w1 = p.createWorker(1, 0);
    PoolLogic.Worker w2 = p.createWorker(2, 0);
    assertEquals(List.of(0, 1, 2), List.of(w0.slot, w1.slot, w2.slot));
    assertEquals(3, p.createdSlots());
    // slot 1's kthread dies and exits: the next worker reuses it (lowest free), no slot is made
    assertTrue(p.setWorkerDying(w1, -1));
    p.workerExited(w1);
    PoolLogic.Worker again = p.createWorker(3, 0);
    assertSame(w1, again);
    assertEquals(2, again.incarnation(), "a new life in the old slot");
    assertEquals(3, p.createdSlots());
    PoolLogicTest.assertClean(p);
  }

  @Test
  void askingForASlotMakesTheSlotsBelowItAndTheyStayFree() {
    PoolLogic p = new PoolLogic(false, 16, PoolLogicTest.cfg(KickVariant.ORIGINAL));
    p.createWorker(0, 0);
    PoolLogic.Worker w5 = p.worker(5);
    assertEquals(PoolLogic.SlotState.FREE, w5.state());
    assertEquals(0, w5.incarnation());
    assertEquals(6, p.createdSlots());
    assertEquals(1, p.createWorker(1, 0).slot, "the lowest free slot, as with all slots made");
    assertEquals(List.of(0, 1), slotsOf(p.attachedWorkers()));
    assertThrows(IndexOutOfBoundsException.class, () -> p.worker(16));
    PoolLogicTest.assertClean(p);
  }

  @Test
  void aFullPoolMakesEverySlotAndThenRefuses() {
    PoolLogic p = new PoolLogic(true, 4, PoolLogicTest.cfg(KickVariant.ORIGINAL));
    for (int i = 0; i < 4; i++) assertEquals(i, p.createWorker(i, -1).slot);
    assertNull(p.createWorker(9, -1), "no free slot");
    assertEquals(4, p.createdSlots());
    PoolLogicTest.assertClean(p);
  }

  /**
   * Every workqueue model's {@code traceSha256} is what it was with all 16 slots made up front
   * (pinned from main 575843e before this change, {@code kernsim run SCENARIO --driver
   * sequential}): a slot taken in another order, a loop that skipped a live worker or saw one more
   * would move them. Sequential driver: the hash is the same on every driver.
   */
  @Test
  void workqueueHashesAreThoseOfAllSlotsMadeUpFront() {
    assertHash(
        "5637cb10ab460dcd49a12b7b23e4cbc8f045ff74808c6fdcb2a8e0781a17a242",
        "workqueue-kick-cull",
        1);
    assertHash(
        "dbb190c55221d67f4f480d56b8304d21a0cebbdfc4778c8b7d04564b5e48cea2",
        "workqueue-kick-cull",
        518);
    assertHash(
        "dce83168b554dc5c6afb9348ba9ff870ee756a14182d21ca252f0022f2824ccd",
        "workqueue-kick-cull",
        2,
        "machine.cpus=8");
    assertHash(
        "40e55399fe4c3727b5499587b682bf27390cae39fa6259b0dc3c869eafea99e3", "workqueue-hotplug", 1);
    assertHash(
        "7c0c374032936e66c5c8e5be2e580ac2899fa1ad1f3b181a4a96b34ae82ebdc5", "workqueue-hotplug", 7);
    assertHash(
        "9b5e95ef5af103cb7c7d7dbde42e92b33cb792c3485a82ccefb3409893192a99",
        "workqueue-wq7-unbind-highpri",
        1);
    assertHash(
        "bc04bccf8232bd168cb6e94ef809496fb97ae58a856d54abf1f889639d50ce64",
        "workqueue-pool-destroy",
        1);
    assertHash(
        "81ff965e04a3251490785216650335bcc4b5697ddecfa362f134f4769ad1c092",
        "workqueue-wq6-manager-race",
        1);
    assertHash(
        "bf6840fdebc31868b4bc0f4de1a1b6ee1523dd379540cef11d133113c02b2d8e", "workqueue-rescuer", 1);
    assertHash(
        "fd9f404aeafd0210415418b40cb6835ace15a23a3c745508f0c1503dc5b9f0f6",
        "workqueue-cpu-intensive",
        1);
    assertHash(
        "0f369a469864b1099a86975c4287196220f77f5086a57dab50b6b254a6769e9f",
        "kprobes-optimizer-on-workqueue",
        1);
  }

  private static void assertHash(String want, String scenario, long seed, String... sets) {
    Scenario s = Models.load(scenario, List.of(sets));
    String got = SequentialDriver.run(s.build(), RunOptions.of(seed, s.until())).traceSha256();
    assertEquals(want, got, scenario + " seed " + seed + " " + List.of(sets));
  }

  private static List<Integer> slotsOf(List<PoolLogic.Worker> ws) {
    List<Integer> out = new ArrayList<>();
    for (PoolLogic.Worker w : ws) out.add(w.slot);
    return out;
  }
}
