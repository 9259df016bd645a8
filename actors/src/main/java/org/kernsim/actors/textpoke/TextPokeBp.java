package org.kernsim.actors.textpoke;

import java.util.ArrayList;
import java.util.List;
import org.kernsim.protocol.kprobes.CodeChange;
import org.kernsim.protocol.kprobes.CodeChange.FirstByte;
import org.kernsim.protocol.textpoke.TextPokeMessage;
import org.kernsim.protocol.textpoke.TextPokeMessage.Op;

/**
 * int3-based cross-modification of kernel text, {@code arch/x86/kernel/alternative.c}: {@code
 * text_poke_bp_batch()} (v5.4: with a {@code handler}; v5.5 to v6.15 the emulating form, renamed
 * {@code smp_text_poke_batch_finish()} in 2025 [M]), as the sequence of stores and syncs the
 * patching task performs, each store on its own ({@link TextPokeMessage.Write}), each {@code
 * text_poke_sync()} an IPI round ({@link TextPokeMessage.Sync}). Plain logic: it only builds the
 * sequence; the text memory carries it out.
 *
 * <p>{@code text_poke_bp_batch(tp, n)}:
 *
 * <ol>
 *   <li>publish the descriptor ({@code bp_desc} / {@code bp_patching}) that {@code
 *       poke_int3_handler()} reads: an int3 at a patched site is handled as the new instruction;
 *   <li>write an int3 at every site; sync;
 *   <li>write bytes 1..len-1 of every new instruction; sync (if any);
 *   <li>write byte 0 of every new instruction (v5.5 on: unless it is itself an int3); sync (if
 *       any);
 *   <li>retire the descriptor: v5.4 clears it after the last sync; v5.5 on drops the initial
 *       reference and waits until no int3 handler holds one ({@code atomic_cond_read_acquire}).
 * </ol>
 */
public final class TextPokeBp {
  private TextPokeBp() {}

  /** Which {@code alternative.c}. */
  public enum Version {
    /**
     * v5.2 to v5.4: {@code text_poke_bp(addr, opcode, len, handler)}; {@code poke_int3_handler()}
     * sends the CPU to {@code handler}; the third step writes every first byte; no reference count.
     */
    HANDLER,
    /**
     * v5.5 on ({@code text_poke_bp(addr, opcode, len, emulate)}): the handler emulates the new
     * instruction; an int3 first byte is not rewritten; the descriptor is retired once no handler
     * holds a reference.
     */
    EMULATE
  }

  /**
   * One site: at {@code addr}, the new instruction's tail ({@link CodeChange.TailWrite} or {@link
   * CodeChange.TailRestore}, or null if it has none) and first byte; an int3 there while patching
   * sends the CPU into detour {@code detourOp} (the jump being written, or v5.4's {@code handler}).
   */
  public record Site(int addr, CodeChange tail, FirstByte first, int detourOp) {}

  /** {@code text_poke_bp_batch()} of {@code sites}, in {@code version}'s form. */
  public static List<Op> textPokeBpBatch(Version version, List<Site> sites) {
    List<Op> ops = new ArrayList<>();
    List<Integer> addrs = new ArrayList<>();
    List<Integer> detours = new ArrayList<>();
    for (Site s : sites) {
      addrs.add(s.addr());
      detours.add(s.detourOp());
    }
    // bp_desc.vec = tp; nr_entries; refs = 1; smp_wmb()
    ops.add(new TextPokeMessage.Write(new CodeChange.PokeDescriptor(addrs, detours)));
    // First step: add a int3 trap to the address that will be patched.
    for (Site s : sites)
      ops.add(new TextPokeMessage.Write(new CodeChange.TextPoke(s.addr(), FirstByte.INT3)));
    ops.add(new TextPokeMessage.Sync());
    // Second step: update all but the first byte of the patched range.
    int tails = 0;
    for (Site s : sites) {
      if (s.tail() != null) {
        ops.add(new TextPokeMessage.Write(s.tail()));
        tails++;
      }
    }
    if (tails > 0) ops.add(new TextPokeMessage.Sync());
    // Third step: replace the first byte (int3) by the first byte of replacing opcode.
    int firsts = 0;
    for (Site s : sites) {
      if (version == Version.EMULATE && s.first() == FirstByte.INT3) continue;
      ops.add(new TextPokeMessage.Write(new CodeChange.TextPoke(s.addr(), s.first())));
      firsts++;
    }
    if (version == Version.HANDLER || firsts > 0) ops.add(new TextPokeMessage.Sync());
    CodeChange none = new CodeChange.PokeDescriptor(List.of(), List.of());
    if (version == Version.HANDLER) {
      ops.add(new TextPokeMessage.Write(none)); // bp_patching.nr_entries = 0
    } else {
      ops.add(new TextPokeMessage.Retire(none)); // drop the reference, wait for refs == 0
    }
    return ops;
  }

  /** {@code text_poke(addr, ...)} of one store, without a sync. */
  public static List<Op> textPoke(CodeChange change) {
    return List.of(new TextPokeMessage.Write(change));
  }

  /** {@code text_poke()} of one store, then {@code text_poke_sync()}. */
  public static List<Op> textPokeSync(CodeChange change) {
    return List.of(new TextPokeMessage.Write(change), new TextPokeMessage.Sync());
  }
}
