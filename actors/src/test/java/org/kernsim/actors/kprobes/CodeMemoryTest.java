package org.kernsim.actors.kprobes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.kprobes.CodeMessage;
import org.kernsim.protocol.stopmachine.StopMachineMessage;
import org.kernsim.scenario.Settings;

/**
 * CodeMemory on its own: publication order, the stop_machine function and its acknowledgements, K8.
 */
class CodeMemoryTest {

  private static KprobesSim sim() {
    KprobesModel model = new KprobesModel();
    return (KprobesSim)
        model.build(
            Settings.defaults(
                model,
                Map.of(
                    "machine.cpus",
                    "2",
                    "kprobes.probes",
                    "0",
                    "kprobes.extra-probes",
                    "A@100, B@102, C@200")));
  }

  private static StopMachineMessage.StopFnCall call(long op, long afterSeq, CodeChange... patches) {
    return new StopMachineMessage.StopFnCall(
        op, 1, new CodeMessage.TextPokeBatch(afterSeq, "test", List.of(patches)));
  }

  @Test
  void aBatchIsAnsweredOnlyAfterEveryViewAcknowledgedIt() {
    KprobesSim sim = sim();
    CodeMemory mem = new CodeMemory(sim);
    FakeContext ctx = new FakeContext(sim.codeMemory());
    // waits for the publication it was called after
    mem.receive(ctx, call(1, 1, new CodeChange.JumpWrite(100, 5, 7)));
    assertTrue(ctx.timers.isEmpty(), "parked until publication 1 arrives");
    mem.receive(
        ctx, new CodeMessage.Publish(1, List.of(new CodeChange.TextPoke(100, FirstByte.INT3))));
    assertEquals(1, ctx.timers.size(), "then the active CPU writes the batch");
    ctx.sent.clear();
    mem.receive(ctx, ctx.timers.get(0));
    List<FakeContext.Sent> updates = ctx.sent;
    assertEquals(
        List.of(sim.workload(0), sim.workload(1)),
        updates.stream().map(FakeContext.Sent::to).toList());
    CodeMessage.ViewUpdate u = (CodeMessage.ViewUpdate) updates.get(0).message();
    assertEquals(1, u.stopOp());
    ctx.sent.clear();
    mem.receive(ctx, new CodeMessage.ViewAck(0, u.seq()));
    assertTrue(ctx.sent.isEmpty(), "cpu1 has not acknowledged yet");
    mem.receive(ctx, new CodeMessage.ViewAck(1, u.seq()));
    assertEquals(
        List.of(new FakeContext.Sent(sim.machine().cpu(1), new StopMachineMessage.StopFnDone(1))),
        ctx.sent);
    assertEquals(List.of(100), mem.jumps());
    assertTrue(ctx.violations.isEmpty(), ctx.violations.toString());
  }

  @Test
  void k8FiresWhenABreakpointLandsInsideAJump() {
    KprobesSim sim = sim();
    CodeMemory mem = new CodeMemory(sim);
    FakeContext ctx = new FakeContext(sim.codeMemory());
    mem.receive(ctx, call(1, 0, new CodeChange.JumpWrite(100, 5, 7)));
    mem.receive(ctx, ctx.timers.get(0));
    mem.receive(
        ctx, new CodeMessage.Publish(1, List.of(new CodeChange.TextPoke(102, FirstByte.INT3))));
    assertEquals(1, ctx.violations.size(), ctx.violations.toString());
    assertTrue(
        ctx.violations.get(0).startsWith("K8_NoBreakpointInJumpWindow"), ctx.violations.toString());
    mem.receive(
        ctx, new CodeMessage.Publish(2, List.of(new CodeChange.TextPoke(200, FirstByte.INT3))));
    assertEquals(1, ctx.violations.size(), "200 is outside the window");
  }

  @Test
  void aJumpWrittenOutsideStopMachineIsHalfPatchedCode() {
    KprobesSim sim = sim();
    CodeMemory mem = new CodeMemory(sim);
    FakeContext ctx = new FakeContext(sim.codeMemory());
    mem.receive(ctx, new CodeMessage.Publish(1, List.of(new CodeChange.JumpWrite(200, 5, 9))));
    assertTrue(
        ctx.violations.get(0).startsWith("NoHalfPatchedCodeObserved"), ctx.violations.toString());
  }
}
