package org.kernsim.protocol.kprobes;

import java.util.List;
import org.kernsim.protocol.WireMessage;

/**
 * Publication of kernel text and of the RCU-visible probe table: the {@code KprobeManager}
 * publishes what its kprobe_mutex sections changed to {@code CodeMemory} ({@link Publish}, in
 * sequence); {@code CodeMemory} forwards every change to every CPU's view ({@link ViewUpdate}, in
 * its own sequence). A batch of jump patches is the stop_machine function {@link TextPokeBatch}:
 * {@code CodeMemory} applies it during the RUN phase, pushes it to every view and answers the
 * active CPU only when every view acknowledged it ({@link ViewAck}), so no CPU leaves the stopper
 * before it sees the new code.
 */
public sealed interface CodeMessage extends WireMessage
    permits CodeMessage.Publish,
        CodeMessage.TextPokeBatch,
        CodeMessage.ViewUpdate,
        CodeMessage.ViewAck,
        CodeMessage.PatchDelay {

  /** The manager's {@code seq}-th publication (a kprobe_mutex section's visible effects). */
  record Publish(long seq, List<CodeChange> changes) implements CodeMessage {}

  /**
   * {@code text_poke_smp_batch()}: the stop_machine function; applied after publication {@code
   * afterSeq} (everything its caller published before calling stop_machine).
   */
  record TextPokeBatch(long afterSeq, String why, List<CodeChange> patches)
      implements CodeMessage {}

  /**
   * {@code CodeMemory}'s {@code seq}-th update of a CPU view; {@code stopOp} >= 0 inside a
   * stop_machine.
   */
  record ViewUpdate(long seq, long stopOp, List<CodeChange> changes) implements CodeMessage {}

  /** CPU {@code cpu}'s view applied update {@code seq} (and every earlier one). */
  record ViewAck(int cpu, long seq) implements CodeMessage {}

  /**
   * {@code CodeMemory}'s own timer: the active CPU finished writing the batch of stop_machine
   * {@code op}.
   */
  record PatchDelay(long op) implements CodeMessage {}
}
