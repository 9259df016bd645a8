package org.kernsim.protocol.kprobes;

import java.util.List;
import org.kernsim.protocol.WireMessage;

/** Trace notes of the kprobes model: what checkers and timelines need to see. */
public sealed interface KprobeNote extends WireMessage
    permits KprobeNote.ApiEntered,
        KprobeNote.ApiReturned,
        KprobeNote.MutexAcquired,
        KprobeNote.MutexReleased,
        KprobeNote.Kicked,
        KprobeNote.OptimizerRunBegan,
        KprobeNote.OptimizerRunEnded,
        KprobeNote.Transition,
        KprobeNote.OpUnreachable,
        KprobeNote.AggrFreed,
        KprobeNote.WaitReturned,
        KprobeNote.StopMachineCalled,
        KprobeNote.AuditResult,
        KprobeNote.CodeWritten,
        KprobeNote.ViewPatched,
        KprobeNote.ProbeHit,
        KprobeNote.ScriptStep,
        KprobeNote.ScriptDone,
        KprobeNote.Printk {

  /** A caller entered an API function. */
  record ApiEntered(int requester, long token, String op) implements KprobeNote {}

  /** The API function returned {@code result} to its caller. */
  record ApiReturned(int requester, long token, String op, int result) implements KprobeNote {}

  /** {@code owner} (an entity id) holds kprobe_mutex; {@code what} says for which function. */
  record MutexAcquired(int owner, String what) implements KprobeNote {}

  record MutexReleased(int owner, String what) implements KprobeNote {}

  /**
   * {@code kick_kprobe_optimizer()}: {@code scheduled} if it armed the delayed work (false: already
   * pending, the request is batched); {@code underMutex} whether kprobe_mutex was held.
   */
  record Kicked(boolean scheduled, boolean underMutex, long fireAt) implements KprobeNote {}

  record OptimizerRunBegan(long run) implements KprobeNote {}

  record OptimizerRunEnded(long run, int optimizing, int unoptimizing, boolean rekicked)
      implements KprobeNote {}

  /**
   * Probe {@code probe} at {@code addr} moved between lifecycle states of spec A.5 (UNOPTIMIZED,
   * OPTIMIZING, OPTIMIZED, UNOPTIMIZING, FREEING, FREED), in {@code function}.
   */
  record Transition(int probe, int addr, String from, String to, String function)
      implements KprobeNote {}

  /**
   * The aggregator {@code op} is no longer reachable by a CPU that did not already hold it: its
   * jump is removed, its breakpoint disarmed and it is out of the hash table (published).
   */
  record OpUnreachable(int op, int addr) implements KprobeNote {}

  /** {@code free_aggr_kprobe(op)}: the optimized_kprobe and its detour buffer are freed. */
  record AggrFreed(int op, int addr, String function) implements KprobeNote {}

  /** {@code wait_for_kprobe_optimizer()} returned with these list lengths. */
  record WaitReturned(String mode, int optimizing, int unoptimizing) implements KprobeNote {}

  /** A stop_machine for {@code probes} code patches was called from {@code function}. */
  record StopMachineCalled(String function, int probes, long token) implements KprobeNote {}

  /** The end-of-script audit of the probe table. */
  record AuditResult(
      int hashed,
      int optimized,
      int lostReoptimizations,
      int leakedUnused,
      List<Integer> lostAddrs,
      List<Integer> leakedAddrs)
      implements KprobeNote {}

  /**
   * CodeMemory changed the code at {@code addr} ({@code stopOp} >= 0: inside that stop_machine).
   */
  record CodeWritten(int addr, CodeChange.FirstByte firstByte, boolean rel32, int op, long stopOp)
      implements KprobeNote {}

  /** CPU {@code cpu}'s view applied a jump patch of stop_machine {@code stopOp}. */
  record ViewPatched(int cpu, long stopOp, long seq) implements KprobeNote {}

  /**
   * CPU {@code cpu} executed probed address {@code addr} from {@code startNanos} to now, by path
   * {@code kind}, holding a reference to probe {@code probe} (an aggregator, or -1) and running
   * {@code handlers} handlers.
   */
  record ProbeHit(int cpu, int addr, int probe, HitKind kind, long startNanos, int handlers)
      implements KprobeNote {}

  /** The admin script started step {@code index}: {@code text}. */
  record ScriptStep(int index, String text) implements KprobeNote {}

  /** The admin script finished. */
  record ScriptDone() implements KprobeNote {}

  /** A kernel log line. */
  record Printk(String line) implements KprobeNote {}

  /** How a CPU went through a probed address. */
  enum HitKind {
    /** The breakpoint trapped; handlers ran; the instruction was single-stepped (or boosted). */
    INT3,
    /**
     * The breakpoint trapped on an OPTIMIZED aggregator: handlers ran, then the detour's copied
     * instructions.
     */
    INT3_DETOUR,
    /** The jump went to the detour buffer ({@code optimized_callback}). */
    JUMP,
    /** The CPU executed bytes that are not an instruction boundary (invalid opcode). */
    INVALID,
    /**
     * The int3 of a site being patched by {@code text_poke_bp_batch()} trapped and {@code
     * poke_int3_handler()} emulated the new instruction (a jump into the detour).
     */
    POKE_EMULATED
  }
}
