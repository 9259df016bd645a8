package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.kprobes.KprobeApi;
import org.kernsim.protocol.kprobes.ManagerMessage;
import org.kernsim.protocol.kprobes.OptimizerMessage;
import org.kernsim.protocol.kprobes.OptimizerMessage.OptimizerStep;
import org.kernsim.protocol.textpoke.TextPokeMessage;
import org.kernsim.scenario.Settings;

/**
 * The manager driven by hand: the delayed-work semantics the optimizer relies on (spec C.6, A.6.1)
 * and kprobe_mutex between API calls and the optimizer.
 */
class KprobeManagerTest {

  private final KprobesSim sim = sim();
  private final KprobeManager mgr = new KprobeManager(sim);
  private final FakeContext ctx = new FakeContext(sim.manager());
  private final int admin = sim.admin();
  private final int host = sim.optimizerHost();
  private long token;

  private static KprobesSim sim() {
    KprobesModel model = new KprobesModel();
    return (KprobesSim)
        model.build(Settings.defaults(model, Map.of("machine.cpus", "2", "kprobes.probes", "4")));
  }

  private void call(KprobeApi.Op op) {
    receive(new KprobeApi.Call(admin, ++token, op));
  }

  private int pokesAnswered;

  /**
   * Delivers {@code msg}, then plays code_memory: every text_poke() sequence the manager asked for
   * is answered (text_poke() returns), until none is left.
   */
  private void receive(Object msg) {
    mgr.receive(ctx, msg);
    List<TextPokeMessage.Request> asked = sent(TextPokeMessage.Request.class, sim.codeMemory());
    while (pokesAnswered < asked.size()) {
      mgr.receive(ctx, new TextPokeMessage.Done(asked.get(pokesAnswered++).token()));
      asked = sent(TextPokeMessage.Request.class, sim.codeMemory());
    }
  }

  /** stop_machine() returns: the answer to the last request the manager made. */
  private Object stopDone() {
    List<org.kernsim.protocol.stopmachine.StopMachineMessage.StopMachineRequest> r =
        sent(
            org.kernsim.protocol.stopmachine.StopMachineMessage.StopMachineRequest.class,
            sim.machine().stopMachine());
    return new org.kernsim.protocol.stopmachine.StopMachineMessage.StopMachineDone(
        r.get(r.size() - 1).token(), r.size());
  }

  private <T> List<T> sent(Class<T> type, int to) {
    return ctx.sent.stream()
        .filter(s -> s.to() == to && type.isInstance(s.message()))
        .map(s -> type.cast(s.message()))
        .toList();
  }

  private List<ManagerMessage.DelayedWorkTimer> timers() {
    return ctx.timers.stream()
        .filter(t -> t instanceof ManagerMessage.DelayedWorkTimer)
        .map(t -> (ManagerMessage.DelayedWorkTimer) t)
        .toList();
  }

  @Test
  void kicksWhilePendingAreBatchedAndAKickDuringARunQueuesAnother() {
    ctx.now = 1_200_000; // 1.2 ms: jiffy 1 at HZ=1000
    call(new KprobeApi.RegisterKprobe(0));
    assertEquals(1, timers().size(), "the first kick arms optimizing_work");
    call(new KprobeApi.RegisterKprobe(1));
    assertEquals(1, timers().size(), "a kick while pending is a no-op: batched");
    assertEquals(2, sent(KprobeApi.Returned.class, admin).size());

    ctx.now = 6_000_000; // OPTIMIZE_DELAY = 5 jiffies after jiffy 1
    receive(timers().get(0));
    assertEquals(
        List.of(new OptimizerMessage.RunOptimizer(1)),
        sent(OptimizerMessage.RunOptimizer.class, host));
    receive(new OptimizerMessage.Begin(host, 1)); // PENDING cleared, both mutexes taken
    assertEquals(
        List.of(new OptimizerMessage.Granted(1, OptimizerStep.DO_UNOPTIMIZE)),
        sent(OptimizerMessage.Granted.class, host));

    // an API call while the optimizer holds kprobe_mutex waits
    call(new KprobeApi.RegisterKprobe(2));
    assertEquals(
        2, sent(KprobeApi.Returned.class, admin).size(), "register_kprobe blocks on kprobe_mutex");
    assertEquals(
        List.of(new KprobeApi.CallerSleeps(3, false)),
        sent(KprobeApi.CallerSleeps.class, admin),
        "mutex_lock() sleeps: the admin gives up its CPU");
    receive(new OptimizerMessage.Step(1, OptimizerStep.DO_UNOPTIMIZE));
    receive(new OptimizerMessage.Step(1, OptimizerStep.DO_OPTIMIZE));
    assertEquals(
        1, sent(OptimizerMessage.StepDone.class, host).size(), "Step 3 blocks in its stop_machine");
    receive(stopDone());
    receive(new OptimizerMessage.Step(1, OptimizerStep.DO_FREE_CLEANED));
    assertEquals(3, sent(OptimizerMessage.StepDone.class, host).size());
    receive(new OptimizerMessage.End(1));

    // the unlock hands kprobe_mutex to the waiting register_kprobe and wakes the admin; the
    // function goes on once the admin runs on its CPU again, and kicks: PENDING was cleared when
    // the run started, so this queues a second run
    assertEquals(List.of(), sent(ManagerMessage.Handoff.class, sim.manager()));
    assertEquals(List.of(new KprobeApi.CallerWakes(3)), sent(KprobeApi.CallerWakes.class, admin));
    assertEquals(2, sent(KprobeApi.Returned.class, admin).size(), "not before the admin runs");
    receive(new KprobeApi.CallerOnCpu(admin, 3));
    assertEquals(3, sent(KprobeApi.Returned.class, admin).size());
    assertEquals(2, timers().size(), "a kick after the run started arms the work again");
    receive(timers().get(1));
    assertEquals(
        List.of(new OptimizerMessage.RunOptimizer(1), new OptimizerMessage.RunOptimizer(2)),
        sent(OptimizerMessage.RunOptimizer.class, host));
    assertTrue(ctx.violations.isEmpty(), ctx.violations.toString());
  }

  @Test
  void theSeedWaitReturnsAtOnceOnceOptimizerCompHasCompleted() {
    call(new KprobeApi.RegisterKprobe(0));
    receive(timers().get(0));
    receive(new OptimizerMessage.Begin(host, 1));
    receive(new OptimizerMessage.Step(1, OptimizerStep.DO_UNOPTIMIZE));
    receive(new OptimizerMessage.Step(1, OptimizerStep.DO_OPTIMIZE));
    receive(stopDone());
    receive(new OptimizerMessage.Step(1, OptimizerStep.DO_FREE_CLEANED));
    receive(new OptimizerMessage.End(1)); // lists empty: complete_all(&optimizer_comp)
    call(new KprobeApi.SysctlOptimization(false)); // queues the un-optimisation, kicks, "waits"
    assertEquals(2, sent(KprobeApi.Returned.class, admin).size(), "returned at once");
    assertEquals(1, ctx.violations.size());
    assertTrue(
        ctx.violations.get(0).startsWith("K10_WaitReturnsOnEmptyQueues"),
        ctx.violations.toString());
  }
}
