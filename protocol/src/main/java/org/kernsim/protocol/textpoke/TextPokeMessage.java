package org.kernsim.protocol.textpoke;

import java.util.List;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.kprobes.CodeChange;

/**
 * Cross-modifying code without stop_machine ({@code arch/x86/kernel/alternative.c}: {@code
 * text_poke()}, {@code text_poke_sync()}, {@code text_poke_bp_batch()}): the patching task (holding
 * text_mutex) hands the text memory a sequence of {@link Op}s; the memory carries them out in
 * order, each store published on its own, each sync an IPI to every CPU that is answered once that
 * CPU has executed a serialising instruction, and replies {@link Done}.
 */
public sealed interface TextPokeMessage extends WireMessage
    permits TextPokeMessage.Request,
        TextPokeMessage.Done,
        TextPokeMessage.SyncCore,
        TextPokeMessage.SyncAck,
        TextPokeMessage.Op,
        TextPokeMessage.Step {

  /**
   * Carry out {@code ops} after the requester's publication {@code afterSeq}; answer {@link Done}
   * with {@code token}. {@code why} names the kernel function ({@code text_poke_bp_batch}, {@code
   * arch_unoptimize_kprobe}).
   */
  record Request(int requester, long token, long afterSeq, String why, List<Op> ops)
      implements TextPokeMessage {}

  /** The sequence of {@link Request} {@code token} is done. */
  record Done(long token) implements TextPokeMessage {}

  /**
   * {@code text_poke_sync()}: IPI number {@code sync} to a CPU ({@code do_sync_core}); it answers
   * once it has applied every store up to view update {@code viewSeq}. {@code drainHandlers}: the
   * CPU answers only once no int3 handler of its holds a reference to the patching descriptor (the
   * descriptor's retirement waits for {@code bp_desc.refs} to drop to zero).
   */
  record SyncCore(long sync, long viewSeq, boolean drainHandlers) implements TextPokeMessage {}

  record SyncAck(int cpu, long sync) implements TextPokeMessage {}

  /** A timer of the memory: the store in progress is written ({@code text_poke()}'s cost). */
  record Step(long token, int index) implements TextPokeMessage {}

  /** One step of a patching sequence. */
  sealed interface Op extends TextPokeMessage permits Write, Sync, Retire {}

  /** {@code text_poke()} of {@code change}: a store every CPU may observe on its own. */
  record Write(CodeChange change) implements Op {}

  /** {@code text_poke_sync()}: {@code on_each_cpu(do_sync_core, NULL, 1)}. */
  record Sync() implements Op {}

  /**
   * The end of {@code text_poke_bp_batch()}: the descriptor is unpublished ({@code change}, an
   * empty {@code PokeDescriptor}) and the patcher waits until no int3 handler holds a reference.
   */
  record Retire(CodeChange change) implements Op {}
}
