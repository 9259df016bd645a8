package org.kernsim.actors.textpoke;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.textpoke.TextPokeMessage;
import org.kernsim.protocol.textpoke.TextPokeMessage.Op;

/** The store and sync sequences of {@code text_poke_bp_batch()} in its two forms. */
class TextPokeBpTest {

  /**
   * One letter per op: D descriptor, I int3, T tail, J/O/C first byte, S sync, N clear, R retire.
   */
  private static String shape(List<Op> ops) {
    StringBuilder b = new StringBuilder();
    for (Op op : ops) {
      if (op instanceof TextPokeMessage.Sync) b.append('S');
      else if (op instanceof TextPokeMessage.Retire) b.append('R');
      else {
        CodeChange c = ((TextPokeMessage.Write) op).change();
        if (c instanceof CodeChange.PokeDescriptor d) b.append(d.addrs().isEmpty() ? 'N' : 'D');
        else if (c instanceof CodeChange.TailWrite || c instanceof CodeChange.TailRestore)
          b.append('T');
        else if (c instanceof CodeChange.TextPoke t)
          b.append(
              switch (t.value()) {
                case INT3 -> 'I';
                case JMP -> 'J';
                case ORIG -> 'O';
              });
        else b.append('?');
      }
    }
    return b.toString();
  }

  private static TextPokeBp.Site jump(int addr, int op) {
    return new TextPokeBp.Site(addr, new CodeChange.TailWrite(addr, op), FirstByte.JMP, op);
  }

  @Test
  void optimisingOneProbeIsInt3SyncTailSyncOpcodeSyncInBothForms() {
    // descriptor published first: an int3 hit from the first store on is handled as the jump
    assertEquals(
        "DISTSJSN",
        shape(TextPokeBp.textPokeBpBatch(TextPokeBp.Version.HANDLER, List.of(jump(100, 7)))));
    assertEquals(
        "DISTSJSR",
        shape(TextPokeBp.textPokeBpBatch(TextPokeBp.Version.EMULATE, List.of(jump(100, 7)))));
  }

  @Test
  void aBatchWritesEveryInt3BeforeAnyTailAndSyncsOncePerStep() {
    List<Op> ops =
        TextPokeBp.textPokeBpBatch(
            TextPokeBp.Version.EMULATE, List.of(jump(100, 1), jump(200, 2), jump(300, 3)));
    assertEquals("DIIISTTTSJJJSR", shape(ops));
    List<Integer> int3Order = new ArrayList<>();
    for (Op op : ops)
      if (op instanceof TextPokeMessage.Write w
          && w.change() instanceof CodeChange.TextPoke t
          && t.value() == FirstByte.INT3) int3Order.add(t.addr());
    assertEquals(List.of(100, 200, 300), int3Order);
    CodeChange.PokeDescriptor d =
        (CodeChange.PokeDescriptor) ((TextPokeMessage.Write) ops.get(0)).change();
    assertEquals(List.of(100, 200, 300), d.addrs());
    assertEquals(List.of(1, 2, 3), d.ops());
  }

  @Test
  void restoringAnInt3FirstByteIsNotRewrittenFromV55() {
    // arch_unoptimize_kprobe() of v5.2-v5.4: text_poke_bp(addr, int3 + copied bytes, 5, detour)
    TextPokeBp.Site unopt =
        new TextPokeBp.Site(100, new CodeChange.TailRestore(100), FirstByte.INT3, 7);
    // v5.4 writes byte 0 again (the int3 it already is) and syncs a third time
    assertEquals(
        "DISTSISN", shape(TextPokeBp.textPokeBpBatch(TextPokeBp.Version.HANDLER, List.of(unopt))));
    // v5.5 on: "if (text[0] == INT3_INSN_OPCODE) continue" -- no third store, no third sync
    assertEquals(
        "DISTSR", shape(TextPokeBp.textPokeBpBatch(TextPokeBp.Version.EMULATE, List.of(unopt))));
  }

  @Test
  void aSiteWithoutATailSkipsTheSecondSync() {
    TextPokeBp.Site arm = new TextPokeBp.Site(100, null, FirstByte.ORIG, -1);
    assertEquals(
        "DISOSR", shape(TextPokeBp.textPokeBpBatch(TextPokeBp.Version.EMULATE, List.of(arm))));
  }

  @Test
  void plainTextPokeIsOneStoreAndTextPokeSyncAddsTheIpiRound() {
    CodeChange c = new CodeChange.TextPoke(100, FirstByte.INT3);
    assertEquals("I", shape(TextPokeBp.textPoke(c)));
    assertEquals("IS", shape(TextPokeBp.textPokeSync(c)));
  }
}
