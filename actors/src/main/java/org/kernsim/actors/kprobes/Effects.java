package org.kernsim.actors.kprobes;

import java.util.ArrayDeque;
import java.util.List;
import org.kernsim.protocol.kprobes.CodeChange;

/**
 * What a kprobe_mutex section did that the rest of the machine sees, in program order: the {@code
 * KprobeCore} (pure logic) appends, the {@code KprobeManager} (the actor) carries them out one by
 * one and stops at a blocking one (a stop_machine, a grace period, a wait) until it completes. The
 * core's own state may run ahead; nobody can observe it meanwhile, because the section still holds
 * kprobe_mutex.
 */
final class Effects {

  sealed interface Effect
      permits Publish,
          StopMachine,
          Kick,
          CompleteAll,
          WaitForOptimizer,
          SynchronizeSched,
          Note,
          Violation,
          Count,
          LockAcquire,
          LockRelease,
          TextPoke {}

  /** Make these changes visible to every CPU (RCU publication and {@code text_poke}). */
  record Publish(List<CodeChange> changes) implements Effect {}

  /** {@code text_poke_smp(_batch)}: patch under stop_machine; blocks until it returns. */
  record StopMachine(String function, List<CodeChange> patches) implements Effect {}

  /**
   * {@code text_poke()} stores and {@code text_poke_sync()}s, carried out by the text memory one by
   * one; blocks until the sequence returned.
   */
  record TextPoke(String function, List<org.kernsim.protocol.textpoke.TextPokeMessage.Op> ops)
      implements Effect {}

  /** {@code kick_kprobe_optimizer()}. */
  record Kick(String function) implements Effect {}

  /** {@code complete_all(&optimizer_comp)}. */
  record CompleteAll() implements Effect {}

  /** The seed's {@code wait_for_kprobe_optimizer()} (completion based); blocks if it waits. */
  record WaitForOptimizer() implements Effect {}

  /** {@code synchronize_sched()}; blocks until a grace period elapsed. */
  record SynchronizeSched() implements Effect {}

  /** A trace note. */
  record Note(Object note) implements Effect {}

  /** An invariant found violated by the pure logic. */
  record Violation(String checker, String message) implements Effect {}

  record Count(String metric, long delta) implements Effect {}

  /**
   * The section's task takes {@code lock} (for the lock-order checker; K1 is checked in the core).
   */
  record LockAcquire(KprobeCore.Lock lock) implements Effect {}

  record LockRelease(KprobeCore.Lock lock) implements Effect {}

  private final ArrayDeque<Effect> queue = new ArrayDeque<>();

  void add(Effect e) {
    queue.addLast(e);
  }

  Effect poll() {
    return queue.pollFirst();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }

  /** The queued effects, for tests. */
  List<Effect> list() {
    return List.copyOf(queue);
  }
}
